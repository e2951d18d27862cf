package query

import (
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Allowed returns what a route's "fields" may name for entity (Medusa's
// allowed fields): its own fields, the fields of its in-module relations and
// links one level down ("author.email"), and the names of those relations
// and links, which "fields=*author" selects whole. Put them in an
// qs.QueryConfig's Allowed and Relations.
func (q *Query) Allowed(entity string) (allowed, relations []string, err error) {
	e, err := q.reg.Entity(entity)
	if err != nil {
		return nil, nil, err
	}
	allowed = append(allowed, e.Fields...)
	for _, r := range e.Relations {
		t, err := q.inModule(e, r.Target)
		if err != nil {
			return nil, nil, err
		}
		relations = append(relations, r.Name)
		for _, f := range t.Fields {
			allowed = append(allowed, r.Name+"."+f)
		}
	}
	for _, l := range q.reg.Links(e) {
		relations = append(relations, l.Name)
		for _, f := range l.To.Fields {
			allowed = append(allowed, l.Name+"."+f)
		}
	}
	return allowed, relations, nil
}

// FromHTTP turns a query string parsed by httpx into the graph input of a
// route reading entity (Medusa's req.queryConfig plus filters): the fields
// (whole relations arrive as "rel.*"), the filters and q, and on a list
// route (list) the limit and offset as a page with metadata and the order.
func FromHTTP(entity string, hq *qs.Query, list bool) Input {
	in := Input{Entity: entity, Fields: hq.Fields, Filters: filtersOf(hq.Filter, hq.Q)}
	if list {
		in.Pagination = Page(hq.Offset, hq.Limit)
		for _, o := range hq.Order {
			in.Pagination.Order = append(in.Pagination.Order, sqlb.Order{Field: o.Field, Desc: o.Desc})
		}
	}
	return in
}

// filtersOf renders an httpx filter as a filter object.
func filtersOf(f qs.Filter, q string) map[string]any {
	if f.Empty() && q == "" {
		return nil
	}
	m := map[string]any{}
	for _, c := range f.Conds {
		ops, _ := m[c.Field].(map[string]any)
		if ops == nil {
			ops = map[string]any{}
			m[c.Field] = ops
		}
		switch {
		case c.Op == qs.OpIn || c.Op == qs.OpNin:
			ops[string(c.Op)] = c.Values
		case len(c.Values) > 0:
			ops[string(c.Op)] = c.Values[0]
		}
	}
	for _, sub := range []struct {
		key string
		fs  []qs.Filter
	}{{"$and", f.And}, {"$or", f.Or}} {
		if len(sub.fs) == 0 {
			continue
		}
		list := make([]any, len(sub.fs))
		for i, x := range sub.fs {
			list[i] = filtersOf(x, "")
		}
		m[sub.key] = list
	}
	if q != "" {
		m["q"] = q
	}
	return m
}
