package sqlb

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/medusa-go/medusa/framework/db"
)

// Replanned returns conn sending every statement unnamed, planned for the
// values it is sent with (pgx.QueryExecModeCacheDescribe), never as a
// prepared statement's generic plan. Generated soft deletes and restores
// (and their cascades) go through it: they match rows against a list of
// ids with = ANY($1), which a plan made for the list hashes, so that each
// row costs one lookup whatever the plan; a generic plan, which a prepared
// statement may switch to after five executions, compares each row with
// every id instead (20,000 ids took 12 s, 100,000 minutes). Parsing and
// planning each time is what a small soft delete pays for it
// (modules/user BenchmarkSoftDeleteOne).
func Replanned(conn db.DBTX) db.DBTX { return replanned{conn} }

type replanned struct{ conn db.DBTX }

func describe(args []any) []any {
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}

func (r replanned) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return r.conn.Exec(ctx, sql, describe(args)...)
}

func (r replanned) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return r.conn.Query(ctx, sql, describe(args)...)
}

func (r replanned) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return r.conn.QueryRow(ctx, sql, describe(args)...)
}
