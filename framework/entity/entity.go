package entity

import (
	"context"
	"fmt"
	"reflect"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/rt"
)

// Entity describes one model of a module. Build it with Describe (the
// generated code does); the zero value is not usable.
type Entity struct {
	// Module is the module's name, which is also its container key
	// ("user"): Medusa's serviceName.
	Module string
	// Name is the model's name ("user"), the entity name Query reads by.
	Name string
	// Entity is Medusa's entity name ("User").
	Entity string
	// Table is the model's table.
	Table string
	// PrimaryKey is the primary key field ("id").
	PrimaryKey string
	// Linkable is the key links refer to the model by ("user_id",
	// <model>_<primary key>).
	Linkable string
	// Plural is the model's plural name ("users"), the name a list link to
	// it takes.
	Plural string
	// Fields are the model's fields, in definition order; Sortable the
	// ones it may be ordered and filtered by.
	Fields   []string
	Sortable []string
	// Relations are the model's relations inside its module.
	Relations []Relation

	impl impl
}

// Relation is an in-module relation of a model.
type Relation struct {
	// Name is the relation's name on the model ("books").
	Name string
	// Target is the related model's name ("book").
	Target string
	// List reports a to-many relation (hasMany, manyToMany).
	List bool
}

// Service is what an Entity needs of its module's service, for rows of Go
// type T. modgen writes a small adapter of the generated service.
type Service[T any] interface {
	// List reads rows matching f with cfg (relations included) and counts
	// them too when count is set.
	List(ctx context.Context, f rt.FilterTree, cfg rt.FindConfig, count bool) ([]T, int, error)
	// Through reads the rows joined to parents through via (a link table),
	// with the parent key of each row.
	Through(ctx context.Context, via rt.Through, parents []string, cfg rt.FindConfig) ([]T, []string, error)
	// SoftDelete, Restore and Delete are the generated methods of the
	// model (SoftDelete<Models>, …).
	SoftDelete(ctx context.Context, ids ...string) (map[string][]string, error)
	Restore(ctx context.Context, ids ...string) (map[string][]string, error)
	Delete(ctx context.Context, ids ...string) error
}

// Model binds an Entity to its Go type T (the generated DTO).
type Model[T any] struct {
	// Value returns a field's value of a row.
	Value func(x *T, field string) any
	// Linked returns the row's linked records (its Linked field).
	Linked func(x *T) *rt.Linked
	// Related returns pointers to the rows of an in-module relation that
	// the row holds (nil when the relation was not loaded).
	Related func(x *T, relation string) []any
	// Resolve returns the module's service from c.
	Resolve func(ctx context.Context, c *container.Container) (Service[T], error)
}

// Describe returns e bound to its Go type T. It panics when a function of
// m is missing: descriptors are generated, and start-up is the time to
// find out.
func Describe[T any, P rt.Appender[T]](e Entity, m Model[T]) *Entity {
	if m.Value == nil || m.Linked == nil || m.Related == nil || m.Resolve == nil {
		panic(fmt.Sprintf("entity: Describe %s.%s: every function of Model is required", e.Module, e.Name))
	}
	e.impl = &typed[T, P]{m: m}
	return &e
}

// String returns "<module>.<model>".
func (e *Entity) String() string { return e.Module + "." + e.Name }

// Type returns the Go type of the entity's rows.
func (e *Entity) Type() reflect.Type { return e.impl.typ() }

// HasField reports whether the model has field f.
func (e *Entity) HasField(f string) bool {
	for _, x := range e.Fields {
		if x == f {
			return true
		}
	}
	return false
}

// Relation returns the in-module relation called name.
func (e *Entity) Relation(name string) (Relation, bool) {
	for _, r := range e.Relations {
		if r.Name == name {
			return r, true
		}
	}
	return Relation{}, false
}

// Rows is a list of an entity's rows: a []T of its Go type behind an
// interface, with a pointer to each row.
type Rows struct {
	slice any   // []T
	ptrs  []any // *T, one per row
}

