package sqlb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
)

// CopyMin is the number of rows from which a generated Create method
// copies its rows into the table (COPY … FROM STDIN, see CopyRows) instead
// of sending one INSERT … SELECT FROM unnest(…) RETURNING statement. Below
// it the statement's one round trip wins; from about a thousand user rows
// on, COPY's cheaper encoding and the absence of RETURNING do (measured
// with modules/user BenchmarkCreatePaths).
const CopyMin = 1000

// StatementRows is the most rows a bulk call of a generated service writes
// with one statement: a create's COPY (CopyRows) and a soft delete's or
// restore's UPDATE of ids (framework/link/cascade) are cut into statements
// of StatementRows rows, all in the call's transaction. The server's
// statement timeout (MEDUSA_STATEMENT_TIMEOUT, 10 s) bounds each
// statement: one COPY of 100,000 posts into a table of ten million took
// 6.6-9.5 s, and a restore of 100,000 users 7.1 s (docs/perf/scale.md).
const StatementRows = 10_000

// statementRows is StatementRows, which tests lower.
var statementRows = StatementRows

// CopyRows writes n rows into table with binary COPYs of at most
// StatementRows rows each, in the transaction ctx carries (a generated
// Create method's): row(i, dst) puts row i's values into dst, one per
// column of cols, in order. The rows are encoded as they are sent, so no
// copy of them is held; dst is reused. A constraint violation fails the
// COPY as it fails an INSERT (the same *pgconn.PgError, which
// merrors.FromPg maps), and statement-level triggers fire once per COPY.
func CopyRows(ctx context.Context, table string, cols []string, n int, row func(i int, dst []any)) error {
	tx, ok := db.TxFrom(ctx)
	if !ok {
		return errors.New("sqlb: CopyRows needs the transaction of a service call")
	}
	dst := make([]any, len(cols))
	for lo := 0; lo < n; lo += statementRows {
		i, hi := lo, min(lo+statementRows, n)
		_, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == hi {
				return nil, nil
			}
			row(i, dst)
			i++
			return dst, nil
		}))
		if err != nil {
			return fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	return nil
}

// InChunks calls fn with ids cut into slices of at most StatementRows, in
// order, and returns what the calls returned, in order: a bulk statement by
// ids (a soft delete, a restore) sent as several, each within the server's
// statement timeout.
func InChunks(ids []string, fn func([]string) ([]string, error)) ([]string, error) {
	if len(ids) <= statementRows {
		return fn(ids)
	}
	var out []string
	for lo := 0; lo < len(ids); lo += statementRows {
		got, err := fn(ids[lo:min(lo+statementRows, len(ids))])
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// Now returns now() of the transaction conn is in: the created_at and
// updated_at of the rows it writes (now() is the transaction's start).
func Now(ctx context.Context, conn db.DBTX) (time.Time, error) {
	var t time.Time
	if err := conn.QueryRow(ctx, `SELECT now()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read now(): %w", err)
	}
	return t, nil
}

// Clone returns a pointer to a copy of *p, or nil: the row a Create method
// returns shares no pointer with its input.
func Clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// JSON returns b, or nil when b is empty: what a json column holds for it
// (see JSONText).
func JSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}
