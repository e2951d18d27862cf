package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DBTX is what sqlc-generated code needs: satisfied by *pgxpool.Pool,
// *pgx.Conn and pgx.Tx.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Beginner starts transactions: satisfied by *pgxpool.Pool, *pgx.Conn and pgx.Tx
// (the last one through savepoints).
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// ErrNoDatabaseURL is returned by Open when neither the argument nor
// DATABASE_URL names a database.
var ErrNoDatabaseURL = errors.New("db: no database URL (set DATABASE_URL)")

// Open returns a pgx pool for url, or for $DATABASE_URL when url is empty, and
// checks that the server answers.
func Open(ctx context.Context, url string, configure ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		return nil, ErrNoDatabaseURL
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	for _, f := range configure {
		f(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

type txKey struct{}

// txState is the transaction a context carries, and the functions to run once
// its outermost owner commits.
type txState struct {
	tx          pgx.Tx
	afterCommit *[]func(context.Context)
}

// WithTx returns a context that carries tx: InTx called with it joins tx
// instead of starting its own. The caller owns tx (commits or rolls back) and,
// after a successful commit, calls RunAfterCommit with the returned context;
// prefer InTx, which does both.
func WithTx(ctx context.Context, tx pgx.Tx) context.Context {
	fns := []func(context.Context){}
	return context.WithValue(ctx, txKey{}, &txState{tx: tx, afterCommit: &fns})
}

// RunAfterCommit runs, in the order they were scheduled, the functions
// registered with AfterCommit on the transaction txCtx carries (a context
// made by WithTx), and forgets them. Call it once the transaction has
// committed. The functions get txCtx without the transaction, so their own
// database work does not touch the finished one.
func RunAfterCommit(txCtx context.Context) {
	s, ok := txCtx.Value(txKey{}).(*txState)
	if !ok {
		return
	}
	fns := *s.afterCommit
	*s.afterCommit = nil
	ctx := context.WithValue(txCtx, txKey{}, nil)
	for _, f := range fns {
		f(ctx)
	}
}

// TxFrom returns the transaction ctx carries, if any.
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	s, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return nil, false
	}
	return s.tx, true
}

// Conn returns the transaction ctx carries, or fallback.
func Conn(ctx context.Context, fallback DBTX) DBTX {
	if tx, ok := TxFrom(ctx); ok {
		return tx
	}
	return fallback
}

// AfterCommit schedules fn to run after the transaction ctx carries commits
// (it is dropped if the transaction rolls back). Outside a transaction fn runs
// at once. This is how module events are emitted only for committed data.
func AfterCommit(ctx context.Context, fn func(context.Context)) {
	s, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		fn(ctx)
		return
	}
	*s.afterCommit = append(*s.afterCommit, fn)
}

// TagQueuer is implemented by transactions that can hold back a statement
// whose result nobody reads, send it with their next round trip, and give it
// back before it is sent (the workflow engine's step transactions; the
// event bus queues its outbox inserts there). An error of a queued
// statement surfaces with that round trip, or with the commit.
type TagQueuer interface {
	// QueueTagged queues sql under tag.
	QueueTagged(tag, sql string, args ...any)
	// TakeTagged removes the statements queued under tag and returns their
	// arguments, in order, unless one of them was sent already: then it
	// changes nothing and reports false.
	TakeTagged(tag string) ([][]any, bool)
}

// InTx runs fn in a transaction. When ctx already carries one, fn joins it
// (its writes commit or roll back with the caller's); otherwise InTx begins a
// transaction on b, commits it when fn returns nil, rolls it back otherwise,
// and after a commit runs the functions registered with AfterCommit.
func InTx(ctx context.Context, b Beginner, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if s, ok := ctx.Value(txKey{}).(*txState); ok {
		return fn(ctx, s.tx)
	}
	tx, err := b.Begin(ctx)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	txCtx := WithTx(ctx, tx)
	returned := false
	defer func() {
		if !returned {
			// fn panicked or called runtime.Goexit: roll back, so the
			// connection goes back to the pool instead of staying checked
			// out in an open transaction. The panic goes on.
			rollback(ctx, tx)
		}
	}()
	err = fn(txCtx, tx)
	returned = true
	if err != nil {
		rollback(ctx, tx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	s := txCtx.Value(txKey{}).(*txState)
	fns := *s.afterCommit
	// Forget the functions (and what they hold, e.g. a bulk call's events):
	// pgx keeps the last context of a query with its idle connection, and
	// txCtx leads here.
	*s.afterCommit = nil
	for _, f := range fns {
		f(ctx)
	}
	return nil
}

func rollback(ctx context.Context, tx pgx.Tx) {
	if err := tx.Rollback(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		slog.WarnContext(ctx, "db: rollback failed", "err", err)
	}
}
