package pgstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The fast path is tested here through the methods the engine calls
// (workflows.TxStore); the engine's semantic and crash tests run on both
// paths in package workflows.

// work is a workflows.StepWork: it inserts name into item in the step's
// transaction and records the transaction's id, then fails when fail is set.
type work struct {
	pool *pgxpool.Pool
	pos  string
	name string
	fail bool
	txid int64
}

var errStep = errors.New("step failed")

func (w *work) Do(ctx context.Context) (*workflows.StepRecord, error) {
	c := db.Conn(ctx, w.pool)
	if _, err := c.Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, w.name); err != nil {
		return nil, err
	}
	if err := c.QueryRow(ctx, `SELECT txid_current()`).Scan(&w.txid); err != nil {
		return nil, err
	}
	if w.fail {
		return nil, errStep
	}
	return &workflows.StepRecord{Position: w.pos, Name: w.name, State: workflows.StepDone, Attempt: 1, Output: w.name}, nil
}

func newStore(t *testing.T, opts ...pgstore.Option) (*pgstore.Store, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source())
	if _, err := pool.Exec(context.Background(), `CREATE TABLE item (name text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return pgstore.New(pool, opts...), pool
}

// counts returns what another connection sees: runs, checkpoints, items.
func counts(t *testing.T, pool *pgxpool.Pool) [3]int {
	t.Helper()
	var n [3]int
	err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM workflow_run), (SELECT count(*) FROM workflow_step), (SELECT count(*) FROM item)`).Scan(&n[0], &n[1], &n[2])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A run created by its first step, a second step joining the held
// transaction, a third that fails inside it, and the finish: one
// transaction, nothing visible before its commit, everything but the failed
// step's work after it.
func TestHeldAndJoinedSteps(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	if !s.FastPath() {
		t.Fatal("FastPath is off by default")
	}
	rec := &workflows.RunRecord{RunKey: workflows.RunKey{WorkflowID: "w", TransactionID: "t"}, State: workflows.RunInvoking, Retention: -1}
	a := &work{pool: pool, pos: "0", name: "a"}
	held, err := s.StepHeld(ctx, rec.RunKey, rec, a)
	if err != nil || held == nil {
		t.Fatalf("StepHeld: %v, %v", held, err)
	}
	t.Cleanup(func() { _ = held.Commit(ctx) }) // when the test fails before the finish: free the connection
	if held.CreatedRun() != rec {
		t.Fatal("the held transaction does not say it created the run")
	}
	b := &work{pool: pool, pos: "1", name: "b"}
	if err := s.StepJoin(ctx, held, b); err != nil {
		t.Fatal(err)
	}
	c := &work{pool: pool, pos: "2", name: "c", fail: true}
	if err := s.StepJoin(ctx, held, c); !errors.Is(err, errStep) {
		t.Fatalf("failing joined step: %v", err)
	}
	if a.txid != b.txid || b.txid != c.txid {
		t.Fatalf("transaction ids %d, %d, %d: want one transaction", a.txid, b.txid, c.txid)
	}
	if got := counts(t, pool); got != [3]int{} {
		t.Fatalf("before the commit another connection sees runs, steps, items %v", got)
	}
	rec.State = workflows.RunDone
	if err := s.FinishRun(ctx, rec, false, held, nil); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, pool); got != [3]int{1, 2, 2} {
		t.Fatalf("after the finish: runs, steps, items %v; want [1 2 2]", got)
	}
	got, err := s.GetRun(ctx, rec.RunKey)
	if err != nil || got.State != workflows.RunDone {
		t.Fatalf("run %+v, %v", got, err)
	}
}

// A failing release (FinishRun's before) rolls back to the savepoint: the
// held steps commit, the run is not finished, and before's error comes back.
func TestFinishRunBeforeFails(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	rec := &workflows.RunRecord{RunKey: workflows.RunKey{WorkflowID: "w", TransactionID: "t"}, State: workflows.RunInvoking, Retention: -1}
	held, err := s.StepHeld(ctx, rec.RunKey, rec, &work{pool: pool, pos: "0", name: "a"})
	if err != nil || held == nil {
		t.Fatalf("StepHeld: %v, %v", held, err)
	}
	t.Cleanup(func() { _ = held.Commit(ctx) }) // when the test fails before the finish: free the connection
	errRelease := errors.New("release failed")
	done := *rec
	done.State = workflows.RunDone
	err = s.FinishRun(ctx, &done, false, held, func(ctx context.Context) error {
		if _, err := db.Conn(ctx, pool).Exec(ctx, `INSERT INTO item (name) VALUES ('released')`); err != nil {
			return err
		}
		return errRelease
	})
	if !errors.Is(err, errRelease) {
		t.Fatalf("FinishRun: %v", err)
	}
	if got := counts(t, pool); got != [3]int{1, 1, 1} {
		t.Fatalf("runs, steps, items %v; want [1 1 1] (the step kept, the release undone)", got)
	}
	if got, err := s.GetRun(ctx, rec.RunKey); err != nil || got.State != workflows.RunInvoking {
		t.Fatalf("run %+v, %v", got, err)
	}
}

// A transaction held by one store cannot be joined through another: a clear
// error, and the held transaction is left as it was.
func TestHeldTxOfAnotherStore(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	other := pgstore.New(pgtest.NewPool(t, migrations.Source()))
	key := workflows.RunKey{WorkflowID: "w", TransactionID: "t"}
	if err := s.CreateRun(ctx, &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking, Retention: -1}); err != nil {
		t.Fatal(err)
	}
	held, err := s.StepHeld(ctx, key, nil, &work{pool: pool, pos: "0", name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	joinErr := other.StepJoin(ctx, held, &work{pool: pool, pos: "1", name: "b"})
	if err := held.Commit(ctx); err != nil { // first: a held connection would keep the pool from closing
		t.Fatal(err)
	}
	if joinErr == nil {
		t.Fatal("StepJoin accepted another store's transaction")
	}
	if got := counts(t, pool); got != [3]int{1, 1, 1} {
		t.Fatalf("runs, steps, items %v; want [1 1 1]", got)
	}
}

// WithoutFastPath: FastPath reports false, and Step runs in a plain
// transaction that commits the step's work with its checkpoint.
func TestWithoutFastPath(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t, pgstore.WithoutFastPath())
	if s.FastPath() {
		t.Fatal("FastPath is on")
	}
	key := workflows.RunKey{WorkflowID: "w", TransactionID: "t"}
	if err := s.CreateRun(ctx, &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking}); err != nil {
		t.Fatal(err)
	}
	if err := s.Step(ctx, key, &work{pool: pool, pos: "0", name: "a", fail: true}); !errors.Is(err, errStep) {
		t.Fatalf("failing step: %v", err)
	}
	if err := s.Step(ctx, key, &work{pool: pool, pos: "0", name: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := counts(t, pool); got != [3]int{1, 1, 1} {
		t.Fatalf("runs, steps, items %v; want [1 1 1] (the failed step rolled back)", got)
	}
}
