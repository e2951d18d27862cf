package eventbus_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

// deliveries records each handler call with its Delivery.
type deliveries struct {
	mu  sync.Mutex
	got []eventbus.Delivery
}

func (r *deliveries) add(ctx context.Context) eventbus.Delivery {
	d, _ := eventbus.DeliveryFrom(ctx)
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
	return d
}

func (r *deliveries) of(eventID string) []eventbus.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []eventbus.Delivery
	for _, d := range r.got {
		if d.EventID == eventID {
			out = append(out, d)
		}
	}
	return out
}

func (r *deliveries) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// On a working instance, an event emitted after the start is delivered by
// the instance itself: attempt 1 without a River job, the outbox row gone
// afterwards; nothing of a rolled-back transaction is delivered; a failure
// continues as a River job (attempt 2), a panic too, and a subscriber that
// allows one attempt is dead-lettered at once.
func TestDirectDelivery(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	bus, e := newBus(t, pool, jobs.ModeShared, nil)
	rec := &deliveries{}
	fast := func(int) time.Duration { return 10 * time.Millisecond }
	subs := []eventbus.Subscriber{
		{ID: "ok", Events: []string{"thing.created"}, Handler: func(ctx context.Context, _ *container.Container, _ events.Message) error {
			rec.add(ctx)
			return nil
		}},
		{ID: "flaky", Events: []string{"flaky.created"}, Backoff: fast, Handler: func(ctx context.Context, _ *container.Container, _ events.Message) error {
			if d := rec.add(ctx); d.Attempt == 1 {
				return errors.New("first attempt fails")
			}
			return nil
		}},
		{ID: "panics", Events: []string{"panic.created"}, Backoff: fast, Handler: func(ctx context.Context, _ *container.Container, _ events.Message) error {
			if d := rec.add(ctx); d.Attempt == 1 {
				panic("handler bug")
			}
			return nil
		}},
		{ID: "once", Events: []string{"once.created"}, MaxAttempts: 1, Handler: func(ctx context.Context, _ *container.Container, _ events.Message) error {
			rec.add(ctx)
			return errors.New("no second chance")
		}},
	}
	for _, s := range subs {
		if err := bus.Subscribe(s); err != nil {
			t.Fatal(err)
		}
	}
	testkit.StartJobs(t, e)

	emit := func(name, id string, rollback bool) {
		t.Helper()
		m := msg(t, name, nil)
		m.ID = id
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			if err := bus.Emit(ctx, m); err != nil {
				return err
			}
			if rollback {
				return errors.New("roll back")
			}
			return nil
		})
		if rollback != (err != nil) {
			t.Fatalf("emit %s: %v", id, err)
		}
	}
	emit("thing.created", "evt_rolled_back", true)
	emit("thing.created", "evt_ok", false)
	if err := bus.Emit(ctx, msg(t, "thing.created", nil)); err != nil { // outside a transaction
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "two direct deliveries", func() bool { return rec.len() >= 2 })
	if got := rec.of("evt_rolled_back"); len(got) != 0 {
		t.Fatalf("rolled-back event delivered: %+v", got)
	}
	if got := rec.of("evt_ok"); len(got) != 1 || got[0].Attempt != 1 || got[0].JobID != 0 || got[0].MaxAttempts != eventbus.DefaultMaxAttempts {
		t.Fatalf("direct delivery %+v, want one attempt 1 without a job", got)
	}
	pgtest.WaitFor(t, "the outbox to empty", func() bool { return outboxCount(t, pool) == 0 })
	if n := jobCount(t, pool, `true`); n != 0 {
		t.Fatalf("direct deliveries made %d River jobs", n)
	}

	emit("flaky.created", "evt_flaky", false)
	emit("panic.created", "evt_panic", false)
	emit("once.created", "evt_once", false)
	for _, id := range []string{"evt_flaky", "evt_panic"} {
		pgtest.WaitFor(t, id+" retried", func() bool { return len(rec.of(id)) == 2 })
		got := rec.of(id)
		if got[0].Attempt != 1 || got[0].JobID != 0 || got[1].Attempt != 2 || got[1].JobID == 0 || got[1].MaxAttempts != eventbus.DefaultMaxAttempts {
			t.Fatalf("%s deliveries %+v: want attempt 1 direct, attempt 2 as a job of %d attempts", id, got, eventbus.DefaultMaxAttempts)
		}
	}
	var dead []eventbus.DeadLetter
	pgtest.WaitFor(t, "the one-attempt dead letter", func() bool {
		var err error
		dead, err = bus.DeadLetters(ctx, "once", 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(dead) == 1
	})
	if d := dead[0]; d.Event.ID != "evt_once" || d.Attempts != 1 || len(d.Errors) != 1 || d.Errors[0] == "" || d.FinalizedAt.IsZero() {
		t.Fatalf("dead letter %+v", d)
	}
	if got := rec.of("evt_once"); len(got) != 1 {
		t.Fatalf("one-attempt subscriber called %d times", len(got))
	}
	// The panic's error names it.
	var perr string
	if err := pool.QueryRow(ctx, `SELECT errors[1]->>'error' FROM river_job WHERE args->'event'->>'id' = 'evt_panic'`).Scan(&perr); err != nil {
		t.Fatal(err)
	}
	if want := "panic: handler bug"; !strings.Contains(perr, want) {
		t.Fatalf("recorded error %q does not contain %q", perr, want)
	}
	pgtest.WaitFor(t, "the outbox to empty", func() bool { return outboxCount(t, pool) == 0 })
}

