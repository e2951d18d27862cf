package modgen

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modgen/dml"
)

// Schema is a module's database schema as the models describe it. Its JSON
// form is the snapshot committed next to the migrations; the next
// generation diffs the models against it.
type Schema struct {
	Module      string   `json:"module"`
	GeneratedBy string   `json:"generated_by"`
	Extensions  []string `json:"extensions,omitempty"`
	Tables      []Table  `json:"tables"`
}

// Table is one table of a Schema.
type Table struct {
	Name        string       `json:"name"`
	Columns     []Column     `json:"columns"`
	PrimaryKey  []string     `json:"primary_key"`
	Indexes     []IndexDef   `json:"indexes,omitempty"`
	ForeignKeys []ForeignKey `json:"foreign_keys,omitempty"`
	Checks      []Check      `json:"checks,omitempty"`
	// RowCount: the table's rows are counted by triggers (dml CountRows).
	RowCount bool `json:"row_count,omitempty"`
}

// Column is one column.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	// Default is a SQL expression, empty for none.
	Default string `json:"default,omitempty"`
	// Statistics is the column's statistics target (0: the server's
	// default_statistics_target); see SearchStatistics.
	Statistics int `json:"statistics,omitempty"`
}

// IndexDef is one index.
type IndexDef struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Unique  bool     `json:"unique,omitempty"`
	Using   string   `json:"using,omitempty"`
	Ops     string   `json:"ops,omitempty"`
	Where   string   `json:"where,omitempty"`
	// Expr, when set, is the indexed expression (Columns then only name the
	// columns it reads, for documentation).
	Expr string `json:"expr,omitempty"`
	// Fold lists the columns indexed as lower(<col>): the case-insensitive
	// fields (dml Field.CaseInsensitive).
	Fold []string `json:"fold,omitempty"`
	// Statistics is the statistics target of an expression index's
	// expression (0: the default); see SearchStatistics.
	Statistics int `json:"statistics,omitempty"`
}

// ForeignKey is one foreign key constraint.
type ForeignKey struct {
	Name      string `json:"name"`
	Column    string `json:"column"`
	RefTable  string `json:"ref_table"`
	RefColumn string `json:"ref_column"`
	OnDelete  string `json:"on_delete,omitempty"`
}

// Check is one CHECK constraint.
type Check struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
}

func (t *Table) column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// SQLType is the Postgres column type of a field kind.
func SQLType(k dml.Kind) string {
	if spec, ok := kinds[k]; ok {
		return spec.sql
	}
	return "text"
}

