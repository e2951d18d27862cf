package dml

import "slices"

// The indexes of a model's lists: what Sortable and Filterable create, and
// whether an index serves a list ordered or filtered by a field.

// listIndexes returns the indexes m's Sortable and Filterable fields need
// beyond have (the model's other indexes, final): with Sortable declared,
// one on the primary key among non-deleted rows; for a sortable field one
// on (<field>, <pk>) that serves the list ordered by it, for a filterable
// one an index that leads with it (lower(<field>) for a case-insensitive
// field), each unless an index already serves it. Both are among
// non-deleted rows, but deleted_at's, which holds every row. A Small model
// gets none.
func listIndexes(m *Model, have []Index) []Index {
	pk := m.PK()
	if pk == nil || m.IsSmall {
		return nil
	}
	var out []Index
	add := func(f *Field, suffix string, exact bool, p Pos) {
		ix := Index{Name: "IDX_" + m.TableName + "_" + f.Name + "_" + pk.Name + suffix, On: []string{f.Name, pk.Name}, Exact: exact, Pos: p}
		if f.Name == DeletedAt {
			ix.AllRows = true
		} else {
			ix.Where = SoftDeleteWhere("")
		}
		out = append(out, ix)
	}
	served := func(f *Field, serves func(Index, *Model, *Field) bool) bool {
		for _, ix := range have {
			if serves(ix, m, f) {
				return true
			}
		}
		for _, ix := range out {
			if serves(ix, m, f) {
				return true
			}
		}
		return false
	}
	// The default order, the primary key, among non-deleted rows: the
	// primary key's own index holds every row, so a deep page by offset
	// in the default order would read each skipped row from the table to
	// test deleted_at; with this one the deferred join's inner walk is an
	// index-only scan (sqlb.DeferredJoinOffset).
	if m.SortDeclared && !slices.ContainsFunc(have, func(ix Index) bool {
		return plainBtree(ix) && len(ix.On) == 1 && ix.On[0] == pk.Name && ix.Where == SoftDeleteWhere("")
	}) {
		out = append(out, Index{Name: "IDX_" + m.TableName + "_" + pk.Name, On: []string{pk.Name}, Where: SoftDeleteWhere(""), Pos: m.SortPos})
	}
	for _, f := range m.Fields {
		if m.SortDeclared && !f.IsPK && m.IsSortable(f.Name) && !served(f, ServesOrder) {
			add(f, "", f.IsFold, m.SortPos)
		}
	}
	for _, f := range m.Fields {
		if m.FilterDeclared && !f.IsPK && m.IsFilterable(f.Name) && !served(f, ServesFilter) {
			suffix := ""
			if f.IsFold {
				suffix = "_lower"
			}
			add(f, suffix, false, m.FilterPos)
		}
	}
	return out
}

// ServesOrder reports whether ix (as AllIndexes returns it) serves m's
// list ordered by f, ascending or descending, with the primary key as the
// tie-breaker: a btree index on (f, pk, ...) or a unique one on f alone,
// over f as stored (not lower(f)), holding every row a list of f reads
// (the non-deleted ones; every row for deleted_at). The primary key's own
// index is not among AllIndexes: the primary key is always served.
func ServesOrder(ix Index, m *Model, f *Field) bool {
	if !plainBtree(ix) || len(ix.On) == 0 || ix.On[0] != f.Name || (f.IsFold && !ix.Exact) {
		return false
	}
	pk := m.PK()
	tie := (len(ix.On) > 1 && pk != nil && ix.On[1] == pk.Name) || (ix.Unique && len(ix.On) == 1)
	return tie && holdsListRows(ix, f)
}

// ServesFilter reports whether ix (as AllIndexes returns it) serves m's
// list filtered by f (equality, in, ranges): a btree index that leads with
// f (with lower(f) for a case-insensitive field, as its equality filters
// compare), holding every row such a filter reads (the non-deleted ones;
// every row for deleted_at, whose filters include soft-deleted rows).
func ServesFilter(ix Index, _ *Model, f *Field) bool {
	if !plainBtree(ix) || len(ix.On) == 0 || ix.On[0] != f.Name || (f.IsFold && ix.Exact) {
		return false
	}
	return holdsListRows(ix, f)
}

func plainBtree(ix Index) bool { return (ix.Using == "" || ix.Using == "btree") && ix.Ops == "" }

// holdsListRows reports whether ix's predicate keeps every row a list of f
// may read: none, or only "deleted_at IS NULL" (a live list's own
// condition) unless f is deleted_at.
func holdsListRows(ix Index, f *Field) bool {
	if ix.AllRows && ix.Where == "" {
		return true
	}
	return f.Name != DeletedAt && ix.Where == SoftDeleteWhere("")
}
