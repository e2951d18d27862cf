package entity

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/jsonw"
	"github.com/medusa-go/medusa/framework/sqlb"
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
	List(ctx context.Context, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) ([]T, int, error)
	// Through reads the rows joined to parents through via (a link table),
	// with the parent key of each row.
	Through(ctx context.Context, via sqlb.Through, parents []string, cfg sqlb.FindConfig) ([]T, []string, error)
	// SoftDelete, Restore and Delete are the generated methods of the
	// model (SoftDelete<Models>, …).
	SoftDelete(ctx context.Context, ids ...string) (map[string][]string, error)
	Restore(ctx context.Context, ids ...string) (map[string][]string, error)
	Delete(ctx context.Context, ids ...string) error
	// Prepare and PrepareThrough are List and Through prepared for a batch
	// that holds other statements (see Prepared).
	Prepare(f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (Prepared[T], error)
	PrepareThrough(via sqlb.Through, parents sqlb.Parents, cfg sqlb.FindConfig) (Prepared[T], error)
}

// Prepared is a read of an entity's rows prepared for a batch: its
// statements (Read), the subquery of its page's keys (Keys, a List's only)
// that reads of related rows in the same batch select their parents by,
// the database to send the batch to, and what remains to do once the batch
// is read (Load: the in-module relations, nil for none).
type Prepared[T any] struct {
	Read      sqlb.Batched[T]
	Batchable bool
	Keys      func() sqlb.Subquery
	DB        sqlb.DB
	Load      func(ctx context.Context, rows []T) error
}

// Model binds an Entity to its Go type T (the generated DTO).
type Model[T any] struct {
	// Key returns a row's primary key.
	Key func(x *T) string
	// Value returns a field's value of a row.
	Value func(x *T, field string) any
	// Linked returns the row's linked records (its Linked field).
	Linked func(x *T) *jsonw.Linked
	// Related returns pointers to the rows of an in-module relation that
	// the row holds (nil when the relation was not loaded).
	Related func(x *T, relation string) []any
	// Resolve returns the module's service from c.
	Resolve func(ctx context.Context, c *container.Container) (Service[T], error)
}

