package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// These run the errors that real Postgres returns through InTx and
// merrors.FromPg, to keep the constructed fixtures of framework/errors honest.

func TestRealMultiColumnUniqueIsMapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	ins := func(ctx context.Context, tx pgx.Tx, id string) error {
		_, err := tx.Exec(ctx, `INSERT INTO provider_identity VALUES ($1, 'jane@example.com', 'emailpass')`, id)
		return err
	}
	if err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error { return ins(ctx, tx, "p1") }); err != nil {
		t.Fatal(err)
	}
	err := merrors.FromPg(db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error { return ins(ctx, tx, "p2") }))
	want := "Provider identity with entity_id: jane@example.com, provider: emailpass, already exists."
	if !merrors.Is(err, merrors.InvalidData) || err.Error() != want {
		t.Fatalf("got %s %q, want invalid_data %q", merrors.TypeOf(err), err, want)
	}
}

func TestRealForeignKeyNotNullUndefinedColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	for _, tc := range []struct {
		sql string
		typ merrors.Type
		msg string
	}{
		{`INSERT INTO item (id, name, parent_id) VALUES ('a', 'a', 'missing')`, merrors.NotFound,
			"You tried to set relationship parent_id: missing, but such entity does not exist"},
		{`INSERT INTO item (id) VALUES ('a')`, merrors.InvalidData, "Cannot set field 'name' of Item to null"},
		{`SELECT nmae FROM item`, merrors.InvalidData, `column "nmae" does not exist`},
		{`SELECT * FROM itme`, merrors.DatabaseError, `relation "itme" does not exist`},
	} {
		err := merrors.FromPg(db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, tc.sql)
			return err
		}))
		if merrors.TypeOf(err) != tc.typ || err.Error() != tc.msg {
			t.Errorf("%s: got %s %q, want %s %q", tc.sql, merrors.TypeOf(err), err, tc.typ, tc.msg)
		}
	}
}

// TestRealDeadlockIsConflict makes two transactions lock two rows in opposite
// orders; Postgres aborts one with 40P01, which maps to conflict.
func TestRealDeadlockIsConflict(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	if _, err := pool.Exec(ctx, `INSERT INTO item (id, name) VALUES ('a', 'a'), ('b', 'b')`); err != nil {
		t.Fatal(err)
	}
	var locked sync.WaitGroup
	locked.Add(2)
	run := func(first, second string) error {
		return db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			// Detect the deadlock quickly (superuser setting; the harness connects as postgres).
			if _, err := tx.Exec(ctx, `SET LOCAL deadlock_timeout = '20ms'`); err != nil {
				locked.Done()
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE item SET name = name || '1' WHERE id = $1`, first)
			locked.Done()
			if err != nil {
				return err
			}
			locked.Wait() // both hold their first row
			_, err = tx.Exec(ctx, `UPDATE item SET name = name || '2' WHERE id = $1`, second)
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run("a", "b") }()
	go func() { errs <- run("b", "a") }()
	var deadlocks, ok int
	for range 2 {
		err := <-errs
		var pg *pgconn.PgError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &pg) && pg.Code == "40P01":
			deadlocks++
			if m := merrors.FromPg(err); !errors.Is(m, merrors.ErrConflict) {
				t.Errorf("deadlock mapped to %s", merrors.TypeOf(m))
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if deadlocks != 1 || ok != 1 {
		t.Fatalf("%d deadlocks and %d commits, want 1 and 1", deadlocks, ok)
	}
}
