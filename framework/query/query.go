package query

import (
	"context"
	"fmt"
	"github.com/medusa-go/medusa/framework/names"
	"reflect"
	"slices"
	"strings"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/jsonw"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Key is the container key of Query (Medusa's resolve("query")).
var Key = container.NewKey[*Query]("query")

// Query reads an entity with fields across the modules linked to it
// (Medusa's query.graph). It is safe for concurrent use.
type Query struct {
	reg *link.Registry
	c   *container.Container
}

// New returns the Query of reg's entities and links, reaching the modules'
// services through c.
func New(reg *link.Registry, c *container.Container) *Query { return &Query{reg: reg, c: c} }

// Register provides Query under Key in c.
func Register(c *container.Container, reg *link.Registry) error {
	return container.Register(c, Key, New(reg, c))
}

// Input is a graph read (Medusa's query.graph input).
type Input struct {
	// Entity is the model's name ("post").
	Entity string `json:"entity"`
	// Fields are the fields to read: "id", "*" (every field of the level),
	// and dotted paths through the entity's in-module relations and its
	// links, at any depth: "author.email", "author.*", "comments.author.*".
	// A relation or link named alone ("author") reads all its fields.
	// Empty means "*".
	Fields []string `json:"fields,omitempty"`
	// Filters filter the root entity (Medusa's filter object, see
	// sqlb.ParseFilters): {"id": ["a", "b"], "title": {"$ilike": "%go%"},
	// "$or": [...]}. Fields of linked entities cannot be filtered on.
	Filters map[string]any `json:"filters,omitempty"`
	// Pagination pages and orders the root entity; nil reads every row.
	Pagination *Pagination `json:"pagination,omitempty"`
	// WithDeleted includes soft-deleted rows at every level (links
	// dismissed are never followed).
	WithDeleted bool `json:"withDeleted,omitempty"`
	// ThrowIfKeyNotFound fails with not_found when Filters names ids
	// ("id": x or [x, y]) that are not all found.
	ThrowIfKeyNotFound bool `json:"throwIfKeyNotFound,omitempty"`
}

// Pagination pages the root entity. With Skip set, the result has
// Metadata (count, skip, take); Take alone limits the rows without it; Skip
// with Take 0 reads only the count.
type Pagination struct {
	Skip  *int         `json:"skip,omitempty"`
	Take  *int         `json:"take,omitempty"`
	Order []sqlb.Order `json:"order,omitempty"`
}

// Page returns the Pagination of skip and take (with metadata).
func Page(skip, take int, order ...sqlb.Order) *Pagination {
	return &Pagination{Skip: &skip, Take: &take, Order: order}
}

// Metadata is the count of the matching root rows, and the page read.
type Metadata struct {
	Count int `json:"count"`
	Skip  int `json:"skip"`
	Take  int `json:"take"`
}

// node is one level of a graph: an entity, the fields read of it, and the
// relations (in its module) and links followed from it.
type node struct {
	e       *entity.Entity
	all     bool
	scalars []string
	rels    []*relNode
	links   []*linkNode
}

type relNode struct {
	name string
	n    *node
}

type linkNode struct {
	end link.End
	n   *node
}

// Graph reads in.Entity with in.Fields. It costs one statement for the
// root rows (two, sent together, with a count), and one per relation or
// link at each level, whatever the number of rows: a link's rows are read
// with the linked records in one join. Unknown entities, fields, relations
// and links fail with an error naming the nearest valid one, before any
// statement.
func (q *Query) Graph(ctx context.Context, in Input) (*Result, error) {
	e, err := q.reg.Entity(in.Entity)
	if err != nil {
		return nil, err
	}
	root, err := q.plan(e, in.Fields)
	if err != nil {
		return nil, err
	}
	if err := q.rootFilters(e, in.Filters); err != nil {
		return nil, err
	}
	tree, err := sqlb.ParseFilters(in.Filters)
	if err != nil {
		return nil, err
	}
	cfg := sqlb.FindConfig{Select: root.selects(), WithDeleted: in.WithDeleted}
	count, onlyCount := false, false
	var md *Metadata
	if p := in.Pagination; p != nil {
		cfg.Order = p.Order
		if p.Take != nil {
			if *p.Take < 0 {
				return nil, merrors.New(merrors.InvalidData, "Invalid pagination: take %d is negative", *p.Take)
			}
			cfg.Take = *p.Take
		}
		if p.Skip != nil {
			if *p.Skip < 0 {
				return nil, merrors.New(merrors.InvalidData, "Invalid pagination: skip %d is negative", *p.Skip)
			}
			cfg.Skip, count = *p.Skip, true
			md = &Metadata{Skip: *p.Skip, Take: cfg.Take}
			if p.Take != nil && *p.Take == 0 {
				onlyCount, cfg.Take = true, 1
			}
		}
	}
	// The root page goes out with the reads of its links in one batch: their
	// parents are the page's keys, given as a subquery of the page's own
	// statement (when it is planned alike for every value, see sqlb.Read).
	var batch entity.Batch
	read, err := batch.Prepare(ctx, q.c, e, tree, cfg, count)
	if err != nil {
		return nil, err
	}
	pre := map[*linkNode]*entity.PreparedRead{}
	if read.Batchable() && !onlyCount {
		keys := read.Keys()
		for _, l := range root.links {
			if pre[l], err = batch.PrepareThrough(ctx, q.c, l.end.To, l.via(), sqlb.Parents{Sub: &keys}, l.config(in.WithDeleted)); err != nil {
				return nil, err
			}
		}
	}
	if err := batch.Send(ctx); err != nil {
		return nil, err
	}
	rows, n, err := finishRoot(ctx, read)
	if err != nil {
		return nil, err
	}
	if md != nil {
		md.Count = n
	}
	if onlyCount {
		rows = e.Empty()
	}
	if in.ThrowIfKeyNotFound {
		if err := keysFound(e, in.Filters, rows); err != nil {
			return nil, err
		}
	}
	if err := q.follow(ctx, root, rows.All(), in.WithDeleted, pre); err != nil {
		return nil, err
	}
	return &Result{Entity: e, Rows: rows, Metadata: md}, nil
}

// rootFilters refuses filters on e's links and relations (at any level of
// $and and $or): only e's own fields can be filtered on.
func (q *Query) rootFilters(e *entity.Entity, filters map[string]any) error {
	for k, v := range filters {
		if k == "$and" || k == "$or" {
			list, _ := v.([]any)
			for _, x := range list {
				if m, ok := x.(map[string]any); ok {
					if err := q.rootFilters(e, m); err != nil {
						return err
					}
				}
			}
			if ms, ok := v.([]map[string]any); ok {
				for _, m := range ms {
					if err := q.rootFilters(e, m); err != nil {
						return err
					}
				}
			}
			continue
		}
		if _, ok := q.reg.Link(e, k); ok {
			return merrors.New(merrors.InvalidData, "Cannot filter %s on %q: it is a link to another module; filter on the fields of %s", e.Name, k, e.Name)
		}
		if _, ok := e.Relation(k); ok {
			return merrors.New(merrors.InvalidData, "Cannot filter %s on the relation %q; filter on the fields of %s", e.Name, k, e.Name)
		}
	}
	return nil
}

func finishRoot(ctx context.Context, r *entity.PreparedRead) (entity.Rows, int, error) {
	rows, _, n, err := r.Finish(ctx)
	return rows, n, err
}

// via is the join table of l's link, seen from its From side.
func (l *linkNode) via() sqlb.Through {
	return sqlb.Through{Table: sqlb.QuoteIdent(l.end.Def.Table()), Parent: l.end.FromColumn, Child: l.end.ToColumn, Live: true}
}

// config is the read of l's linked rows.
func (l *linkNode) config(withDeleted bool) sqlb.FindConfig {
	return sqlb.FindConfig{Select: l.n.selects(), WithDeleted: withDeleted}
}

// follow reads the links of rows (of n's entity), and of the rows its
// in-module relations hold, depth first: a level's links are attached once
// the levels below them are complete. The links of one level go out
// together, in one batch; pre holds those already read (the root's, sent
// with the root page).
func (q *Query) follow(ctx context.Context, n *node, rows []any, withDeleted bool, pre map[*linkNode]*entity.PreparedRead) error {
	if len(rows) == 0 {
		return nil
	}
	for _, r := range n.rels {
		if !r.n.hasLinks() {
			continue
		}
		var nested []any
		for _, row := range rows {
			nested = append(nested, n.e.Related(row, r.name)...)
		}
		if err := q.follow(ctx, r.n, nested, withDeleted, nil); err != nil {
			return err
		}
	}
	if len(n.links) == 0 {
		return nil
	}
	keys := make([]string, len(rows))
	var distinct []string
	seen := make(map[string]struct{}, len(rows))
	for i, row := range rows {
		k := n.e.Key(row)
		keys[i] = k
		if _, ok := seen[k]; !ok && k != "" {
			seen[k] = struct{}{}
			distinct = append(distinct, k)
		}
	}
	var batch entity.Batch
	reads := make([]*entity.PreparedRead, len(n.links))
	for i, l := range n.links {
		if r, ok := pre[l]; ok {
			reads[i] = r
			continue
		}
		r, err := batch.PrepareThrough(ctx, q.c, l.end.To, l.via(), sqlb.Parents{IDs: distinct}, l.config(withDeleted))
		if err != nil {
			return fmt.Errorf("query: %s.%s: %w", n.e.Name, l.end.Name, err)
		}
		reads[i] = r
	}
	if err := batch.Send(ctx); err != nil {
		return err
	}
	for i, l := range n.links {
		end := l.end
		found, parents, _, err := reads[i].Finish(ctx)
		if err != nil {
			return fmt.Errorf("query: %s.%s: %w", n.e.Name, end.Name, err)
		}
		if err := q.follow(ctx, l.n, found.All(), withDeleted, nil); err != nil {
			return err
		}
		groups := end.To.Group(found, parents, end.List)
		none := end.To.None(end.List)
		for j, row := range rows {
			v, ok := groups[keys[j]]
			if !ok {
				v = none
			}
			n.e.Linked(row).Set(end.Name, v)
		}
	}
	return nil
}

func (n *node) hasLinks() bool {
	if len(n.links) > 0 {
		return true
	}
	for _, r := range n.rels {
		if r.n.hasLinks() {
			return true
		}
	}
	return false
}

// selects renders n's in-module part as a FindConfig.Select: its fields
// ("*" for all), its relations' fields with a dot, or the primary key
// alone when nothing else is read at this level.
func (n *node) selects() []string {
	var out []string
	if n.all {
		out = append(out, "*")
	} else {
		out = append(out, n.scalars...)
	}
	for _, r := range n.rels {
		for _, s := range r.n.selects() {
			out = append(out, r.name+"."+s)
		}
	}
	if len(out) == 0 {
		out = []string{n.e.PrimaryKey}
	}
	return out
}

// plan turns fields into the graph of e.
func (q *Query) plan(e *entity.Entity, fields []string) (*node, error) {
	root := &node{e: e}
	if len(fields) == 0 {
		root.all = true
	}
	for _, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		segs := strings.Split(f, ".")
		n := root
		for i, s := range segs {
			last := i == len(segs)-1
			switch {
			case last && s == "*":
				n.all = true
			case last && n.e.HasField(s):
				if !slices.Contains(n.scalars, s) {
					n.scalars = append(n.scalars, s)
				}
			default:
				child, err := q.child(n, s, f, last)
				if err != nil {
					return nil, err
				}
				if last {
					child.all = true
				}
				n = child
			}
		}
	}
	return root, nil
}

