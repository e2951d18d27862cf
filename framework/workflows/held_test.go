package workflows_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/workflows"
)

// The transaction of a run's last step stays open until the next step or
// the finish (the engine has no subscribers here). When its commit fails
// (a deferred constraint), the step failed as if its own commit had failed:
// it is saved as failed, its compensation runs, the steps before it are
// compensated, and the run reverts, whether the failure shows at the next
// step or at the finish.
func TestHeldStepCommitFails(t *testing.T) {
	h := pgHarness(t, backends[1]) // the fast path
	if _, err := h.pool.Exec(ctx(), `CREATE TABLE deferred_item (name text UNIQUE DEFERRABLE INITIALLY DEFERRED);
INSERT INTO deferred_item VALUES ('dup')`); err != nil {
		t.Fatal(err)
	}
	insert := func(name, table string) *workflows.Step[string, string, string] {
		return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, v string) (string, string, error) {
			_, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO `+table+` (name) VALUES ($1)`, v)
			return v, name, err
		}, func(ctx context.Context, sc workflows.StepContext, comp string) error {
			_, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, "compensated "+comp)
			return err
		})
	}
	a, b, c := insert("a", "item"), insert("b", "deferred_item"), insert("c", "item")
	for _, next := range []bool{false, true} {
		name := "at the finish"
		if next {
			name = "at the next step"
		}
		t.Run(name, func(t *testing.T) {
			if _, err := h.pool.Exec(ctx(), `TRUNCATE item`); err != nil {
				t.Fatal(err)
			}
			wf := workflows.New("held-"+strings.ReplaceAll(name, " ", "-"), func(wc *workflows.Context, in string) (string, error) {
				if _, err := a.Run(wc, in); err != nil {
					return "", err
				}
				if _, err := b.Run(wc, "dup"); err != nil {
					return "", err
				}
				if next {
					return c.Run(wc, in+"-c")
				}
				return in, nil
			}, workflows.WithRetention(-1))
			var info workflows.RunInfo
			_, err := wf.Run(ctx(), h.root.Scope(), "x", workflows.WithInfo(&info))
			var re *workflows.RunError
			if !errors.As(err, &re) || re.State != workflows.RunReverted || len(re.Errors) != 1 || re.Errors[0].Step != "b" || !strings.Contains(re.Errors[0].Error(), "checkpoint:") {
				t.Fatalf("run error %v", err)
			}
			view, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: wf.Name(), TransactionID: info.TransactionID})
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, st := range view.Steps {
				states = append(states, st.Name+":"+string(st.State))
			}
			if view.State != workflows.RunReverted || strings.Join(states, " ") != "a:reverted b:reverted" {
				t.Fatalf("run %s, steps %v", view.State, states)
			}
			rows, err := h.pool.Query(ctx(), `SELECT name FROM item ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				names = append(names, n)
			}
			if got := strings.Join(names, ","); got != "compensated a,compensated b,x" {
				t.Fatalf("items %s", got)
			}
		})
	}
}

// Callbacks a step registers with db.AfterCommit run once its (held)
// transaction has committed: they see the step's writes from another
// connection.
func TestHeldStepAfterCommit(t *testing.T) {
	h := pgHarness(t, backends[1]) // the fast path
	seen := -1
	s := workflows.NewStep("insert", func(ctx context.Context, sc workflows.StepContext, v string) (string, struct{}, error) {
		if _, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, v); err != nil {
			return "", struct{}{}, err
		}
		db.AfterCommit(ctx, func(context.Context) {
			_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM item WHERE name = $1`, v).Scan(&seen)
		})
		return v, struct{}{}, nil
	}, nil)
	wf := workflows.New("held-after-commit", func(wc *workflows.Context, in string) (string, error) {
		out, err := s.Run(wc, in)
		if err != nil || seen != -1 {
			return "", errors.Join(err, errors.New("the callback ran before the finish"))
		}
		return out, nil
	})
	if _, err := wf.Run(ctx(), h.root.Scope(), "v"); err != nil {
		t.Fatal(err)
	}
	if seen != 1 {
		t.Fatalf("the callback saw %d rows", seen)
	}
}

// Database-only steps share one transaction (each after a savepoint). A
// joined step that fails (here an immediate unique violation, which aborts
// the transaction) is rolled back to its savepoint: the steps before it
// keep their writes, commit, and are compensated with it, as when every
// step committed on its own. When the shared transaction's commit fails,
// every step in it failed: each is saved as failed and compensated.
func TestJoinedSteps(t *testing.T) {
	h := pgHarness(t, backends[1]) // the fast path
	if _, err := h.pool.Exec(ctx(), `CREATE TABLE deferred_item (name text UNIQUE DEFERRABLE INITIALLY DEFERRED);
INSERT INTO deferred_item VALUES ('dup'); INSERT INTO item (name) VALUES ('taken')`); err != nil {
		t.Fatal(err)
	}
	insert := func(name, table string) *workflows.Step[string, string, string] {
		return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, v string) (string, string, error) {
			_, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO `+table+` (name) VALUES ($1)`, v)
			return v, name, err
		}, func(ctx context.Context, sc workflows.StepContext, comp string) error {
			_, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, "compensated "+comp)
			return err
		}, workflows.WithDatabaseOnly())
	}
	a, b, c := insert("a", "item"), insert("b", "item"), insert("c", "deferred_item")
	cases := []struct {
		name, second, arg string
		wantSteps         string
		wantErrs          []string
		wantItems         string
	}{
		{"a joined step fails", "b", "taken", "a:reverted b:reverted", []string{"b"}, "compensated a,compensated b,taken,x"},
		{"the shared commit fails", "c", "dup", "a:reverted c:reverted", []string{"a", "c"}, "compensated a,compensated c,taken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.pool.Exec(ctx(), `DELETE FROM item WHERE name <> 'taken'`); err != nil {
				t.Fatal(err)
			}
			second := b
			if tc.second == "c" {
				second = c
			}
			wf := workflows.New("joined-"+tc.second, func(wc *workflows.Context, in string) (string, error) {
				if _, err := a.Run(wc, in); err != nil {
					return "", err
				}
				return second.Run(wc, tc.arg)
			}, workflows.WithRetention(-1))
			var info workflows.RunInfo
			_, err := wf.Run(ctx(), h.root.Scope(), "x", workflows.WithInfo(&info))
			var re *workflows.RunError
			if !errors.As(err, &re) || re.State != workflows.RunReverted || len(re.Errors) != len(tc.wantErrs) {
				t.Fatalf("run error %v", err)
			}
			for i, se := range re.Errors {
				if se.Step != tc.wantErrs[i] {
					t.Fatalf("errors %v, want steps %v", re.Errors, tc.wantErrs)
				}
			}
			view, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: wf.Name(), TransactionID: info.TransactionID})
			if err != nil {
				t.Fatal(err)
			}
			var states []string
			for _, st := range view.Steps {
				states = append(states, st.Name+":"+string(st.State))
			}
			if view.State != workflows.RunReverted || strings.Join(states, " ") != tc.wantSteps {
				t.Fatalf("run %s, steps %v", view.State, states)
			}
			rows, err := h.pool.Query(ctx(), `SELECT name FROM item ORDER BY name`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				names = append(names, n)
			}
			if got := strings.Join(names, ","); got != tc.wantItems {
				t.Fatalf("items %s, want %s", got, tc.wantItems)
			}
		})
	}
}

