package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

// The crash windows of a run whose record is written by its first step
// (WithDatabaseOnly, generated transaction id) and that finishes by
// releasing its events and deleting itself in one transaction, on the
// durable event bus (framework/eventbus, insert-only: no worker). The child
// process runs "crashy-bus": step 1 inserts (1, 'invoke') and emits one
// grouped event, step 2 inserts (2, 'invoke'); both are database-only.

// killingBus is the durable bus; its ReleaseGroup SIGKILLs the process after
// the release's statements, before the finishing transaction commits, when
// the kill point is "release".
type killingBus struct {
	*eventbus.Bus
	kill bool
}

func (b *killingBus) ReleaseGroup(ctx context.Context, groupID string) error {
	err := b.Bus.ReleaseGroup(ctx, groupID)
	if b.kill {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	return err
}

// With split, step 2 has a timeout, so it cannot join step 1's transaction:
// step 1 commits when step 2 starts, and step 2's transaction is held until
// the finish joins it. Without split both steps and the finish share one
// transaction.
func busCrashWorkflow(pool *pgxpool.Pool, killAt string, split bool) *workflows.Workflow[int, int] {
	step := func(n int, emit bool, opts ...workflows.StepOption) *workflows.Step[int, int, int] {
		return workflows.NewStep(fmt.Sprintf("step-%d", n), func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
			if _, err := db.Conn(ctx, pool).Exec(ctx, `INSERT INTO effects (step, kind) VALUES ($1, 'invoke')`, n); err != nil {
				return 0, 0, err
			}
			if emit {
				b := container.MustResolve(sc.Container, events.BusKey)
				m, err := events.New("crash.happened", map[string]int{"step": n}, events.Metadata{EventGroupID: sc.EventGroupID})
				if err != nil {
					return 0, 0, err
				}
				if err := b.Emit(ctx, m); err != nil {
					return 0, 0, err
				}
			}
			if killAt == fmt.Sprintf("invoke:%d", n) {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
			return in + n, 0, nil
		}, nil, append(opts, workflows.WithDatabaseOnly())...)
	}
	var opts []workflows.StepOption
	if split {
		opts = append(opts, workflows.WithStepTimeout(time.Minute))
	}
	s1, s2 := step(1, true), step(2, false, opts...)
	return workflows.New("crashy-bus", func(wc *workflows.Context, in int) (int, error) {
		a, err := s1.Run(wc, in)
		if err != nil {
			return 0, err
		}
		return s2.Run(wc, a)
	})
}

// busCrashChild is the child process of TestCrashFoldedRunRecord: mode
// "bus-run" runs crashy-bus with a generated transaction id, "bus-recover"
// recovers.
func busCrashChild() int {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv(childURL))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer pool.Close()
	killAt := os.Getenv(childAt)
	root := container.New()
	je, err := jobs.New(pool, root, jobs.Options{Mode: jobs.ModeServer, Logger: quiet})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	eb, err := eventbus.New(je, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := eb.Subscribe(eventbus.Subscriber{ID: "crash-sub", Events: []string{"crash.happened"},
		Handler: func(context.Context, *container.Container, events.Message) error { return nil }}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	container.MustRegister(root, events.BusKey, events.Bus(&killingBus{Bus: eb, kill: killAt == "release"}))
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithLogger(quiet), workflows.WithContainer(root))
	wf := busCrashWorkflow(pool, killAt, os.Getenv(childFail) == "1")
	if err := eng.Register(wf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
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
	switch os.Getenv(childEnv) {
	case "bus-run":
		out, err := wf.Run(ctx, nil, 10, workflows.WithEngine(eng))
		fmt.Println("finished without crash:", out, err)
		if err != nil {
			return 1
		}
		return 3
	case "bus-recover":
		keys, err := eng.Recover(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		for _, k := range keys {
			if err := eng.Wait(ctx, k); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 2
			}
		}
		fmt.Println("recovered", len(keys))
		return 0
	}
	return 2
}

// TestCrashFoldedRunRecord kills the process inside the first step (its
// transaction, which also holds the run's record, is open), right after the
// first step's success (a subscriber: nothing is held), inside the second
// step, and inside the finishing transaction (events released, run not yet
// deleted), then recovers in a second process. When both steps share the
// first step's transaction (joined), a crash anywhere before the finish's
// commit leaves nothing at all (the run did not happen, nothing is
// recovered); when the second step cannot join (split), the first step
// committed and the run is recovered: each step's effect and the event's
// delivery exist exactly once.
func TestCrashFoldedRunRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("crash tests start child processes")
	}
	cases := []struct {
		killAt    string
		split     bool
		recovered int  // runs the second process recovers
		done      bool // the run's effects exist after recovery
	}{
		{"invoke:1", false, 0, false},
		{"after:1", false, 1, true},
		{"invoke:2", false, 0, false},
		{"release", false, 0, false},
		{"", false, 0, true}, // no crash: the run finishes in the first process
		{"invoke:2", true, 1, true},
		{"release", true, 1, true},
		{"", true, 0, true},
	}
	for _, c := range cases {
		name := c.killAt
		if name == "" {
			name = "none"
		}
		if c.split {
			name += "-split"
		} else {
			name += "-joined"
		}
		t.Run(name, func(t *testing.T) {
			url := pgtest.NewURL(t, migrations.Source(), jobsmig.Source, busmig.Source)
			pool, err := pgxpool.New(ctx(), url)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			if _, err := pool.Exec(ctx(), `CREATE TABLE effects (step int NOT NULL, kind text NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			out, err := runChild(t, url, "bus-run", c.killAt, "", c.split)
			var ee *exec.ExitError
			if c.killAt == "" {
				if !errors.As(err, &ee) || ee.ExitCode() != 3 {
					t.Fatalf("child: %v\n%s", err, out)
				}
			} else if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die by SIGKILL: %v\n%s", err, out)
			}
			runs := count(t, pool, `SELECT count(*) FROM workflow_run`)
			held := count(t, pool, `SELECT count(*) FROM event_bus_held`)
			deliveries := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event'`)
			// Until the finishing transaction commits the event stays held
			// and undelivered; a crash inside it loses neither.
			wantHeld, wantDeliveries := c.recovered, 0
			if c.killAt == "" {
				wantDeliveries = 1
			}
			if runs != c.recovered || held != wantHeld || deliveries != wantDeliveries {
				t.Fatalf("after the first process: %d runs, %d held, %d deliveries; want %d, %d, %d",
					runs, held, deliveries, c.recovered, wantHeld, wantDeliveries)
			}
			out, err = runChild(t, url, "bus-recover", "", "", c.split)
			if err != nil || !strings.Contains(out, fmt.Sprintf("recovered %d", c.recovered)) {
				t.Fatalf("recover child: %v\n%s", err, out)
			}
			want := map[string]int{"effects 1": 0, "effects 2": 0, "deliveries": 0, "held": 0, "runs": 0, "steps": 0}
			if c.done {
				want["effects 1"], want["effects 2"], want["deliveries"] = 1, 1, 1
			}
			got := map[string]int{
				"effects 1":  count(t, pool, `SELECT count(*) FROM effects WHERE step = 1`),
				"effects 2":  count(t, pool, `SELECT count(*) FROM effects WHERE step = 2`),
				"deliveries": count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event'`),
				"held":       count(t, pool, `SELECT count(*) FROM event_bus_held`),
				"runs":       count(t, pool, `SELECT count(*) FROM workflow_run`),
				"steps":      count(t, pool, `SELECT count(*) FROM workflow_step`),
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("after recovery %v, want %v", got, want)
			}
		})
	}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx(), sql).Scan(&n); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