// child returns n's relation or link called name, adding it.
func (q *Query) child(n *node, name, field string, last bool) (*node, error) {
	for _, r := range n.rels {
		if r.name == name {
			return r.n, nil
		}
	}
	for _, l := range n.links {
		if l.end.Name == name {
			return l.n, nil
		}
	}
	if rel, ok := n.e.Relation(name); ok {
		target, err := q.inModule(n.e, rel.Target)
		if err != nil {
			return nil, err
		}
		c := &node{e: target}
		n.rels = append(n.rels, &relNode{name: name, n: c})
		return c, nil
	}
	if end, ok := q.reg.Link(n.e, name); ok {
		c := &node{e: end.To}
		n.links = append(n.links, &linkNode{end: end, n: c})
		return c, nil
	}
	var valid []string
	what := "relation or link"
	if last {
		valid = append(valid, n.e.Fields...)
		what = "field"
	}
	for _, r := range n.e.Relations {
		valid = append(valid, r.Name)
	}
	for _, l := range q.reg.Links(n.e) {
		valid = append(valid, l.Name)
	}
	msg := fmt.Sprintf("Invalid field %q: %s has no %s %q", field, n.e.Name, what, name)
	if near := names.Nearest(name, valid); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return nil, merrors.New(merrors.InvalidData, "%s", msg)
}

