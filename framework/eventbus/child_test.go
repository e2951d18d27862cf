package eventbus_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/internal/testkit"
)

// childEnv, when set to a database URL, turns the test binary into one
// application instance (see childMain); childNameEnv names it.
const (
	childEnv     = "EVENTBUS_TEST_CHILD"
	childNameEnv = "EVENTBUS_TEST_CHILD_NAME"
	// childEmitEnv, when set, makes the child emit (itself, as direct
	// deliveries) ten thing.created events and one slow.created event, in
	// one transaction, before it reports ready; the events' ids start with
	// the variable's value.
	childEmitEnv = "EVENTBUS_TEST_CHILD_EMIT"
	// survivor is the instance name whose slow deliveries do not get stuck.
	survivor = "survivor"
)

// appTables are the tables the test application writes to.
const appTables = `
CREATE TABLE delivery_log (subscriber text NOT NULL, event_id text NOT NULL, instance text NOT NULL, attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
CREATE TABLE effect (subscriber text NOT NULL, event_id text NOT NULL, instance text NOT NULL);
CREATE TABLE tick_log (tick timestamptz NOT NULL, instance text NOT NULL, attempt int NOT NULL);`

// registerApp registers the test application's subscribers and scheduled
// job, identically in every instance (as a real application does).
func registerApp(bus *eventbus.Bus, e *jobs.Engine, pool *pgxpool.Pool, instance string) error {
	logDelivery := func(ctx context.Context) error {
		d, _ := eventbus.DeliveryFrom(ctx)
		_, err := pool.Exec(ctx, `INSERT INTO delivery_log (subscriber, event_id, instance, attempt) VALUES ($1, $2, $3, $4)`, d.SubscriberID, d.EventID, instance, d.Attempt)
		return err
	}
	effect := eventbus.Once(pool, func(ctx context.Context, _ *container.Container, m events.Message) error {
		d, _ := eventbus.DeliveryFrom(ctx)
		// db.Conn is the transaction Once opened, as in a service.
		_, err := db.Conn(ctx, pool).Exec(ctx, `INSERT INTO effect (subscriber, event_id, instance) VALUES ($1, $2, $3)`, d.SubscriberID, m.ID, instance)
		return err
	})
	backoff := func(int) time.Duration { return 100 * time.Millisecond }
	for _, id := range []string{"audit", "mailer"} {
		err := bus.Subscribe(eventbus.Subscriber{ID: id, Events: []string{"thing.created"}, Backoff: backoff,
			Handler: func(ctx context.Context, c *container.Container, m events.Message) error {
				if err := logDelivery(ctx); err != nil {
					return err
				}
				return effect(ctx, c, m)
			}})
		if err != nil {
			return err
		}
	}
	err := bus.Subscribe(eventbus.Subscriber{ID: "slow", Events: []string{"slow.created"}, Backoff: backoff,
		Handler: func(ctx context.Context, c *container.Container, m events.Message) error {
			if err := logDelivery(ctx); err != nil {
				return err
			}
			if d, _ := eventbus.DeliveryFrom(ctx); d.Attempt == 1 && instance != survivor {
				// Stuck mid-delivery (ignoring its context) until the process
				// is killed.
				time.Sleep(10 * time.Minute)
			}
			return effect(ctx, c, m)
		}})
	if err != nil {
		return err
	}
	// A tick is delivered at least once too (a tick running on a killed
	// instance is rescued and run again); MarkProcessed, keyed by the tick,
	// makes its effect apply once.
	return e.Schedule(jobs.Scheduled{Name: "tick", Cron: "* * * * * *", Handler: func(ctx context.Context, _ *container.Container, run jobs.Run) error {
		return db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			first, err := eventbus.MarkProcessed(ctx, tx, "scheduled:"+run.Name, run.Tick.Format(time.RFC3339Nano))
			if err != nil || !first {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO tick_log (tick, instance, attempt) VALUES ($1, $2, $3)`, run.Tick, instance, run.Attempt)
			return err
		})
	}})
}

// childMain runs one instance until SIGTERM (graceful stop) or SIGKILL.
func childMain() int {
	url, name := os.Getenv(childEnv), os.Getenv(childNameEnv)
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintf(os.Stderr, "child %s: %v\n", name, err); return 1 }
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fail(err)
	}
	defer pool.Close()
	e, err := jobs.New(pool, container.New(), jobs.Options{
		Mode: jobs.ModeWorker, ID: name, Logger: testkit.Logger(),
		JobTimeout: time.Second, RescueStuckJobsAfter: 2 * time.Second,
		Configure: testkit.FastRiver,
	})
	if err != nil {
		return fail(err)
	}
	bus, err := eventbus.New(e, 0, eventbus.WithDirectLease(time.Second))
	if err != nil {
		return fail(err)
	}
	if err := registerApp(bus, e, pool, name); err != nil {
		return fail(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	if err := e.Start(ctx); err != nil {
		return fail(err)
	}
	if prefix := os.Getenv(childEmitEnv); prefix != "" {
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			for i := range 10 {
				m, _ := events.New("thing.created", map[string]int{"i": i}, events.Metadata{Source: name})
				m.ID = fmt.Sprintf("%s%02d", prefix, i)
				if err := bus.Emit(ctx, m); err != nil {
					return err
				}
			}
			m, _ := events.New("slow.created", nil, events.Metadata{Source: name})
			m.ID = prefix + "slow"
			return bus.Emit(ctx, m)
		})
		if err != nil {
			return fail(err)
		}
	}
	fmt.Println("ready")
	<-sig
	stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.Stop(stopCtx); err != nil {
		return fail(err)
	}
	return 0
}

// instance is a child process.
type instance struct {
	name string
	cmd  *exec.Cmd
	errs *testkit.Buffer
}

func startInstance(t *testing.T, url, name string, env ...string) *instance {
	t.Helper()
	cmd := testkit.Child(t, append([]string{childEnv + "=" + url, childNameEnv + "=" + name}, env...)...)
	errs := &testkit.Buffer{}
	cmd.Stderr = errs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, cmd: cmd, errs: errs}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() && errs.Len() > 0 {
			t.Logf("instance %s stderr:\n%s", name, errs.String())
		}
	})
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if sc.Text() == "ready" && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("instance %s exited before it was ready: %s", name, errs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("instance %s not ready", name)
	}
	return in
}