// WithCommitPerStep: every step commits when it ends, so its after-commit
// callbacks run before the workflow function goes on.
func TestCommitPerStep(t *testing.T) {
	h := backends[1].new(t, workflows.WithCommitPerStep())
	if _, err := h.pool.Exec(ctx(), `CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	seen := -1
	s := workflows.NewStep("insert", func(ctx context.Context, sc workflows.StepContext, v string) (string, struct{}, error) {
		if _, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, v); err != nil {
			return "", struct{}{}, err
		}
		db.AfterCommit(ctx, func(context.Context) {
			_ = h.pool.QueryRow(context.Background(), `SELECT count(*) FROM item WHERE name = $1`, v).Scan(&seen)
		})
		return v, struct{}{}, nil
	}, nil, workflows.WithDatabaseOnly())
	wf := workflows.New("commit-per-step", func(wc *workflows.Context, in string) (string, error) {
		out, err := s.Run(wc, in)
		if err == nil && seen != 1 {
			return "", errors.New("the step had not committed when it returned")
		}
		return out, err
	})
	if _, err := wf.Run(ctx(), h.root.Scope(), "v"); err != nil {
		t.Fatal(err)
	}
}

// pgstore.WithoutFastPath: the engine writes the run's record before its
// first step, and every step commits when it ends (nothing is held); with
// the fast path, the first database-only step writes the run's record and
// its transaction is still open when the workflow function goes on.
func TestWithoutFastPath(t *testing.T) {
	for _, c := range []struct {
		b         backend
		committed bool // the first step's work is visible when it returns
	}{{backends[1], false}, {backends[2], true}} {
		t.Run(c.b.name, func(t *testing.T) {
			h := pgHarness(t, c.b)
			visible := func() (items, runs int) {
				if err := h.pool.QueryRow(ctx(), `SELECT (SELECT count(*) FROM item), (SELECT count(*) FROM workflow_run)`).Scan(&items, &runs); err != nil {
					t.Fatal(err)
				}
				return items, runs
			}
			s := workflows.NewStep("insert", func(ctx context.Context, sc workflows.StepContext, v string) (string, struct{}, error) {
				_, err := db.Conn(ctx, h.pool).Exec(ctx, `INSERT INTO item (name) VALUES ($1)`, v)
				return v, struct{}{}, err
			}, nil, workflows.WithDatabaseOnly())
			var items, runs int
			wf := workflows.New("fast-path-"+c.b.name, func(wc *workflows.Context, in string) (string, error) {
				out, err := s.Run(wc, in)
				items, runs = visible()
				return out, err
			}, workflows.WithRetention(-1))
			if _, err := wf.Run(ctx(), h.root.Scope(), "v"); err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 1, false: 0}[c.committed]; items != want || runs != want {
				t.Fatalf("after the first step, other connections see %d items and %d runs; want %d", items, runs, want)
			}
			if items, runs := visible(); items != 1 || runs != 1 {
				t.Fatalf("after the run: %d items, %d runs", items, runs)
			}
		})
	}
}
