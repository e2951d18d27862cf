package user

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/sqlb"
)

// counts returns, in one REPEATABLE READ snapshot, the user table's real
// counts (rows not soft-deleted, all rows) and the trigger-kept ones.
func counts(t *testing.T, pool *pgxpool.Pool) (realLive, realAll, live, all int) {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE deleted_at IS NULL), count(*) FROM "user"`).Scan(&realLive, &realAll); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(sum(live), 0), coalesce(sum(total), 0) FROM medusa_row_counts WHERE table_name = 'user'`).Scan(&live, &all); err != nil {
		t.Fatal(err)
	}
	return
}

// The user table's row count kept by triggers (dml CountRows) equals
// count(*) in every snapshot: after bulk creates, upserts, updates, soft
// deletes, restores, hard deletes, a rolled-back transaction, compactions,
// concurrent writers and TRUNCATE; and ListAndCountUsers reads it exactly
// when the list has no filter.
func TestRowCountIsExact(t *testing.T) {
	ctx := context.Background()
	pool, s := newPoolService(t)
	check := func(step string) {
		t.Helper()
		rl, ra, l, a := counts(t, pool)
		if rl != l || ra != a {
			t.Fatalf("%s: count(*) %d live / %d all, kept counts %d / %d", step, rl, ra, l, a)
		}
		_, n, err := s.ListAndCountUsers(ctx, UserFilter{}, sqlb.FindConfig{Take: 1})
		if err != nil || n != rl {
			t.Fatalf("%s: ListAndCountUsers count %d (%v), want %d", step, n, err, rl)
		}
		_, n, err = s.ListAndCountUsers(ctx, UserFilter{}, sqlb.FindConfig{Take: 1, WithDeleted: true})
		if err != nil || n != ra {
			t.Fatalf("%s: ListAndCountUsers with deleted: count %d (%v), want %d", step, n, err, ra)
		}
	}
	check("empty")

	in := make([]CreateUserInput, 25)
	for i := range in {
		in[i] = CreateUserInput{Email: fmt.Sprintf("u%02d@example.com", i)}
	}
	created, err := s.CreateUsers(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	check("25 created in one statement")

	big := make([]CreateUserInput, sqlb.CopyMin)
	for i := range big {
		big[i] = CreateUserInput{Email: fmt.Sprintf("copy%d@example.com", i)}
	}
	if _, err := s.CreateUsers(ctx, big...); err != nil {
		t.Fatal(err)
	}
	check("sqlb.CopyMin created in one COPY")
	big[len(big)-1].Email = "COPY0@example.com"
	for i := range len(big) - 1 {
		big[i].Email = fmt.Sprintf("copy-again%d@example.com", i)
	}
	if _, err := s.CreateUsers(ctx, big...); err == nil {
		t.Fatal("a COPY with an email already taken (in another case) succeeded")
	}
	check("a failed COPY")

	if _, err := pool.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ($1, 'upsert@example.com'), ('user_new', 'new@example.com')
ON CONFLICT (id) DO UPDATE SET first_name = 'up'`, created[0].ID); err != nil {
		t.Fatal(err)
	}
	check("an upsert: one update, one insert")

	if _, err := pool.Exec(ctx, `UPDATE "user" SET first_name = 'x'`); err != nil {
		t.Fatal(err)
	}
	check("an update of every row")

	ids := []string{created[1].ID, created[2].ID, created[3].ID}
	if _, err := s.SoftDeleteUsers(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	check("3 soft-deleted")
	if _, err := s.RestoreUsers(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	check("1 restored")
	if err := s.DeleteUsers(ctx, created[4].ID, ids[1]); err != nil { // one live, one soft-deleted
		t.Fatal(err)
	}
	check("2 hard-deleted")

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO "user" (id, email) SELECT 'user_rb' || g, 'rb' || g || '@example.com' FROM generate_series(1, 10) g`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	check("a rolled-back insert")

	if n, err := sqlb.CompactRowCounts(ctx, pool); err != nil || n != 1 {
		t.Fatalf("compaction: %d tables, %v", n, err)
	}
	check("compacted")
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM medusa_row_counts WHERE table_name = 'user'`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("%d count rows after compaction (%v), want 1", rows, err)
	}

	// Concurrent writers, compactions and snapshot checks.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 6 {
		wg.Go(func() {
			for i := range 20 {
				err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					id := fmt.Sprintf("user_c%d_%d", w, i)
					if _, err := tx.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ($1, $1 || '@example.com')`, id); err != nil {
						return err
					}
					if i%3 == 0 {
						_, err := tx.Exec(ctx, `UPDATE "user" SET deleted_at = now() WHERE id = $1`, id)
						return err
					}
					if i%5 == 0 {
						return errors.New("roll back")
					}
					return nil
				})
				if err != nil && err.Error() != "roll back" {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := sqlb.CompactRowCounts(ctx, pool); err != nil {
				errs <- err
				return
			}
		}
	})
	stop := make(chan struct{})
	var checks sync.WaitGroup
	checks.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if rl, ra, l, a := counts(t, pool); rl != l || ra != a {
				errs <- fmt.Errorf("during concurrent writes: count(*) %d / %d, kept %d / %d", rl, ra, l, a)
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	checks.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	check("after concurrent writers and compactions")

	// The list reads the kept count only without filters: a bogus delta
	// shows in the default list's count, not in a filtered one's.
	if _, err := pool.Exec(ctx, `INSERT INTO medusa_row_counts VALUES ('user', 1000, 1000)`); err != nil {
		t.Fatal(err)
	}
	rl, _, _, _ := counts(t, pool)
	if _, n, err := s.ListAndCountUsers(ctx, UserFilter{}, sqlb.FindConfig{Take: 1}); err != nil || n != rl+1000 {
		t.Fatalf("default list count %d (%v), want the kept %d", n, err, rl+1000)
	}
	if _, n, err := s.ListAndCountUsers(ctx, UserFilter{Q: "example"}, sqlb.FindConfig{Take: 1}); err != nil || n != rl {
		t.Fatalf("filtered list count %d (%v), want count(*) %d", n, err, rl)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM medusa_row_counts WHERE live = 1000`); err != nil {
		t.Fatal(err)
	}

	if _, err := pool.Exec(ctx, `TRUNCATE "user" CASCADE`); err != nil {
		t.Fatal(err)
	}
	check("truncated")
}