// sqlDefault renders a field's default as a SQL expression.
func sqlDefault(f *dml.Field) string {
	if !f.HasDefault {
		return ""
	}
	v := f.DefaultValue
	switch f.Kind {
	case dml.KindDateTime:
		return "now()"
	case dml.KindBoolean:
		return strconv.FormatBool(v.(bool))
	case dml.KindNumber, dml.KindBigNumber:
		return fmt.Sprint(v)
	case dml.KindJSON:
		b, _ := json.Marshal(v)
		return quote(string(b)) + "::jsonb"
	case dml.KindArray:
		items := v.([]string)
		q := make([]string, len(items))
		for i, s := range items {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	}
	return quote(fmt.Sprint(v))
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func qi(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// TrgmOps is the operator class of the pg_trgm GIN index that serves the
// free text "q" filter.
const TrgmOps = "gin_trgm_ops"

// SearchSep is the character that separates the searchable fields in a
// model's search expression (ASCII unit separator, E'\x1f'). A q holding it
// is matched field by field instead (see SearchExpr).
const SearchSep = `\x1f`

// searchFields returns m's searchable fields, in definition order.
func searchFields(m *dml.Model) []*dml.Field {
	var out []*dml.Field
	for _, f := range m.Fields {
		if f.IsSearch {
			out = append(out, f)
		}
	}
	return out
}

// SearchExpr is the SQL expression a model's q is matched against with one
// ILIKE, and that its pg_trgm index covers: the searchable column itself
// when there is one, else the searchable columns joined by E'\x1f', NULLs
// coalesced to the empty string:
//
//	coalesce("first_name", '') || E'\x1f' || coalesce("last_name", '') || E'\x1f' || "email"
//
// For a q without the separator, LIKE wildcards (% and _) or the escape
// character (\), a match of '%q%' on the joined text lies inside one
// field's segment, so it is exactly Medusa's OR of per-field ILIKEs. Other
// q keep it as a necessary condition (the index narrows the rows) before
// that OR, except a q with the escape character, which gets the OR alone
// (sqlb.SearchJoinable, sqlb.SearchNarrows).
// It returns "" when m has no searchable field.
func SearchExpr(m *dml.Model) string {
	fs := searchFields(m)
	if len(fs) == 1 {
		return qi(fs[0].Name)
	}
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = qi(f.Name)
		if f.IsNullable {
			parts[i] = "coalesce(" + qi(f.Name) + ", '')"
		}
	}
	return strings.Join(parts, " || E'"+SearchSep+"' || ")
}

// SearchStatistics is the statistics target of a model's search
// expression: of the expression of its trigram index with several
// searchable fields, of the column with one. The planner estimates the
// rows a q matches by testing ILIKE '%q%' on the histogram ANALYZE keeps
// of that expression, one bucket for every 1/target of the rows; at the
// default target (100) a q that no bucket holds is estimated at 0.01 % of
// the rows even when it matches 2 %, and a list then reads it through an
// index lookup that fetches every match to sort them instead of walking
// the primary key for one page (sqlb.Find decides the gram index lookup
// and the count on that estimate too). 1,000 buckets make the estimate of
// a q matching 0.3 % of the rows or more reliable. ANALYZE samples 300
// rows per unit of target (300,000 here), which takes seconds on a table
// of millions of rows; planning a q tests the histogram and the most
// common values (at most 2,000 ILIKEs, about half a millisecond). A Small
// model keeps the default.
const SearchStatistics = 1000

// searchIndex is the pg_trgm GIN index that serves q on m: on the column
// itself for one searchable field ("IDX_<table>_<col>_trgm", among
// non-deleted rows), on SearchExpr for several ("IDX_<table>_q_trgm", all
// rows).
func searchIndex(m *dml.Model) (IndexDef, bool) {
	fs := searchFields(m)
	if len(fs) == 0 {
		return IndexDef{}, false
	}
	ix := IndexDef{Using: "gin", Ops: TrgmOps, Where: "deleted_at IS NULL"}
	for _, f := range fs {
		ix.Columns = append(ix.Columns, f.Name)
	}
	if len(fs) == 1 {
		ix.Name = "IDX_" + m.TableName + "_" + fs[0].Name + "_trgm"
		return ix, true
	}
	// Not partial: the planner ignores the expression statistics of a
	// partial index, and without them it guesses that any q matches a few
	// rows (a q that matches most of the table then reads it all through
	// the index instead of walking the primary key and stopping at the
	// page size).
	ix.Name = "IDX_" + m.TableName + "_q_trgm"
	ix.Expr = SearchExpr(m)
	ix.Where = ""
	if !m.IsSmall {
		ix.Statistics = SearchStatistics
	}
	return ix, true
}

// gramIndex is the GIN index over the grams of m's search expression
// (sqlb.GramsFunc, among non-deleted rows, "IDX_<table>_q_grams") that
// finds a selective q by the rarest of its grams, where the trigram index
// reads the posting list of every trigram q shares with most rows (an
// e-mail domain, a common prefix): generated lists add its lookup when the
// planner expects few matches (sqlb.Where.SearchGrams). A Small model, or
// one without soft delete, has none.
func gramIndex(m *dml.Model) (IndexDef, bool) {
	fs := searchFields(m)
	if len(fs) == 0 || m.IsSmall || m.Field("deleted_at") == nil {
		return IndexDef{}, false
	}
	ix := IndexDef{Name: "IDX_" + m.TableName + "_q_grams", Using: "gin", Where: "deleted_at IS NULL",
		Expr: sqlb.GramsFunc + "(" + SearchExpr(m) + ")"}
	for _, f := range fs {
		ix.Columns = append(ix.Columns, f.Name)
	}
	return ix, true
}

// BuildSchema turns a validated module into its Schema. A model with
// searchable fields also gets one pg_trgm GIN index over its search
// expression (see SearchExpr, searchIndex) so that q's ILIKE '%…%' can use
// an index.
func BuildSchema(mod *dml.Module) (*Schema, error) {
	if err := mod.Validate(); err != nil {
		return nil, err
	}
	s := &Schema{Module: mod.Name, GeneratedBy: "medusa-go"}
	trgm := false
	for _, m := range mod.Models {
		t := Table{Name: m.TableName, RowCount: m.RowCount}
		search := searchFields(m)
		for _, f := range m.Fields {
			t.Columns = append(t.Columns, Column{Name: f.Name, Type: SQLType(f.Kind), Nullable: f.IsNullable, Default: sqlDefault(f)})
			if len(search) == 1 && search[0] == f && !m.IsSmall {
				t.Columns[len(t.Columns)-1].Statistics = SearchStatistics
			}
			if f.IsPK {
				t.PrimaryKey = append(t.PrimaryKey, f.Name)
			}
			if f.Kind == dml.KindEnum {
				q := make([]string, len(f.EnumValues))
				for i, v := range f.EnumValues {
					q[i] = quote(v)
				}
				t.Checks = append(t.Checks, Check{Name: m.TableName + "_" + f.Name + "_check", Expr: qi(f.Name) + " IN (" + strings.Join(q, ", ") + ")"})
			}
			if f.FK != nil {
				target := mod.Model(f.FK.Target)
				fk := ForeignKey{Name: m.TableName + "_" + f.Name + "_foreign", Column: f.Name, RefTable: target.TableName, RefColumn: target.PK().Name}
				if cascades(target, m) {
					fk.OnDelete = "CASCADE"
				}
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
		}
		for _, ix := range dml.AllIndexes(m) {
			d := IndexDef{Name: ix.Name, Columns: ix.On, Unique: ix.Unique, Using: ix.Using, Ops: ix.Ops, Where: ix.Where}
			if (ix.Using == "" || ix.Using == "btree") && ix.Ops == "" && !ix.Exact {
				for _, c := range ix.On {
					if f := m.Field(c); f != nil && f.IsFold {
						d.Fold = append(d.Fold, c)
					}
				}
			}
			t.Indexes = append(t.Indexes, d)
		}
		if ix, ok := searchIndex(m); ok {
			trgm = true
			t.Indexes = append(t.Indexes, ix)
		}
		if ix, ok := gramIndex(m); ok {
			t.Indexes = append(t.Indexes, ix)
		}
		s.Tables = append(s.Tables, t)
	}
	// many-to-many pivot tables, created by the side whose name sorts first
	for _, m := range mod.Models {
		for _, r := range m.Relations {
			if r.Kind != dml.ManyToManyRel {
				continue
			}
			other := mod.Model(r.Target)
			if other.Name < m.Name {
				continue
			}
			name := PivotName(m, other, r)
			a, b := m.Name+"_id", other.Name+"_id"
			s.Tables = append(s.Tables, Table{
				Name:       name,
				Columns:    []Column{{Name: a, Type: "text"}, {Name: b, Type: "text"}},
				PrimaryKey: []string{a, b},
				Indexes:    []IndexDef{{Name: "IDX_" + name + "_" + b, Columns: []string{b}}},
				ForeignKeys: []ForeignKey{
					{Name: name + "_" + a + "_foreign", Column: a, RefTable: m.TableName, RefColumn: m.PK().Name, OnDelete: "CASCADE"},
					{Name: name + "_" + b + "_foreign", Column: b, RefTable: other.TableName, RefColumn: other.PK().Name, OnDelete: "CASCADE"},
				},
			})
		}
	}
	if trgm {
		s.Extensions = []string{"pg_trgm"}
	}
	return s, nil
}

// PivotName is a manyToMany's pivot table: the explicit one, or the two
// model names sorted, the second pluralised ("product_tags").
func PivotName(a, b *dml.Model, r *dml.Relation) string {
	if r.Pivot != "" {
		return r.Pivot
	}
	if inv := b.Relation(r.Mapped); inv != nil && inv.Pivot != "" {
		return inv.Pivot
	}
	names := []string{a.Name, b.Name}
	sort.Strings(names)
	return names[0] + "_" + strings.ToLower(dml.Pluralize(names[1]))
}

// cascades reports whether parent soft-deletes child with it.
func cascades(parent, child *dml.Model) bool {
	for _, c := range parent.CascadeDelete {
		if r := parent.Relation(c); r != nil && r.Target == child.Name {
			return true
		}
	}
	return false
}

// MarshalSnapshot renders s as indented JSON with a trailing newline.
func MarshalSnapshot(s *Schema) []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

// UnmarshalSnapshot parses a snapshot.
func UnmarshalSnapshot(b []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("modgen: parse schema snapshot: %w", err)
	}
	return &s, nil
}
