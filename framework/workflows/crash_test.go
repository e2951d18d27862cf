package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
)

// The crash tests run the workflow below in a child process (this test
// binary re-executed with childEnv set), SIGKILL it inside a step (with the
// step's transaction open) or inside a compensation, start a second child
// that recovers the run, and check in the database that every step's side
// effect happened exactly once.

const (
	childEnv   = "WF_CRASH_CHILD" // "run" or "recover"
	childURL   = "WF_CRASH_URL"
	childAt    = "WF_CRASH_AT" // "invoke:<k>", "compensate:<k>" or "after:<k>"
	childFail  = "WF_CRASH_FAIL"
	childTx    = "WF_CRASH_TX"
	childPlain = "WF_CRASH_PLAIN" // "1": the store's fast path off
	crashSteps = 4
)

type crashIn struct {
	Fail bool `json:"fail"`
}

// crashWorkflow has crashSteps steps; step i inserts (i, 'invoke') into
// effects in its transaction and its compensation inserts (i, 'compensate').
// With Fail, the last step fails permanently after its insert. killAt names
// where to SIGKILL the process.
func crashWorkflow(pool *pgxpool.Pool, killAt string) *workflows.Workflow[crashIn, int] {
	kill := func(where string) {
		if where == killAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // never returns
		}
	}
	steps := make([]*workflows.Step[int, int, int], crashSteps)
	for i := range steps {
		n := i + 1
		steps[i] = workflows.NewStep(fmt.Sprintf("step-%d", n), func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
			err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO effects (step, kind) VALUES ($1, 'invoke')`, n)
				return err
			})
			if err != nil {
				return 0, 0, err
			}
			kill(fmt.Sprintf("invoke:%d", n))
			if n == crashSteps && in < 0 {
				return 0, 0, workflows.PermanentFailure("last step fails")
			}
			return in + n, n, nil
		}, func(ctx context.Context, sc workflows.StepContext, comp int) error {
			if comp == 0 {
				return nil // the failing step: its insert was rolled back
			}
			err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO effects (step, kind) VALUES ($1, 'compensate')`, comp)
				return err
			})
			kill(fmt.Sprintf("compensate:%d", comp))
			return err
		})
	}
	return workflows.New("crashy", func(wc *workflows.Context, in crashIn) (int, error) {
		acc := 0
		if in.Fail {
			acc = -1000
		}
		for _, s := range steps {
			var err error
			if acc, err = s.Run(wc, acc); err != nil {
				return 0, err
			}
		}
		return acc, nil
	}, workflows.WithRetention(-1))
}

// asyncCrashWorkflow: step-1 inserts (1, 'invoke'), then the async step
// "approval" waits for its response, then step-3 inserts (3, 'invoke') and
// returns the response plus 1.
func asyncCrashWorkflow(pool *pgxpool.Pool) *workflows.Workflow[int, int] {
	insert := func(n int) *workflows.Step[int, int, int] {
		return workflows.NewStep(fmt.Sprintf("step-%d", n), func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
			_, err := db.Conn(ctx, pool).Exec(ctx, `INSERT INTO effects (step, kind) VALUES ($1, 'invoke')`, n)
			return in + 1, 0, err
		}, nil)
	}
	s1, s3 := insert(1), insert(3)
	approval := workflows.NewStep("approval", func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
		return 0, 0, nil
	}, nil, workflows.WithAsync())
	return workflows.New("asyncy", func(wc *workflows.Context, in int) (int, error) {
		a, err := s1.Run(wc, in)
		if err != nil {
			return 0, err
		}
		b, err := approval.Run(wc, a)
		if err != nil {
			return 0, err
		}
		return s3.Run(wc, b)
	}, workflows.WithRetention(-1))
}

func crashChild() int {
	if strings.HasPrefix(os.Getenv(childEnv), "bus-") {
		return busCrashChild()
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv(childURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer pool.Close()
	killAt := os.Getenv(childAt)
	var opts []pgstore.Option
	if os.Getenv(childPlain) == "1" {
		opts = append(opts, pgstore.WithoutFastPath())
	}
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool, opts...)), workflows.WithLogger(quiet))
	wf := crashWorkflow(pool, killAt)
	awf := asyncCrashWorkflow(pool)
	if err := eng.Register(wf, awf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if killAt == "awaiting" {
		eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepAwaiting {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		})
	}
	if strings.HasPrefix(killAt, "after:") {
		k := strings.TrimPrefix(killAt, "after:")
		eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepSuccess && ev.Step == "step-"+k {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		})
	}
	tx := os.Getenv(childTx)
	switch os.Getenv(childEnv) {
	case "run-async":
		_, err := awf.Run(ctx, nil, 1, workflows.WithEngine(eng), workflows.WithTransactionID(tx))
		fmt.Println("finished without crash:", err)
		return 3
	case "run":
		_, err := wf.Run(ctx, nil, crashIn{Fail: os.Getenv(childFail) == "1"}, workflows.WithEngine(eng), workflows.WithTransactionID(tx))
		fmt.Println("finished without crash:", err)
		return 3
	case "recover":
		var once sync.Once
		eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepBegin {
				once.Do(func() { fmt.Println("resumed") })
			}
		})
		keys, err := eng.Recover(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		for _, k := range keys {
			_ = eng.Wait(ctx, k)
		}
		fmt.Println("recovered", len(keys))
		return 0
	}
	return 2
}

