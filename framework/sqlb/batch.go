package sqlb

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
)

// Batched is a read whose statements a caller sends in a pgx.Batch with
// other statements: Queue adds them, Result reads them back from the
// batch's results, in the order they were queued.
type Batched[T any] interface {
	Queue(b *pgx.Batch)
	// Result returns the rows, the parent key of each row (a read through
	// a join table; nil otherwise) and the count (a counted read).
	Result(ctx context.Context, br pgx.BatchResults) ([]T, []string, int, error)
}

// Subquery is a SELECT of keys, with its arguments, to be embedded in
// another statement that takes the same arguments.
type Subquery struct {
	SQL  string
	Args []any
	// Rows is the number of keys expected (the page's size), a hint for
	// the first allocation of the rows read by it; 0 when unknown.
	Rows int
}

// Parents are the parents of a read through a join table: their keys, or
// the subquery that selects them (the page of another read, sent in the
// same batch).
type Parents struct {
	IDs []string
	Sub *Subquery
}

// Read is Find prepared for a batch (see Batched): the same statements, and
// Keys, the subquery of the page's primary keys that a read of related rows
// sent in the same batch can use instead of the keys it does not know yet.
type Read[T any] struct {
	p      plan
	t      Table
	cfg    FindConfig
	newRow func(selected []string) T
	dest   func(*T, string) any
}

// NewRead prepares Find's read (same arguments, without the connection).
func NewRead[T any](t Table, cfg FindConfig, count bool, apply func(*Where) (bool, error), newRow func(selected []string) T, dest func(*T, string) any) (*Read[T], error) {
	p, err := newPlan(t, cfg, count, apply)
	if err != nil {
		return nil, err
	}
	return &Read[T]{p: p, t: t, cfg: cfg, newRow: newRow, dest: dest}, nil
}

// Batchable reports whether the read may go out in a batch: its statements
// are planned alike for every value (see Find). A read that is not must be
// run on its own (Run).
func (r *Read[T]) Batchable() bool { return r.p.batchable() && !r.p.countBounded }

// Queue implements Batched: the page, then its count when counted.
func (r *Read[T]) Queue(b *pgx.Batch) {
	sql, args := r.p.statement(0, r.p.limit, r.p.offset)
	b.Queue(sql, args...)
	if r.p.count {
		b.Queue(r.p.countSQL, r.p.countArgs...)
	}
}

// Result implements Batched.
func (r *Read[T]) Result(ctx context.Context, br pgx.BatchResults) ([]T, []string, int, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, nil, 0, err
	}
	out, err := scanPage(rows, pageRows[T](ctx, r.p.limit), r.p.read, r.cfg, r.p.cols, r.newRow, r.dest)
	if err != nil {
		return nil, nil, 0, err
	}
	var n int
	if r.p.count {
		if err := br.QueryRow().Scan(&n); err != nil {
			return nil, nil, 0, err
		}
	}
	return out, nil, n, nil
}

// Run sends the read on its own, as Find does.
func (r *Read[T]) Run(ctx context.Context, conn db.DBTX) ([]T, int, error) {
	pg, err := runPlan(ctx, conn, &r.p, false, r.newRow, r.dest)
	if err != nil {
		return nil, 0, err
	}
	return pg.Rows, pg.Count, nil
}

// Keys returns the subquery of the page's primary keys: the page's
// predicates, order, limit and offset, with its arguments.
func (r *Read[T]) Keys() Subquery {
	s := r.p.sel
	s.Columns = []string{QuoteIdent(r.t.PK)}
	return Subquery{SQL: s.SQL(), Args: r.p.sel.Where.Args(), Rows: s.Limit}
}

// ThroughRead reads t's rows joined to their parents through a join table
// (a manyToMany pivot or a module link's table) in one statement:
//
//	SELECT j."<parent>", t."<col>", … FROM <table> t JOIN <via> j ON j."<child>" = t."<pk>"
//	WHERE j."<parent>" = ANY($1)            -- or IN (<subquery>)
//	  [AND j."deleted_at" IS NULL] [AND t."deleted_at" IS NULL]
//	ORDER BY t.<order>
//
// with cfg's selection and order (no paging), and returns the rows and the
// parent key of each (a row linked to two parents comes twice). cfg's
// Relations are not loaded (the generated code does it). It is Batched; Run
// sends it on its own.
type ThroughRead[T any] struct {
	sql        string
	args       []any
	read, cols []string
	cfg        FindConfig
	empty      bool
	n          int // expected rows, for the first allocation
	newRow     func(selected []string) T
	dest       func(*T, string) any
}

