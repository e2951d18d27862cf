package rt

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Table describes a model's table to Find: the names its messages use, its
// columns, the ones it may order by, and its primary key.
type Table struct {
	Model    string // model name, as in error messages ("user")
	Name     string // quoted table name (`"user"`)
	PK       string
	Fields   []string
	Sortable []string
}

// Find reads t's rows matching the predicates apply adds (apply reports
// whether it filters on deleted_at, which then includes soft-deleted rows),
// with cfg's selection, order, paging and keyset, and counts them too when
// count is set (ignoring skip, take and after). The SQL holds only the
// predicates in use, every value bound; it is sent as an unnamed statement
// (CacheDescribe), so Postgres plans it with the actual values on every
// execution and never switches to a generic plan (docs/modgen.md).
//
// newRow makes an empty row holding the selected fields (nil: all); dest
// returns the scan destination of one column of a row. Database errors are
// returned as they are: the caller maps them with its module's wording.
func Find[T any](ctx context.Context, conn db.DBTX, t Table, cfg FindConfig, count bool, apply func(*Where) (bool, error), newRow func(selected []string) T, dest func(*T, string) any) ([]T, int, error) {
	cols, err := Columns(t.Model, t.Fields, t.PK, cfg.Select)
	if err != nil {
		return nil, 0, err
	}
	order, err := NormalizeOrder(t.Model, t.Sortable, t.PK, cfg.Order)
	if err != nil {
		return nil, 0, err
	}
	read := WithOrderColumns(cols, order)
	w := NewWhere()
	withDeleted, err := apply(w)
	if err != nil {
		return nil, 0, err
	}
	if !cfg.WithDeleted && !withDeleted {
		w.Add(`"deleted_at" IS NULL`)
	}
	sel := Select{Table: t.Name, Where: w, Order: order, Limit: max(cfg.Take, 0), Offset: max(cfg.Skip, 0)}
	for _, c := range read {
		sel.Columns = append(sel.Columns, QuoteIdent(c))
	}
	countSQL, countArgs := sel.CountSQL(), slices.Clone(w.Args())
	if cfg.After != nil {
		if err := Keyset(w, order, cfg.After); err != nil {
			return nil, 0, merrors.Wrap(merrors.InvalidData, err, err.Error())
		}
	}
	rows, err := conn.Query(ctx, sel.SQL(), append([]any{pgx.QueryExecModeCacheDescribe}, w.Args()...)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var selected []string
	if len(cfg.Select) > 0 {
		selected = cols
	}
	out := []T{}
	dests := make([]any, len(read))
	for rows.Next() {
		x := newRow(selected)
		for i, c := range read {
			dests[i] = dest(&x, c)
		}
		if err := rows.Scan(dests...); err != nil {
			return nil, 0, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if !count {
		return out, 0, nil
	}
	var n int
	if err := conn.QueryRow(ctx, countSQL, append([]any{pgx.QueryExecModeCacheDescribe}, countArgs...)...).Scan(&n); err != nil {
		return nil, 0, err
	}
	return out, n, nil
}
