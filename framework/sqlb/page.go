package sqlb

import (
	"context"

	"github.com/medusa-go/medusa/framework/db"
)

// Page is one page of a list with what a list route answers beside it: the
// count of the matching rows and the cursor of the next page.
type Page[T any] struct {
	// Rows are the page's rows.
	Rows []T
	// Count is the number of rows matching the filter, regardless of
	// paging: exact, unless Estimated.
	Count int
	// Estimated reports that more than FindConfig.CountLimit rows match
	// and Count is the planner's estimate of them (at least CountLimit+1);
	// for a q search, that the planner expects more than its bound
	// (FindConfig.CountLimit, at most SearchCountMax) to match, and Count
	// is that estimate (at least the bound + 1).
	Estimated bool
	// Next is the cursor of the next page (FindConfig.Cursor): set when
	// rows follow this page's last row, "" at the end (and when Take is 0).
	Next string
}

// FindPage is Find, counted, with the page's count bounded by
// cfg.CountLimit and the cursor of the next page: it reads one row more
// than cfg.Take to know whether a next page exists, and makes Next from
// the last row of the page (its order columns, which Find always reads).
// Generated services call it from List<Models>Page.
func FindPage[T any](ctx context.Context, conn db.DBTX, t Table, cfg FindConfig, apply func(*Where) (bool, error), newRow func(selected []string) T, dest func(*T, string) any) (Page[T], error) {
	p, err := newPlan(t, cfg, true, apply)
	if err != nil {
		return Page[T]{}, err
	}
	return runPlan(ctx, conn, &p, true, newRow, dest)
}