// Describe returns e bound to its Go type T. It panics when a function of
// m is missing: descriptors are generated, and start-up is the time to
// find out.
func Describe[T any, P jsonw.Appender[T]](e Entity, m Model[T]) *Entity {
	if m.Key == nil || m.Value == nil || m.Linked == nil || m.Related == nil || m.Resolve == nil {
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
func (e *Entity) List(ctx context.Context, c *container.Container, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (Rows, int, error) {
	return e.impl.list(ctx, c, f, cfg, count)
}

// Through reads the entity's rows joined to parents through via, with the
// parent key of each row.
func (e *Entity) Through(ctx context.Context, c *container.Container, via sqlb.Through, parents []string, cfg sqlb.FindConfig) (Rows, []string, error) {
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

// Key returns the primary key of row.
func (e *Entity) Key(row any) string { return e.impl.key(row) }

// Batch is reads of several entities sent in one batch, one round trip:
// Prepare and PrepareThrough add reads, Send sends them, then each
// Prepared's Finish returns its rows. Reads prepared for a batch whose
// statements are not Batchable are sent on their own by Finish.
type Batch struct {
	b     pgx.Batch
	reads []*PreparedRead
	sent  bool
}

// PreparedRead is one read of a Batch.
type PreparedRead struct {
	impl      preparedImpl
	batchable bool
	queued    bool
	rows      Rows
	keys      []string
	n         int
	err       error
	done      bool
}

// Batchable reports whether the read goes out in the batch.
func (p *PreparedRead) Batchable() bool { return p.batchable }

// Keys returns the subquery of the read's page of keys (a List's only).
func (p *PreparedRead) Keys() sqlb.Subquery { return p.impl.keys() }

// Prepare adds to b a List of the entity (see List).
func (b *Batch) Prepare(ctx context.Context, c *container.Container, e *Entity, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (*PreparedRead, error) {
	p, err := e.impl.prepare(ctx, c, f, cfg, count)
	if err != nil {
		return nil, err
	}
	return b.add(p), nil
}

// PrepareThrough adds to b a Through read of the entity (see Through).
func (b *Batch) PrepareThrough(ctx context.Context, c *container.Container, e *Entity, via sqlb.Through, parents sqlb.Parents, cfg sqlb.FindConfig) (*PreparedRead, error) {
	p, err := e.impl.prepareThrough(ctx, c, via, parents, cfg)
	if err != nil {
		return nil, err
	}
	return b.add(p), nil
}

func (b *Batch) add(p preparedImpl) *PreparedRead {
	r := &PreparedRead{impl: p, batchable: p.batchable()}
	b.reads = append(b.reads, r)
	return r
}

// Send sends the batchable reads in one round trip, on the database of the
// first one (the modules share a database; the transaction ctx carries
// when there is one), and reads their results.
func (b *Batch) Send(ctx context.Context) error {
	if b.sent {
		return errors.New("entity: batch sent twice")
	}
	b.sent = true
	var first *PreparedRead
	for _, r := range b.reads {
		if r.batchable {
			r.impl.queue(&b.b)
			r.queued = true
			if first == nil {
				first = r
			}
		}
	}
	if first == nil {
		return nil
	}
	conn, ok := db.Conn(ctx, first.impl.db()).(interface {
		SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	})
	if !ok {
		for _, r := range b.reads {
			r.queued = false
		}
		return nil
	}
	br := conn.SendBatch(ctx, &b.b)
	for _, r := range b.reads {
		if r.queued {
			r.rows, r.keys, r.n, r.err = r.impl.result(ctx, br)
			if r.err != nil {
				break
			}
		}
	}
	if err := br.Close(); err != nil {
		return merrors.FromPg(err)
	}
	for _, r := range b.reads {
		if r.queued && r.err != nil {
			return merrors.FromPg(r.err)
		}
	}
	return nil
}

// Finish returns the read's rows (with their in-module relations loaded),
// their parent keys (a Through read's) and the count (a counted List's);
// a read that did not go out in the batch is sent now, on its own.
func (p *PreparedRead) Finish(ctx context.Context) (Rows, []string, int, error) {
	if p.done {
		return p.rows, p.keys, p.n, p.err
	}
	p.done = true
	if !p.queued {
		p.rows, p.keys, p.n, p.err = p.impl.run(ctx)
		if p.err != nil {
			return Rows{}, nil, 0, p.err
		}
	}
	if p.err == nil {
		p.err = p.impl.load(ctx, p.rows)
	}
	return p.rows, p.keys, p.n, p.err
}

// Linked returns row's linked records.
func (e *Entity) Linked(row any) *jsonw.Linked { return e.impl.linked(row) }

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
func (e *Entity) Group(rows Rows, parents []string, list bool) map[string]jsonw.LinkedValue {
	return e.impl.group(rows, parents, list)
}

// Empty returns no rows, of the entity's Go type.
func (e *Entity) Empty() Rows { return e.impl.empty() }

// None is the value of a parent without linked rows: an empty list, or no
// record.
func (e *Entity) None(list bool) jsonw.LinkedValue { return e.impl.none(list) }

// impl is an Entity's typed part.
type impl interface {
	key(row any) string
	prepare(ctx context.Context, c *container.Container, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (preparedImpl, error)
	prepareThrough(ctx context.Context, c *container.Container, via sqlb.Through, parents sqlb.Parents, cfg sqlb.FindConfig) (preparedImpl, error)
	typ() reflect.Type
	list(ctx context.Context, c *container.Container, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (Rows, int, error)
	through(ctx context.Context, c *container.Container, via sqlb.Through, parents []string, cfg sqlb.FindConfig) (Rows, []string, error)
	service(ctx context.Context, c *container.Container) (writer, error)
	value(row any, field string) any
	linked(row any) *jsonw.Linked
	related(row any, relation string) []any
	appendJSON(b []byte, row any) ([]byte, error)
	group(rows Rows, parents []string, list bool) map[string]jsonw.LinkedValue
	none(list bool) jsonw.LinkedValue
	empty() Rows
}

type writer interface {
	softDelete(ctx context.Context, ids []string) (map[string][]string, error)
	restore(ctx context.Context, ids []string) (map[string][]string, error)
	delete(ctx context.Context, ids []string) error
}

type typed[T any, P jsonw.Appender[T]] struct{ m Model[T] }

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

// RowsOf returns the Rows of s.
func RowsOf[T any](s []T) Rows { return rowsOf(s) }

func rowsOf[T any](s []T) Rows {
	ptrs := make([]any, len(s))
	for i := range s {
		ptrs[i] = &s[i]
	}
	return Rows{slice: s, ptrs: ptrs}
}

func (t *typed[T, P]) list(ctx context.Context, c *container.Container, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (Rows, int, error) {
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

func (t *typed[T, P]) through(ctx context.Context, c *container.Container, via sqlb.Through, parents []string, cfg sqlb.FindConfig) (Rows, []string, error) {
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

func (t *typed[T, P]) linked(row any) *jsonw.Linked { return t.m.Linked(t.row(row)) }

func (t *typed[T, P]) related(row any, relation string) []any {
	return t.m.Related(t.row(row), relation)
}

func (t *typed[T, P]) appendJSON(b []byte, row any) ([]byte, error) {
	return P(t.row(row)).AppendJSON(b)
}

func (t *typed[T, P]) group(rows Rows, parents []string, list bool) map[string]jsonw.LinkedValue {
	s, _ := rows.slice.([]T)
	out := make(map[string]jsonw.LinkedValue)
	if list {
		for k, g := range sqlb.Group(s, func(i int, _ *T) string { return parents[i] }) {
			out[k] = jsonw.Many[T, P]{V: g}
		}
		return out
	}
	for i := range s {
		if _, ok := out[parents[i]]; !ok {
			out[parents[i]] = jsonw.One[T, P]{V: &s[i]}
		}
	}
	return out
}

func (t *typed[T, P]) none(list bool) jsonw.LinkedValue {
	if list {
		return jsonw.Many[T, P]{V: []T{}}
	}
	return jsonw.One[T, P]{}
}

func (t *typed[T, P]) empty() Rows { return Rows{slice: []T{}} }

func (t *typed[T, P]) key(row any) string { return t.m.Key(t.row(row)) }

// preparedImpl is a Prepared[T] behind an interface.
type preparedImpl interface {
	batchable() bool
	keys() sqlb.Subquery
	db() sqlb.DB
	queue(b *pgx.Batch)
	result(ctx context.Context, br pgx.BatchResults) (Rows, []string, int, error)
	run(ctx context.Context) (Rows, []string, int, error)
	load(ctx context.Context, rows Rows) error
}

// runner is what rt's reads have to run on their own.
type runner[T any] interface {
	Run(ctx context.Context, conn db.DBTX) ([]T, int, error)
}

type throughRunner[T any] interface {
	Run(ctx context.Context, conn db.DBTX) ([]T, []string, error)
}

type prepared[T any] struct{ p Prepared[T] }

func (p prepared[T]) batchable() bool { return p.p.Batchable }

func (p prepared[T]) keys() sqlb.Subquery {
	if p.p.Keys == nil {
		return sqlb.Subquery{}
	}
	return p.p.Keys()
}

func (p prepared[T]) db() sqlb.DB { return p.p.DB }

func (p prepared[T]) queue(b *pgx.Batch) { p.p.Read.Queue(b) }

func (p prepared[T]) result(ctx context.Context, br pgx.BatchResults) (Rows, []string, int, error) {
	out, keys, n, err := p.p.Read.Result(ctx, br)
	if err != nil {
		return Rows{}, nil, 0, err
	}
	return rowsOf(out), keys, n, nil
}

func (p prepared[T]) run(ctx context.Context) (Rows, []string, int, error) {
	conn := db.Conn(ctx, p.p.DB)
	switch r := p.p.Read.(type) {
	case runner[T]:
		out, n, err := r.Run(ctx, conn)
		if err != nil {
			return Rows{}, nil, 0, merrors.FromPg(err)
		}
		return rowsOf(out), nil, n, nil
	case throughRunner[T]:
		out, keys, err := r.Run(ctx, conn)
		if err != nil {
			return Rows{}, nil, 0, merrors.FromPg(err)
		}
		return rowsOf(out), keys, 0, nil
	}
	return Rows{}, nil, 0, fmt.Errorf("entity: %T cannot run on its own", p.p.Read)
}

func (p prepared[T]) load(ctx context.Context, rows Rows) error {
	if p.p.Load == nil || rows.Len() == 0 {
		return nil
	}
	s, _ := rows.slice.([]T)
	return p.p.Load(ctx, s)
}

func (t *typed[T, P]) prepare(ctx context.Context, c *container.Container, f sqlb.FilterTree, cfg sqlb.FindConfig, count bool) (preparedImpl, error) {
	s, err := t.m.Resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	p, err := s.Prepare(f, cfg, count)
	if err != nil {
		return nil, err
	}
	return prepared[T]{p}, nil
}

func (t *typed[T, P]) prepareThrough(ctx context.Context, c *container.Container, via sqlb.Through, parents sqlb.Parents, cfg sqlb.FindConfig) (preparedImpl, error) {
	s, err := t.m.Resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	p, err := s.PrepareThrough(via, parents, cfg)
	if err != nil {
		return nil, err
	}
	return prepared[T]{p}, nil
}