func runChild(t *testing.T, url, mode, killAt, tx string, fail bool, extra ...string) (string, error) {
	t.Helper()
	env := []string{childEnv + "=" + mode, childURL + "=" + url, childAt + "=" + killAt, childTx + "=" + tx}
	if fail {
		env = append(env, childFail+"=1")
	}
	env = append(env, extra...)
	cmd := testkit.Child(t, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests start child processes")
	}
	cases := []struct {
		killAt string
		fail   bool
	}{
		{"invoke:1", false}, {"invoke:2", false}, {"invoke:4", false}, {"after:3", false},
		{"invoke:2", true}, {"compensate:3", true}, {"compensate:1", true},
	}
	// Both paths of the store: the fast one (held transactions, the run's
	// record with its first step) and the plain one (WithoutFastPath).
	for _, path := range []struct{ name, plain string }{{"fast", "0"}, {"plain", "1"}} {
		for _, c := range cases {
			name := c.killAt
			if c.fail {
				name += "-failing"
			}
			t.Run(path.name+"/"+name, func(t *testing.T) {
				plain := childPlain + "=" + path.plain
				url := pgtest.NewURL(t, migrations.Source())
				pool, err := pgxpool.New(ctx(), url)
				if err != nil {
					t.Fatal(err)
				}
				defer pool.Close()
				if _, err := pool.Exec(ctx(), `CREATE TABLE effects (step int NOT NULL, kind text NOT NULL)`); err != nil {
					t.Fatal(err)
				}
				out, err := runChild(t, url, "run", c.killAt, "tx-"+strconv.Itoa(len(name)), c.fail, plain)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
				}
				var state string
				if err := pool.QueryRow(ctx(), `SELECT state FROM workflow_run WHERE workflow_id = 'crashy'`).Scan(&state); err != nil {
					t.Fatal(err)
				}
				if state == string(workflows.RunDone) || state == string(workflows.RunReverted) {
					t.Fatalf("run already finished before the restart: %s", state)
				}
				out, err = runChild(t, url, "recover", "", "", false, plain)
				if err != nil || !strings.Contains(out, "recovered 1") {
					t.Fatalf("recover child: %v\n%s", err, out)
				}
				if err := pool.QueryRow(ctx(), `SELECT state FROM workflow_run WHERE workflow_id = 'crashy'`).Scan(&state); err != nil {
					t.Fatal(err)
				}
				counts := map[string]int{}
				rows, err := pool.Query(ctx(), `SELECT kind || ':' || step, count(*) FROM effects GROUP BY 1`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var k string
					var n int
					if err := rows.Scan(&k, &n); err != nil {
						t.Fatal(err)
					}
					counts[k] = n
				}
				want := map[string]int{}
				for i := 1; i <= crashSteps; i++ {
					if !c.fail {
						want[fmt.Sprintf("invoke:%d", i)] = 1
					} else if i < crashSteps {
						want[fmt.Sprintf("invoke:%d", i)] = 1
						want[fmt.Sprintf("compensate:%d", i)] = 1
					}
				}
				wantState := "done"
				if c.fail {
					wantState = "reverted"
				}
				if state != wantState || fmt.Sprint(counts) != fmt.Sprint(want) {
					t.Fatalf("after recovery: state %s, effects %v; want %s, %v", state, counts, wantState, want)
				}
			})
		}
	}
}

// TestCrashAsyncStep kills the process while an async step waits, completes
// the step from another engine while no process runs the workflow, and shows
// that the restarted process finishes the run without re-running step 1.
func TestCrashAsyncStep(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests start child processes")
	}
	url := pgtest.NewURL(t, migrations.Source())
	pool, err := pgxpool.New(ctx(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx(), `CREATE TABLE effects (step int NOT NULL, kind text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	out, err := runChild(t, url, "run-async", "awaiting", "a1", false)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
	}
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithLogger(quiet))
	key := workflows.RunKey{WorkflowID: "asyncy", TransactionID: "a1"}
	if err := eng.SetStepSuccess(ctx(), key, "approval", 40); err != nil {
		t.Fatal(err)
	}
	out, err = runChild(t, url, "recover", "", "", false)
	if err != nil || !strings.Contains(out, "recovered 1") {
		t.Fatalf("recover child: %v\n%s", err, out)
	}
	view, err := eng.GetRun(ctx(), key)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx(), `SELECT count(*) FROM effects WHERE kind = 'invoke' AND step = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if view.State != workflows.RunDone || string(view.Output.(json.RawMessage)) != "41" || n != 1 {
		t.Fatalf("run %s output %s, step 1 ran %d times", view.State, view.Output, n)
	}
}