// inModule returns the entity of model name in e's module.
func (q *Query) inModule(e *entity.Entity, name string) (*entity.Entity, error) {
	for _, x := range q.reg.Entities() {
		if x.Module == e.Module && x.Name == name {
			return x, nil
		}
	}
	return nil, fmt.Errorf("query: %s's relation target %q is not a registered entity of module %s", e.Name, name, e.Module)
}

// keysFound checks that every id the filters name was read.
func keysFound(e *entity.Entity, filters map[string]any, rows entity.Rows) error {
	var want []string
	switch v := filters[e.PrimaryKey].(type) {
	case string:
		want = []string{v}
	case []string:
		want = v
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				want = append(want, s)
			}
		}
	}
	if len(want) == 0 {
		return nil
	}
	got := make(map[string]bool, rows.Len())
	for _, r := range rows.All() {
		got[e.Key(r)] = true
	}
	var missing []string
	for _, w := range sqlb.Unique(want) {
		if !got[w] {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return merrors.New(merrors.NotFound, "%s %s not found: %s", e.Entity, e.PrimaryKey, strings.Join(missing, ", "))
	}
	return nil
}

// Result is what Graph read: the root rows (a []T of the entity's Go type,
// with their relations and linked records) and, when paged with Skip, the
// metadata.
type Result struct {
	Entity   *entity.Entity
	Rows     entity.Rows
	Metadata *Metadata
}