// NewThroughRead prepares the read of t's rows joined to parents through
// via (see ThroughRead).
func NewThroughRead[T any](t Table, cfg FindConfig, via Through, parents Parents, newRow func(selected []string) T, dest func(*T, string) any) (*ThroughRead[T], error) {
	cols, err := cfg.columns(t)
	if err != nil {
		return nil, err
	}
	order, err := NormalizeOrder(t.Model, t.Sortable, t.PK, cfg.Order)
	if err != nil {
		return nil, err
	}
	r := &ThroughRead[T]{read: withAlso(WithOrderColumns(cols, order), t.Fields, cfg.also), cols: cols, cfg: cfg, newRow: newRow, dest: dest}
	if parents.Sub == nil && len(parents.IDs) == 0 {
		r.empty = true
		return r, nil
	}
	var b strings.Builder
	b.WriteString("SELECT j.")
	b.WriteString(QuoteIdent(via.Parent))
	for _, c := range r.read {
		b.WriteString(", t.")
		b.WriteString(QuoteIdent(c))
	}
	b.WriteString(" FROM ")
	b.WriteString(t.Name)
	b.WriteString(" t JOIN ")
	b.WriteString(via.Table)
	b.WriteString(" j ON j.")
	b.WriteString(QuoteIdent(via.Child))
	b.WriteString(" = t.")
	b.WriteString(QuoteIdent(t.PK))
	b.WriteString(" WHERE j.")
	b.WriteString(QuoteIdent(via.Parent))
	if parents.Sub != nil {
		b.WriteString(" IN (")
		b.WriteString(parents.Sub.SQL)
		b.WriteString(")")
		r.args = parents.Sub.Args
		r.n = maxPrealloc
		if parents.Sub.Rows > 0 {
			r.n = min(parents.Sub.Rows, 4*maxPrealloc)
		}
	} else {
		b.WriteString(" = ANY($1)")
		r.args = []any{parents.IDs}
		r.n = min(len(parents.IDs), 4*maxPrealloc)
	}
	if via.Live {
		b.WriteString(` AND j."deleted_at" IS NULL`)
	}
	if !cfg.WithDeleted {
		b.WriteString(` AND t."deleted_at" IS NULL`)
	}
	b.WriteString(" ORDER BY ")
	writeOrder(&b, "t.", order)
	r.sql = b.String()
	return r, nil
}

// Queue implements Batched (nothing when there are no parents).
func (r *ThroughRead[T]) Queue(b *pgx.Batch) {
	if !r.empty {
		b.Queue(r.sql, r.args...)
	}
}

// Result implements Batched.
func (r *ThroughRead[T]) Result(_ context.Context, br pgx.BatchResults) ([]T, []string, int, error) {
	if r.empty {
		return []T{}, []string{}, 0, nil
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, 0, err
	}
	out, keys, err := r.scan(rows)
	return out, keys, 0, err
}

// Run sends the read on its own.
func (r *ThroughRead[T]) Run(ctx context.Context, conn db.DBTX) ([]T, []string, error) {
	if r.empty {
		return []T{}, []string{}, nil
	}
	rows, err := conn.Query(ctx, r.sql, r.args...)
	if err != nil {
		return nil, nil, err
	}
	return r.scan(rows)
}

// scan reads the rows in place, with scanPage's text and time handling;
// each row's parent key (its first column) goes to a slice of its own.
func (r *ThroughRead[T]) scan(rows pgx.Rows) ([]T, []string, error) {
	keys := make([]string, 0, max(r.n, 1))
	out, err := scanPage(rows, make([]T, 0, max(r.n, 1)), append([]string{parentColumn}, r.read...), r.cfg, r.cols, r.newRow,
		func(x *T, c string) any {
			if c == parentColumn {
				// scanPage asks for a row's destinations, in column order,
				// before it scans the row: this is the row's key
				keys = append(keys, "")
				return &keys[len(keys)-1]
			}
			return r.dest(x, c)
		})
	if err != nil {
		return nil, nil, err
	}
	return out, keys, nil
}

// parentColumn names the parent key column of a ThroughRead for its scan.
const parentColumn = "\x00parent"

// FindThrough is NewThroughRead run on its own, with the parents' keys.
func FindThrough[T any](ctx context.Context, conn db.DBTX, t Table, cfg FindConfig, via Through, parents []string, newRow func(selected []string) T, dest func(*T, string) any) ([]T, []string, error) {
	r, err := NewThroughRead(t, cfg, via, Parents{IDs: parents}, newRow, dest)
	if err != nil {
		return nil, nil, err
	}
	return r.Run(ctx, conn)
}
