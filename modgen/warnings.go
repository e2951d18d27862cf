package modgen

import (
	"fmt"

	"github.com/medusa-go/medusa/modgen/dml"
)

// Warning is something in a module's models that the generator accepts but
// advises against: where it is, what is wrong and how to fix it, as a
// dml.Error says it.
type Warning struct {
	Pos     dml.Pos
	Model   string
	Field   string
	Problem string
	Fix     string
}

// String renders w as "warning: <file:line>: model ..., field ...: problem"
// and a "fix:" line.
func (w Warning) String() string {
	e := dml.Error(w)
	return "warning: " + e.Error()
}

// IndexWarnings lists the lists of mod (validated) that no index serves: a
// field a model's lists may be ordered by only because the model declares
// no Sortable (every field then is), when no index serves ORDER BY
// <field>, <pk> (such a list sorts every row); and, in a module with admin
// routes, a field the routes filter by only because the model declares no
// Filterable, when no index leads with it (such a filter scans the table).
// A declared field always has its index (dml.Model.Sortable).
func IndexWarnings(mod *dml.Module) []Warning {
	var out []Warning
	for _, m := range mod.Models {
		pk := m.PK()
		ixs := dml.AllIndexes(m)
		served := func(f *dml.Field, serves func(dml.Index, *dml.Model, *dml.Field) bool) bool {
			for _, ix := range ixs {
				if serves(ix, m, f) {
					return true
				}
			}
			return false
		}
		for _, f := range m.Fields {
			if f.IsPK || m.SortDeclared || !m.IsSortable(f.Name) || served(f, dml.ServesOrder) {
				continue
			}
			out = append(out, Warning{Pos: f.Pos, Model: m.Name, Field: f.Name,
				Problem: fmt.Sprintf("lists may be ordered by %s (the model declares no Sortable), but no index serves ORDER BY %s, %s: such a list sorts every row", f.Name, f.Name, pk.Name),
				Fix:     fmt.Sprintf("declare what lists may be ordered by with .Sortable(...) on model %q: naming %q creates its index, leaving it out makes lists refuse that order", m.Name, f.Name)})
		}
		if !mod.WithRoutes || m.FilterDeclared {
			continue
		}
		for _, f := range m.Fields {
			if f.IsPK || !m.IsFilterable(f.Name) || served(f, dml.ServesFilter) {
				continue
			}
			out = append(out, Warning{Pos: f.Pos, Model: m.Name, Field: f.Name,
				Problem: fmt.Sprintf("the admin routes filter lists by %s (the model declares no Filterable), but no index leads with it: such a filter reads the whole table", f.Name),
				Fix:     fmt.Sprintf("declare the routes' filters with .Filterable(...) on model %q: naming %q creates its index, leaving it out makes the routes refuse that filter", m.Name, f.Name)})
		}
	}
	return out
}