// Data returns the rows as a []T of the entity's Go type (as any).
func (r *Result) Data() any { return r.Rows.Slice() }

// AppendJSON appends {"data": [...], "metadata": {...}} (metadata only when
// paged with Skip).
func (r *Result) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"data":`...)
	b, err := r.AppendData(b)
	if err != nil {
		return nil, err
	}
	if r.Metadata != nil {
		b = fmt.Appendf(b, `,"metadata":{"count":%d,"skip":%d,"take":%d}`, r.Metadata.Count, r.Metadata.Skip, r.Metadata.Take)
	}
	return append(b, '}'), nil
}

// AppendData appends the rows as a JSON array.
func (r *Result) AppendData(b []byte) ([]byte, error) { return r.Entity.AppendJSONList(b, r.Rows) }

// MarshalJSON implements json.Marshaler (see AppendJSON).
func (r *Result) MarshalJSON() ([]byte, error) { return r.AppendJSON(make([]byte, 0, 512)) }

// Data returns r's rows as a []T; T must be the entity's Go type.
func Data[T any](r *Result) ([]T, error) {
	s, ok := r.Rows.Slice().([]T)
	if !ok {
		return nil, fmt.Errorf("query: %s's rows are %s, not %s", r.Entity.Name, r.Entity.Type(), reflect.TypeFor[T]())
	}
	return s, nil
}

// GraphOf is Graph with the root rows typed: T is the entity's Go type
// (blog.Post for "post").
func GraphOf[T any](ctx context.Context, q *Query, in Input) ([]T, *Metadata, error) {
	r, err := q.Graph(ctx, in)
	if err != nil {
		return nil, nil, err
	}
	out, err := Data[T](r)
	return out, r.Metadata, err
}

// One returns the record linked under name (a to-one link) of a row read by
// Graph: query.One[user.User](post.Linked, "author"). It reports false when
// the link was not read, holds no record, or holds another type.
func One[T any](l jsonw.Linked, name string) (*T, bool) {
	v, ok := l.Get(name)
	if !ok {
		return nil, false
	}
	p, ok := v.Value().(*T)
	return p, ok && p != nil
}

// Many returns the records linked under name (a to-many link) of a row read
// by Graph: query.Many[blog.Post](user.Linked, "posts"); nil when the link
// was not read or holds another type.
func Many[T any](l jsonw.Linked, name string) []T {
	v, ok := l.Get(name)
	if !ok {
		return nil
	}
	s, _ := v.Value().([]T)
	return s
}