// Len returns the number of rows.
func (r Rows) Len() int { return len(r.ptrs) }

// At returns row i (a *T).
func (r Rows) At(i int) any { return r.ptrs[i] }

// All returns the rows (each a *T).
func (r Rows) All() []any { return r.ptrs }

// Slice returns the []T.
func (r Rows) Slice() any { return r.slice }

// List reads the entity's rows through its module's service (resolved
// from c): those matching f, with cfg, counted too when count is set.
func (e *Entity) List(ctx context.Context, c *container.Container, f rt.FilterTree, cfg rt.FindConfig, count bool) (Rows, int, error) {
	return e.impl.list(ctx, c, f, cfg, count)
}

// Through reads the entity's rows joined to parents through via, with the
// parent key of each row.
func (e *Entity) Through(ctx context.Context, c *container.Container, via rt.Through, parents []string, cfg rt.FindConfig) (Rows, []string, error) {
	return e.impl.through(ctx, c, via, parents, cfg)
}

// SoftDelete, Restore and Delete call the module's generated methods for
// ids (unknown ids are ignored).
func (e *Entity) SoftDelete(ctx context.Context, c *container.Container, ids ...string) (map[string][]string, error) {
	s, err := e.impl.service(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.softDelete(ctx, ids)
}

// Restore: see SoftDelete.
func (e *Entity) Restore(ctx context.Context, c *container.Container, ids ...string) (map[string][]string, error) {
	s, err := e.impl.service(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.restore(ctx, ids)
}

// Delete: see SoftDelete.
func (e *Entity) Delete(ctx context.Context, c *container.Container, ids ...string) error {
	s, err := e.impl.service(ctx, c)
	if err != nil {
		return err
	}
	return s.delete(ctx, ids)
}

// Value returns field of row (a *T of the entity).
func (e *Entity) Value(row any, field string) any { return e.impl.value(row, field) }

// Key returns the primary key of row as a string.
func (e *Entity) Key(row any) string {
	switch v := e.impl.value(row, e.PrimaryKey).(type) {
	case string:
		return v
	case *string:
		return rt.Str(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// Linked returns row's linked records.
func (e *Entity) Linked(row any) *rt.Linked { return e.impl.linked(row) }

// Related returns the rows of relation that row holds (pointers).
func (e *Entity) Related(row any, relation string) []any { return e.impl.related(row, relation) }

// AppendJSON appends row's JSON.
func (e *Entity) AppendJSON(b []byte, row any) ([]byte, error) { return e.impl.appendJSON(b, row) }

// AppendJSONList appends rows as a JSON array.
func (e *Entity) AppendJSONList(b []byte, rows Rows) ([]byte, error) {
	b = append(b, '[')
	var err error
	for i, p := range rows.ptrs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = e.impl.appendJSON(b, p); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// Group returns, for rows read by Through with their parent keys, the value
// each parent key gets: its rows as a list (list) or its first row.
func (e *Entity) Group(rows Rows, parents []string, list bool) map[string]rt.LinkedValue {
	return e.impl.group(rows, parents, list)
}

// Empty returns no rows, of the entity's Go type.
func (e *Entity) Empty() Rows { return e.impl.empty() }

// None is the value of a parent without linked rows: an empty list, or no
// record.
func (e *Entity) None(list bool) rt.LinkedValue { return e.impl.none(list) }

// impl is an Entity's typed part.
type impl interface {
	typ() reflect.Type
	list(ctx context.Context, c *container.Container, f rt.FilterTree, cfg rt.FindConfig, count bool) (Rows, int, error)
	through(ctx context.Context, c *container.Container, via rt.Through, parents []string, cfg rt.FindConfig) (Rows, []string, error)
	service(ctx context.Context, c *container.Container) (writer, error)
	value(row any, field string) any
	linked(row any) *rt.Linked
	related(row any, relation string) []any
	appendJSON(b []byte, row any) ([]byte, error)
	group(rows Rows, parents []string, list bool) map[string]rt.LinkedValue
	none(list bool) rt.LinkedValue
	empty() Rows
}

type writer interface {
	softDelete(ctx context.Context, ids []string) (map[string][]string, error)
	restore(ctx context.Context, ids []string) (map[string][]string, error)
	delete(ctx context.Context, ids []string) error
}

type typed[T any, P rt.Appender[T]] struct{ m Model[T] }

type typedWriter[T any] struct{ s Service[T] }

func (w typedWriter[T]) softDelete(ctx context.Context, ids []string) (map[string][]string, error) {
	return w.s.SoftDelete(ctx, ids...)
}

func (w typedWriter[T]) restore(ctx context.Context, ids []string) (map[string][]string, error) {
	return w.s.Restore(ctx, ids...)
}

func (w typedWriter[T]) delete(ctx context.Context, ids []string) error {
	return w.s.Delete(ctx, ids...)
}

func (t *typed[T, P]) typ() reflect.Type { return reflect.TypeFor[T]() }

func rowsOf[T any](s []T) Rows {
	ptrs := make([]any, len(s))
	for i := range s {
		ptrs[i] = &s[i]
	}
	return Rows{slice: s, ptrs: ptrs}
}

func (t *typed[T, P]) list(ctx context.Context, c *container.Container, f rt.FilterTree, cfg rt.FindConfig, count bool) (Rows, int, error) {
	s, err := t.m.Resolve(ctx, c)
	if err != nil {
		return Rows{}, 0, err
	}
	out, n, err := s.List(ctx, f, cfg, count)
	if err != nil {
		return Rows{}, 0, err
	}
	return rowsOf(out), n, nil
}

func (t *typed[T, P]) through(ctx context.Context, c *container.Container, via rt.Through, parents []string, cfg rt.FindConfig) (Rows, []string, error) {
	s, err := t.m.Resolve(ctx, c)
	if err != nil {
		return Rows{}, nil, err
	}
	out, keys, err := s.Through(ctx, via, parents, cfg)
	if err != nil {
		return Rows{}, nil, err
	}
	return rowsOf(out), keys, nil
}

func (t *typed[T, P]) service(ctx context.Context, c *container.Container) (writer, error) {
	s, err := t.m.Resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	return typedWriter[T]{s}, nil
}

func (t *typed[T, P]) row(row any) *T {
	x, ok := row.(*T)
	if !ok {
		panic(fmt.Sprintf("entity: a row of %T given for %s", row, reflect.TypeFor[*T]()))
	}
	return x
}

func (t *typed[T, P]) value(row any, field string) any { return t.m.Value(t.row(row), field) }

func (t *typed[T, P]) linked(row any) *rt.Linked { return t.m.Linked(t.row(row)) }

func (t *typed[T, P]) related(row any, relation string) []any {
	return t.m.Related(t.row(row), relation)
}

func (t *typed[T, P]) appendJSON(b []byte, row any) ([]byte, error) {
	return P(t.row(row)).AppendJSON(b)
}

func (t *typed[T, P]) group(rows Rows, parents []string, list bool) map[string]rt.LinkedValue {
	s, _ := rows.slice.([]T)
	out := make(map[string]rt.LinkedValue)
	if list {
		for k, g := range rt.Group(s, func(i int, _ *T) string { return parents[i] }) {
			out[k] = rt.Many[T, P]{V: g}
		}
		return out
	}
	for i := range s {
		if _, ok := out[parents[i]]; !ok {
			out[parents[i]] = rt.One[T, P]{V: &s[i]}
		}
	}
	return out
}

func (t *typed[T, P]) none(list bool) rt.LinkedValue {
	if list {
		return rt.Many[T, P]{V: []T{}}
	}
	return rt.One[T, P]{}
}

func (t *typed[T, P]) empty() Rows { return Rows{slice: []T{}} }
