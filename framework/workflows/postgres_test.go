package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/workflows"
)

// eachPostgres runs fn as a subtest per Postgres backend (the fast path
// and the plain one), with a side-effect table.
func eachPostgres(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, b := range backends[1:] {
		t.Run(b.name, func(t *testing.T) { fn(t, pgHarness(t, b)) })
	}
}

// pgHarness is a Postgres backend with a side-effect table.
func pgHarness(t *testing.T, b backend) *harness {
	t.Helper()
	h := b.new(t)
	if _, err := h.pool.Exec(ctx(), `CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return h
}

func countItems(t *testing.T, h *harness) int {
	t.Helper()
	var n int
	if err := h.pool.QueryRow(ctx(), `SELECT count(*) FROM item`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A step's database work and its checkpoint commit together: a failed
// attempt leaves nothing behind, a successful one leaves exactly its rows.
func TestPostgresStepIsAtomic(t *testing.T) {
	eachPostgres(t, func(t *testing.T, h *harness) {
		var txids []int64
		insert := workflows.NewStep("insert", func(ctx context.Context, sc workflows.StepContext, name string) (int, int, error) {
			var id int
			err := db.InTx(ctx, h.pool, func(ctx context.Context, tx pgx.Tx) error {
				if err := tx.QueryRow(ctx, `INSERT INTO item (name) VALUES ($1) RETURNING id`, name).Scan(&id); err != nil {
					return err
				}
				var txid int64
				if err := db.Conn(ctx, h.pool).QueryRow(ctx, `SELECT txid_current()`).Scan(&txid); err != nil {
					return err
				}
				txids = append(txids, txid)
				return nil
			})
			if err != nil {
				return 0, 0, err
			}
			if sc.Attempt < 3 {
				return 0, 0, errors.New("fail after the insert")
			}
			return id, id, nil
		}, nil, workflows.WithRetries(2, 0))
		wf := workflows.New("atomic", func(wc *workflows.Context, name string) (int, error) { return insert.Run(wc, name) }, workflows.WithRetention(-1))
		id, err := wf.Run(ctx(), h.root.Scope(), "a", workflows.WithTransactionID("t"))
		if err != nil {
			t.Fatal(err)
		}
		if n := countItems(t, h); n != 1 {
			t.Fatalf("items = %d, want 1 (the failed attempts rolled back)", n)
		}
		// Each attempt ran in one transaction, joined by db.InTx and db.Conn.
		if len(txids) != 3 || txids[0] == txids[1] {
			t.Fatalf("transaction ids = %v", txids)
		}
		var stored int
		if err := h.pool.QueryRow(ctx(), `SELECT output::int FROM workflow_step WHERE transaction_id = 't'`).Scan(&stored); err != nil || stored != id {
			t.Fatalf("checkpoint = %d, %v; want %d", stored, err, id)
		}
		// A database error inside the step fails it and rolls back.
		_, err = wf.Run(ctx(), h.root.Scope(), "a", workflows.WithTransactionID("t2"))
		if err == nil || countItems(t, h) != 1 {
			t.Fatalf("duplicate insert: %v, items %d", err, countItems(t, h))
		}
	})
}

// The step transaction supports what services do with a pgx.Tx: Exec,
// QueryRow and Query as first statement, savepoints, batches.
func TestPostgresStepTransaction(t *testing.T) {
	eachPostgres(t, func(t *testing.T, h *harness) {
		type res struct {
			Names []string
			Saved bool
		}
		first := map[string]func(ctx context.Context, tx pgx.Tx) error{
			"exec": func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO item (name) VALUES ('exec')`)
				return err
			},
			"queryrow": func(ctx context.Context, tx pgx.Tx) error {
				var id int
				return tx.QueryRow(ctx, `INSERT INTO item (name) VALUES ('queryrow') RETURNING id`).Scan(&id)
			},
			"query": func(ctx context.Context, tx pgx.Tx) error {
				rows, err := tx.Query(ctx, `INSERT INTO item (name) VALUES ('query1'), ('query2') RETURNING name`)
				if err != nil {
					return err
				}
				n := 0
				for rows.Next() {
					n++
				}
				if n != 2 {
					return errors.New("want 2 rows")
				}
				return rows.Err()
			},
			// Query options as the first argument (generated list queries use an
			// exec mode) cannot ride in the BEGIN pipeline.
			"exec-mode": func(ctx context.Context, tx pgx.Tx) error {
				var id int
				return tx.QueryRow(ctx, `INSERT INTO item (name) VALUES ($1) RETURNING id`, pgx.QueryExecModeCacheDescribe, "exec-mode").Scan(&id)
			},
			"named-args": func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO item (name) VALUES (@n)`, pgx.NamedArgs{"n": "named-args"})
				return err
			},
			"savepoint": func(ctx context.Context, tx pgx.Tx) error {
				sp, err := tx.Begin(ctx)
				if err != nil {
					return err
				}
				if _, err := sp.Exec(ctx, `INSERT INTO item (name) VALUES ('rolled-back')`); err != nil {
					return err
				}
				if err := sp.Rollback(ctx); err != nil {
					return err
				}
				b := &pgx.Batch{}
				b.Queue(`INSERT INTO item (name) VALUES ('batch')`)
				return tx.SendBatch(ctx, b).Close()
			},
		}
		for name, fn := range first {
			t.Run(name, func(t *testing.T) {
				s := workflows.NewStep("s-"+name, func(ctx context.Context, sc workflows.StepContext, in string) (res, res, error) {
					if err := db.InTx(ctx, h.pool, fn); err != nil {
						return res{}, res{}, err
					}
					rows, err := db.Conn(ctx, h.pool).Query(ctx, `SELECT name FROM item ORDER BY name`)
					if err != nil {
						return res{}, res{}, err
					}
					names, err := pgx.CollectRows(rows, pgx.RowTo[string])
					return res{Names: names, Saved: true}, res{}, err
				}, nil)
				wf := workflows.New("w-"+name, func(wc *workflows.Context, in string) (res, error) { return s.Run(wc, in) })
				got, err := wf.Run(ctx(), h.root.Scope(), name)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Saved || len(got.Names) == 0 {
					t.Fatalf("got %+v", got)
				}
				for _, n := range got.Names {
					if n == "rolled-back" {
						t.Fatal("savepoint rollback did not roll back")
					}
				}
			})
		}
		if n := countItems(t, h); n != 7 {
			t.Fatalf("items = %d, want 7", n)
		}
	})
}