// A full direct queue sends the overflow to River at once; Stop turns the
// deliveries still waiting into River jobs and lets the running one finish;
// every event is delivered exactly once in the end.
func TestDirectOverflowAndStop(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	e := testkit.Jobs(t, pool, nil, jobs.Options{Mode: jobs.ModeShared, Configure: testkit.FastRiver})
	bus, err := eventbus.New(e, 1, eventbus.WithDirectQueue(1))
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	rec := &deliveries{}
	started := make(chan string, 10)
	if err := bus.Subscribe(eventbus.Subscriber{ID: "slow", Events: []string{"x"}, Handler: func(ctx context.Context, _ *container.Container, m events.Message) error {
		rec.add(ctx)
		started <- m.ID
		<-gate
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	emit := func(id string) {
		t.Helper()
		m := msg(t, "x", nil)
		m.ID = id
		if err := bus.Emit(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	emit("evt_1")
	if got := <-started; got != "evt_1" {
		t.Fatalf("started %s", got)
	}
	emit("evt_2") // waits in the queue: the only handler slot is busy
	emit("evt_3") // the queue is full: a River job
	if n := jobCount(t, pool, `args->'event'->>'id' = 'evt_3'`); n != 1 {
		t.Fatalf("overflow made %d jobs, want 1", n)
	}
	if n := jobCount(t, pool, `args->'event'->>'id' = 'evt_2'`); n != 0 {
		t.Fatal("the queued delivery became a job before Stop")
	}
	// Stop while evt_1 runs: evt_2 becomes a job, evt_1 finishes once the
	// gate opens.
	time.AfterFunc(300*time.Millisecond, func() { close(gate) })
	stopCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := e.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	if n := jobCount(t, pool, `args->'event'->>'id' = 'evt_2'`); n != 1 {
		t.Fatalf("Stop left evt_2 as %d jobs, want 1", n)
	}
	if n := outboxCount(t, pool); n != 0 {
		t.Fatalf("%d outbox rows after Stop", n)
	}
	// Another instance delivers what is left.
	bus2, e2 := newBus(t, pool, jobs.ModeWorker, nil)
	if err := bus2.Subscribe(eventbus.Subscriber{ID: "slow", Events: []string{"x"}, Handler: func(ctx context.Context, _ *container.Container, m events.Message) error {
		rec.add(ctx)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e2)
	pgtest.WaitFor(t, "all three delivered", func() bool {
		return len(rec.of("evt_1")) >= 1 && len(rec.of("evt_2")) >= 1 && len(rec.of("evt_3")) >= 1
	})
	pgtest.WaitFor(t, "the jobs to complete", func() bool { return jobCount(t, pool, `state = 'completed'`) == 2 })
	for _, id := range []string{"evt_1", "evt_2", "evt_3"} {
		if got := rec.of(id); len(got) != 1 {
			t.Fatalf("%s delivered %d times: %+v", id, len(got), got)
		}
	}
}

// A direct delivery that runs longer than its lease keeps it (renewal), so
// another instance's sweep does not take it over; rows whose lease ran out
// (an instance that died) are turned into River jobs by exactly one of
// several concurrent sweeps.
func TestDirectLeaseAndSweep(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	lease := 300 * time.Millisecond
	a, ae := newBus(t, pool, jobs.ModeShared, nil, eventbus.WithDirectLease(lease))
	b, be := newBus(t, pool, jobs.ModeWorker, nil, eventbus.WithSweepInterval(20*time.Millisecond))
	var onA, onB atomic.Int32
	for _, x := range []struct {
		bus *eventbus.Bus
		n   *atomic.Int32
	}{{a, &onA}, {b, &onB}} {
		n := x.n
		if err := x.bus.Subscribe(eventbus.Subscriber{ID: "long", Events: []string{"long.created"}, Handler: func(ctx context.Context, _ *container.Container, _ events.Message) error {
			n.Add(1)
			select {
			case <-time.After(4 * lease):
			case <-ctx.Done():
				return ctx.Err()
			}
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.StartJobs(t, ae)
	testkit.StartJobs(t, be)
	if err := a.Emit(ctx, msg(t, "long.created", nil)); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "A to deliver", func() bool { return onA.Load() == 1 && outboxCount(t, pool) == 0 })
	if onB.Load() != 0 || jobCount(t, pool, `true`) != 0 {
		t.Fatalf("a running direct delivery was taken over: B ran %d, %d jobs", onB.Load(), jobCount(t, pool, `true`))
	}

	// Rows of a dead instance: written as A writes them, never delivered.
	const n = 300
	if _, err := pool.Exec(ctx, `INSERT INTO event_bus_outbox (id, subscriber_id, message, lease_until)
SELECT 'dead_' || lpad(g::text, 4, '0'), 'nobody', jsonb_build_object('id', 'evt_dead_' || g, 'name', 'dead.created', 'data', null), now() - interval '1 second'
FROM generate_series(1, $1) g`, n); err != nil {
		t.Fatal(err)
	}
	var moved atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			k, err := a.Sweep(ctx)
			if err != nil {
				t.Error(err)
			}
			moved.Add(int64(k))
		})
	}
	wg.Wait()
	// B's own periodic sweep may have moved some too.
	pgtest.WaitFor(t, "every dead row moved", func() bool { return outboxCount(t, pool) == 0 })
	if got := jobCount(t, pool, `args->>'subscriber' = 'nobody'`); got != n {
		t.Fatalf("%d jobs for %d dead rows", got, n)
	}
	if dup := count(t, pool, `SELECT count(*) FROM (SELECT 1 FROM river_job GROUP BY args->'event'->>'id' HAVING count(*) > 1) d`); dup != 0 {
		t.Fatalf("%d rows moved twice", dup)
	}
	t.Logf("the three explicit sweeps moved %d of %d rows", moved.Load(), n)
}

// A working instance killed with direct deliveries in hand (one stuck in
// its handler) loses none: once the lease runs out, a surviving instance's
// sweep turns them into River jobs and delivers them.
func TestDirectDeliveriesOfAKilledInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	url, pool := appDatabase(t)
	a := startInstance(t, url, "instance-a", childEmitEnv+"=evt_d")
	pgtest.WaitFor(t, "A's direct deliveries", func() bool {
		return count(t, pool, `SELECT count(*) FROM effect WHERE instance = 'instance-a'`) == 20 &&
			count(t, pool, `SELECT count(*) FROM delivery_log WHERE event_id = 'evt_dslow' AND instance = 'instance-a'`) == 1
	})
	if n := count(t, pool, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event'`); n != 0 {
		t.Fatalf("A's direct deliveries made %d River jobs", n)
	}
	// The delivered rows are deleted in batches, the stuck one stays.
	pgtest.WaitFor(t, "one outbox row: the stuck delivery's", func() bool {
		return count(t, pool, `SELECT count(*) FROM event_bus_outbox`) == 1
	})
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	killedAt := time.Now()

	bus, e := newBus(t, pool, jobs.ModeWorker, container.New(), eventbus.WithSweepInterval(100*time.Millisecond))
	if err := registerApp(bus, e, pool, survivor); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	pgtest.WaitFor(t, "the survivor to finish the stuck delivery", func() bool {
		return count(t, pool, `SELECT count(*) FROM effect WHERE event_id = 'evt_dslow' AND instance = $1`, survivor) == 1
	})
	t.Logf("stuck delivery finished %s after the kill (A's lease: 1s)", time.Since(killedAt).Round(10*time.Millisecond))
	if n := count(t, pool, `SELECT count(*) FROM event_bus_outbox`); n != 0 {
		t.Fatalf("%d outbox rows left", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM (SELECT 1 FROM effect GROUP BY subscriber, event_id HAVING count(*) > 1) d`); n != 0 {
		t.Fatalf("%d (subscriber, event) pairs applied more than once", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM effect`); n != 21 {
		t.Fatalf("%d effects, want 10 events × 2 subscribers + 1 slow = 21", n)
	}
}

// A bulk Emit makes direct deliveries of as many events as the direct queue
// has room for and River jobs of the rest, in the emitting transaction (in
// chunks: more than two of them here); every event is delivered once, and
// a rolled-back bulk Emit stores nothing.
func TestDirectBulkEmit(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	bus, e := newBus(t, pool, jobs.ModeShared, nil, eventbus.WithDirectQueue(8))
	gate := make(chan struct{})
	var delivered atomic.Int64
	seen := sync.Map{}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "bulk", Events: []string{"x"}, Handler: func(ctx context.Context, _ *container.Container, m events.Message) error {
		<-gate
		if _, dup := seen.LoadOrStore(m.ID, true); !dup {
			delivered.Add(1)
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	const n = 10_001 // two full River insert chunks and one more row, plus the direct ones
	msgs := make([]events.Message, n+8)
	for i := range msgs {
		msgs[i] = msg(t, "x", i)
	}
	err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := bus.Emit(ctx, msgs...); err != nil {
			return err
		}
		if jobs, rows := jobCount(t, tx, "true"), outboxCount(t, tx); jobs != n || rows != 8 {
			t.Errorf("in the transaction: %d jobs and %d outbox rows, want %d and 8", jobs, rows, n)
		}
		return errors.New("roll back")
	})
	if err == nil || jobCount(t, pool, "true") != 0 || outboxCount(t, pool) != 0 {
		t.Fatalf("rolled back bulk Emit (%v) left %d jobs, %d outbox rows", err, jobCount(t, pool, "true"), outboxCount(t, pool))
	}
	if err := bus.Emit(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	close(gate)
	pgtest.WaitFor(t, "every event delivered", func() bool { return delivered.Load() == int64(len(msgs)) })
}
