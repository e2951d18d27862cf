package db_test

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

//go:embed testdata/migrations/*.sql
var migrationsFS embed.FS

func source(t testing.TB) migrate.Source {
	sub, err := fs.Sub(migrationsFS, "testdata/migrations")
	if err != nil {
		t.Fatal(err)
	}
	return migrate.Source{Module: "items", FS: sub}
}

var errBoom = errors.New("boom")

func insert(ctx context.Context, q db.DBTX, id string) error {
	_, err := q.Exec(ctx, `INSERT INTO item (id, name) VALUES ($1, $1)`, id)
	if err != nil {
		return fmt.Errorf("insert %s: %w", id, err)
	}
	return nil
}

// ids lists the items committed in the database, read on a connection of its
// own.
func ids(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id FROM item ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantIDs(t *testing.T, pool *pgxpool.Pool, want ...string) {
	t.Helper()
	if got := ids(t, pool); !slices.Equal(got, want) {
		t.Fatalf("committed items %v, want %v", got, want)
	}
}

func TestInTxCommits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if got, ok := db.TxFrom(ctx); !ok || got != tx {
			t.Error("the context given to fn does not carry fn's transaction")
		}
		if db.Conn(ctx, pool) != tx {
			t.Error("Conn inside InTx is not the transaction")
		}
		if err := insert(ctx, tx, "a"); err != nil {
			return err
		}
		return insert(ctx, db.Conn(ctx, pool), "b")
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, pool, "a", "b")
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := insert(ctx, tx, "a"); err != nil {
			return err
		}
		return fmt.Errorf("validate: %w", errBoom)
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	wantIDs(t, pool)
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still acquired after rollback", n)
	}
}

func TestInTxReturnsSQLErrorsForMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	if err := insert(ctx, pool, "a"); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := insert(ctx, tx, "b"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO item (id, name) VALUES ('c', 'a')`)
		return err
	})
	mapped := merrors.FromPg(err)
	if got, want := mapped.Error(), "Item with name: a, already exists."; got != want || !merrors.Is(mapped, merrors.InvalidData) {
		t.Fatalf("mapped %s %q, want invalid_data %q", merrors.TypeOf(mapped), got, want)
	}
	wantIDs(t, pool, "a")
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	func() {
		defer func() {
			if r := recover(); r != "handler bug" {
				t.Fatalf("recovered %v, want the original panic", r)
			}
		}()
		_ = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			if err := insert(ctx, tx, "a"); err != nil {
				return err
			}
			panic("handler bug")
		})
	}()
	wantIDs(t, pool)
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections left checked out in an open transaction after a panic", n)
	}
}

func TestInTxJoinsCallersTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	err := db.InTx(ctx, pool, func(ctx context.Context, outer pgx.Tx) error {
		if err := insert(ctx, outer, "outer"); err != nil {
			return err
		}
		return db.InTx(ctx, pool, func(ctx context.Context, inner pgx.Tx) error {
			if inner != outer {
				t.Error("nested InTx began its own transaction instead of joining")
			}
			// The inner call sees the outer's uncommitted write.
			var n int
			if err := inner.QueryRow(ctx, `SELECT count(*) FROM item WHERE id = 'outer'`).Scan(&n); err != nil || n != 1 {
				t.Errorf("inner sees %d outer rows (%v), want 1", n, err)
			}
			return insert(ctx, inner, "inner")
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs(t, pool, "inner", "outer")
}

func TestInnerErrorRollsBackAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := insert(ctx, tx, "outer"); err != nil {
			return err
		}
		if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			if err := insert(ctx, tx, "inner"); err != nil {
				return err
			}
			return errBoom
		}); err != nil {
			return fmt.Errorf("inner service: %w", err)
		}
		return nil
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want the inner error", err)
	}
	wantIDs(t, pool)
}

func TestInnerSuccessOuterFailureRollsBackInner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			return insert(ctx, tx, "inner")
		}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("err = %v, want errBoom", err)
	}
	wantIDs(t, pool)
}

// A joined call's SQL error aborts the shared transaction; an outer caller
// that ignores it cannot commit half of the work.
func TestSwallowedInnerSQLErrorCannotCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	ran := false
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		db.AfterCommit(ctx, func(context.Context) { ran = true })
		if err := insert(ctx, tx, "a"); err != nil {
			return err
		}
		_ = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			return insert(ctx, tx, "a") // duplicate key: aborts the transaction
		})
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "db: commit") {
		t.Fatalf("err = %v, want a commit failure", err)
	}
	if ran {
		t.Fatal("AfterCommit ran although nothing was committed")
	}
	wantIDs(t, pool)
}

func TestAfterCommitRunsAfterOutermostCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	var journal []string
	var seenInCallback []string
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		db.AfterCommit(ctx, func(ctx context.Context) {
			journal = append(journal, "outer event")
			if _, ok := db.TxFrom(ctx); ok {
				t.Error("AfterCommit function got a context carrying the finished transaction")
			}
			seenInCallback = ids(t, pool)
		})
		if err := insert(ctx, tx, "a"); err != nil {
			return err
		}
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			db.AfterCommit(ctx, func(context.Context) { journal = append(journal, "inner event") })
			return insert(ctx, tx, "b")
		})
		if err != nil {
			return err
		}
		if len(journal) != 0 {
			t.Errorf("AfterCommit ran before the outermost commit: %v", journal)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"outer event", "inner event"}; !slices.Equal(journal, want) {
		t.Fatalf("after-commit journal %v, want %v", journal, want)
	}
	if want := []string{"a", "b"}; !slices.Equal(seenInCallback, want) {
		t.Fatalf("AfterCommit function saw committed items %v, want %v", seenInCallback, want)
	}
}

func TestAfterCommitNeverRunsOnRollback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	ran := 0
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		db.AfterCommit(ctx, func(context.Context) { ran++ })
		// The inner call succeeds; its event must still wait for, and die
		// with, the outer transaction.
		if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			db.AfterCommit(ctx, func(context.Context) { ran++ })
			return insert(ctx, tx, "a")
		}); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Fatalf("%d AfterCommit functions ran after a rollback", ran)
	}
	// A later transaction on the same pool does not inherit them.
	if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error { return insert(ctx, tx, "b") }); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Fatalf("dropped AfterCommit functions ran with a later transaction")
	}
}

func TestAfterCommitOutsideTransactionRunsAtOnce(t *testing.T) {
	t.Parallel()
	ran := false
	db.AfterCommit(context.Background(), func(context.Context) { ran = true })
	if !ran {
		t.Fatal("AfterCommit outside a transaction did not run at once")
	}
}

func TestAfterCommitNotRunWhenCommitFails(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, source(t))
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		db.AfterCommit(ctx, func(context.Context) { ran = true })
		if err := insert(ctx, tx, "a"); err != nil {
			return err
		}
		cancel() // the commit cannot be sent
		return nil
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "db: commit") {
		t.Fatalf("err = %v, want a commit failure caused by the cancelled context", err)
	}
	if ran {
		t.Fatal("AfterCommit ran although the commit failed")
	}
	wantIDs(t, pool)
}

func TestWithTxAndRunAfterCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	txCtx := db.WithTx(ctx, tx)
	var order []string
	db.AfterCommit(txCtx, func(ctx context.Context) {
		order = append(order, "first")
		if _, ok := db.TxFrom(ctx); ok {
			t.Error("RunAfterCommit passed the finished transaction on")
		}
		// Database work in an after-commit function gets its own transaction.
		if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error { return insert(ctx, tx, "event") }); err != nil {
			t.Errorf("InTx in an after-commit function: %v", err)
		}
	})
	// A service joining the caller-owned transaction.
	if err := db.InTx(txCtx, pool, func(ctx context.Context, inner pgx.Tx) error {
		if inner != tx {
			t.Error("InTx did not join the transaction given to WithTx")
		}
		db.AfterCommit(ctx, func(context.Context) { order = append(order, "second") })
		return insert(ctx, inner, "a")
	}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 0 {
		t.Fatal("AfterCommit ran before the caller committed")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	db.RunAfterCommit(txCtx)
	db.RunAfterCommit(txCtx) // a second call runs nothing again
	if want := []string{"first", "second"}; !slices.Equal(order, want) {
		t.Fatalf("after-commit order %v, want %v", order, want)
	}
	wantIDs(t, pool, "a", "event")
	db.RunAfterCommit(ctx) // no transaction: nothing to do, no panic
}

func TestConnAndTxFromWithoutTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	if tx, ok := db.TxFrom(ctx); ok || tx != nil {
		t.Fatalf("TxFrom(background) = %v, %v", tx, ok)
	}
	if db.Conn(ctx, pool) != db.DBTX(pool) {
		t.Fatal("Conn without a transaction is not the fallback")
	}
	// Writes through the fallback commit on their own.
	if err := insert(ctx, db.Conn(ctx, pool), "a"); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, pool, "a")
}

func TestInTxBeginFailure(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, source(t))
	closed, err := pgxpool.New(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	called := false
	err = db.InTx(context.Background(), closed, func(context.Context, pgx.Tx) error { called = true; return nil })
	if err == nil || !strings.HasPrefix(err.Error(), "db: begin:") {
		t.Fatalf("err = %v, want a begin failure", err)
	}
	if called {
		t.Fatal("fn ran without a transaction")
	}
}

// Concurrent InTx calls on one pool each get their own transaction.
func TestInTxConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			errs <- db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
				if err := insert(ctx, tx, fmt.Sprintf("i%d", i)); err != nil {
					return err
				}
				if i%2 == 1 {
					return errBoom
				}
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if errors.Is(err, errBoom) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if failed != 4 {
		t.Fatalf("%d failed, want 4", failed)
	}
	wantIDs(t, pool, "i0", "i2", "i4", "i6")
}

// InTx forgets its after-commit functions once they ran, so that a context
// kept after the call (pgx keeps the last one a connection used) does not
// keep what they hold alive.
func TestAfterCommitFunctionsAreForgotten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	var kept context.Context
	var held weak.Pointer[[]byte]
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		kept = ctx
		big := make([]byte, 1<<20)
		held = weak.Make(&big)
		db.AfterCommit(ctx, func(context.Context) { _ = len(big) })
		return insert(ctx, tx, "a")
	})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	if held.Value() != nil {
		t.Fatal("an after-commit function's data outlived the call, reachable from its context")
	}
	runtime.KeepAlive(kept)
}
