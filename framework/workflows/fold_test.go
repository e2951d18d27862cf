package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/workflows"
)

// runsSeen reports how many records of run txID the step's own transaction
// and another connection see.
func runsSeen(ctx context.Context, h *harness, txID string) (inTx, outside int, err error) {
	q := `SELECT count(*) FROM workflow_run WHERE transaction_id = $1`
	if err := db.Conn(ctx, h.pool).QueryRow(ctx, q, txID).Scan(&inTx); err != nil {
		return 0, 0, err
	}
	if err := h.pool.QueryRow(ctx, q, txID).Scan(&outside); err != nil {
		return 0, 0, err
	}
	return inTx, outside, nil
}

// The first WithDatabaseOnly step of a run with a generated transaction id
// writes the run's record in its own transaction, with its commit (so the
// step itself does not see it yet; a run that also finishes in that
// transaction never writes it); a step without the option,
// a step in a parallel branch and any step of a run with a given transaction
// id find the run already stored.
func TestRunRecordFoldedIntoFirstStep(t *testing.T) {
	h := pgHarness(t, backends[1]) // the fast path
	type seen struct{ inTx, outside int }
	probe := func(name string, opts ...workflows.StepOption) *workflows.Step[string, seen, struct{}] {
		return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, _ string) (seen, struct{}, error) {
			// An exec mode option: BEGIN and the run's record go in a batch
			// before this statement (the crash test covers the pipelined
			// case, a first statement without options).
			if _, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, pgx.QueryExecModeCacheDescribe, sc.TransactionID+"/"+sc.Position); err != nil {
				return seen{}, struct{}{}, err
			}
			in, out, err := runsSeen(ctx, h, sc.TransactionID)
			return seen{in, out}, struct{}{}, err
		}, nil, opts...)
	}
	dbOnly, plain := probe("db-only", workflows.WithDatabaseOnly()), probe("plain")
	branchA, branchB := probe("branch-a", workflows.WithDatabaseOnly()), probe("branch-b", workflows.WithDatabaseOnly())
	var info workflows.RunInfo
	cases := []struct {
		name  string
		wf    *workflows.Workflow[string, seen]
		opts  []workflows.RunOption
		first seen
	}{
		{"db-only first", workflows.New("fold-db-only", func(wc *workflows.Context, in string) (seen, error) {
			s, err := dbOnly.Run(wc, in)
			if err != nil {
				return seen{}, err
			}
			if s2, err := plain.Run(wc, in); err != nil || s2 != (seen{1, 1}) {
				return seen{}, errors.Join(err, errors.New("the second step did not find the run stored"))
			}
			return s, nil
		}), nil, seen{0, 0}},
		{"plain first", workflows.New("fold-plain", func(wc *workflows.Context, in string) (seen, error) {
			return plain.Run(wc, in)
		}), nil, seen{1, 1}},
		{"given transaction id", workflows.New("fold-given-id", func(wc *workflows.Context, in string) (seen, error) {
			return dbOnly.Run(wc, in)
		}), []workflows.RunOption{workflows.WithTransactionID("given")}, seen{1, 1}},
		{"parallel first", workflows.New("fold-parallel", func(wc *workflows.Context, in string) (seen, error) {
			a, b, err := workflows.Parallel2(wc, branchA.Bind(in), branchB.Bind(in))
			if a != b {
				return seen{}, errors.New("the branches saw different runs")
			}
			return a, err
		}), nil, seen{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.wf.Run(ctx(), h.root.Scope(), "x", append(c.opts, workflows.WithInfo(&info))...)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.first {
				t.Fatalf("the first step saw the run %d times in its transaction, %d times outside; want %+v", got.inTx, got.outside, c.first)
			}
			var runs, steps int
			if err := h.pool.QueryRow(ctx(), `SELECT (SELECT count(*) FROM workflow_run), (SELECT count(*) FROM workflow_step)`).Scan(&runs, &steps); err != nil {
				t.Fatal(err)
			}
			if runs != 0 || steps != 0 || info.State != workflows.RunDone {
				t.Fatalf("after the run: %d runs and %d steps stored, state %s; want none, done", runs, steps, info.State)
			}
		})
	}
}

// A failing first WithDatabaseOnly step rolls back the run's record with its
// writes; the run then stores itself to record the failure, reverts, and is
// kept as reverted (retention) with the failed step; the step's writes are
// gone. A run that calls no step stores only its final state.
func TestFoldedRunFailsAndFinishes(t *testing.T) {
	h := pgHarness(t, backends[1]) // the fast path
	failing := workflows.NewStep("fail-after-insert", func(ctx context.Context, sc workflows.StepContext, name string) (int, int, error) {
		if _, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, name); err != nil {
			return 0, 0, err
		}
		return 0, 0, workflows.Permanent(errors.New("no"))
	}, func(ctx context.Context, sc workflows.StepContext, _ int) error { return nil }, workflows.WithDatabaseOnly())
	wf := workflows.New("fold-fail", func(wc *workflows.Context, in string) (int, error) { return failing.Run(wc, in) }, workflows.WithRetention(-1))
	var info workflows.RunInfo
	if _, err := wf.Run(ctx(), h.root.Scope(), "a", workflows.WithInfo(&info)); err == nil {
		t.Fatal("the failing run succeeded")
	}
	view, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "fold-fail", TransactionID: info.TransactionID})
	if err != nil {
		t.Fatal(err)
	}
	if view.State != workflows.RunReverted || len(view.Steps) != 1 || view.Steps[0].State != workflows.StepReverted || countItems(t, h) != 0 {
		t.Fatalf("run %s, steps %+v, %d items", view.State, view.Steps, countItems(t, h))
	}

	empty := workflows.New("fold-empty", func(wc *workflows.Context, in string) (string, error) { return in, nil }, workflows.WithRetention(-1))
	if _, err := empty.Run(ctx(), h.root.Scope(), "b", workflows.WithInfo(&info)); err != nil {
		t.Fatal(err)
	}
	view, err = h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "fold-empty", TransactionID: info.TransactionID})
	if err != nil {
		t.Fatal(err)
	}
	if view.State != workflows.RunDone || string(view.Output.(json.RawMessage)) != `"b"` {
		t.Fatalf("empty run %s, output %s", view.State, view.Output)
	}
}
