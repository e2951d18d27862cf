package eventbus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

type delivery struct {
	Sub, ID, Name string
	Attempt       int
}

// recorder collects deliveries.
type recorder struct {
	mu  sync.Mutex
	got []delivery
}

func (r *recorder) handler(fail func(d eventbus.Delivery) error) eventbus.Handler {
	return func(ctx context.Context, _ *container.Container, msg events.Message) error {
		d, _ := eventbus.DeliveryFrom(ctx)
		r.mu.Lock()
		r.got = append(r.got, delivery{Sub: d.SubscriberID, ID: msg.ID, Name: msg.Name, Attempt: d.Attempt})
		r.mu.Unlock()
		if fail != nil {
			return fail(d)
		}
		return nil
	}
}

func (r *recorder) list() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) count(sub string) int {
	n := 0
	for _, d := range r.list() {
		if d.Sub == sub {
			n++
		}
	}
	return n
}

func msg(t *testing.T, name string, data any) events.Message {
	t.Helper()
	m, err := events.New(name, data, events.Metadata{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func jobCount(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, where string, args ...any) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'medusa_event' AND `+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func outboxCount(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), `SELECT count(*) FROM event_bus_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An event emitted in a transaction exists iff that transaction committed.
func TestEmitInTransaction(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE widget (id text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	bus, e := newBus(t, pool, jobs.ModeShared, nil)
	rec := &recorder{}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "audit", Events: []string{"widget.created"}, Handler: rec.handler(nil)}); err != nil {
		t.Fatal(err)
	}

	create := func(id string, fail bool) (events.Message, error) {
		m := msg(t, "widget.created", map[string]string{"id": id})
		m.ID = "evt_" + id
		err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO widget (id) VALUES ($1)`, id); err != nil {
				return err
			}
			if err := bus.Emit(ctx, m); err != nil {
				return err
			}
			if fail {
				return errors.New("boom")
			}
			return nil
		})
		return m, err
	}
	rolledBack, err := create("w1", true)
	if err == nil {
		t.Fatal("want the transaction's error")
	}
	committed, err := create("w2", false)
	if err != nil {
		t.Fatal(err)
	}
	// Before any worker runs: the rolled-back event left nothing behind.
	if n := jobCount(t, pool, `args->'event'->>'id' = $1`, rolledBack.ID); n != 0 {
		t.Fatalf("rolled-back event has %d jobs", n)
	}
	if n := jobCount(t, pool, `args->'event'->>'id' = $1`, committed.ID); n != 1 {
		t.Fatalf("committed event has %d jobs, want 1", n)
	}

	testkit.StartJobs(t, e)
	pgtest.WaitFor(t, "the committed event", func() bool { return rec.count("audit") >= 1 })
	// Emit outside a transaction, then wait for it: by then the worker has
	// had every chance to deliver anything else that exists.
	if err := bus.Emit(ctx, msg(t, "widget.created", map[string]string{"id": "w3"})); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the event emitted outside a transaction", func() bool { return rec.count("audit") >= 2 })
	for _, d := range rec.list() {
		if d.ID == rolledBack.ID {
			t.Fatalf("rolled-back event delivered: %+v", d)
		}
	}
	got := rec.list()
	if got[0].ID != committed.ID || got[0].Attempt != 1 {
		t.Fatalf("first delivery %+v, want %s attempt 1", got[0], committed.ID)
	}
}

func TestGroupedEventsHeldUntilReleaseDroppedOnClear(t *testing.T) {
	t.Run("direct", func(t *testing.T) { testGroupedEvents(t, true) })
	t.Run("river", func(t *testing.T) { testGroupedEvents(t, false, eventbus.WithoutDirectDelivery()) })
}

func testGroupedEvents(t *testing.T, direct bool, opts ...eventbus.Option) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	bus, e := newBus(t, pool, jobs.ModeShared, nil, opts...)
	rec := &recorder{}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "s", Events: []string{eventbus.Wildcard}, Handler: rec.handler(nil)}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)

	gctx := events.WithGroup(ctx, "run_ok")
	a, b := msg(t, "a.created", 1), msg(t, "b.created", 2)
	if err := bus.Emit(gctx, a, b); err != nil {
		t.Fatal(err)
	}
	c := msg(t, "c.created", 3)
	c.Metadata.EventGroupID = "run_failed" // group from the metadata, not the ctx
	if err := bus.Emit(ctx, c); err != nil {
		t.Fatal(err)
	}
	held, err := bus.Held(ctx, "run_ok")
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 || held[0].Name != "a.created" || held[1].Name != "b.created" || held[0].Metadata.EventGroupID != "run_ok" || held[0].ID == "" {
		t.Fatalf("held = %+v", held)
	}
	if n := jobCount(t, pool, `true`); n != 0 {
		t.Fatalf("%d deliveries exist for held events", n)
	}

	// A release in a transaction that rolls back releases nothing.
	_ = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if err := bus.ReleaseGroup(ctx, "run_ok"); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	if held, _ := bus.Held(ctx, "run_ok"); len(held) != 2 {
		t.Fatalf("after a rolled-back release %d held, want 2", len(held))
	}

	if err := bus.ClearGroup(ctx, "run_failed"); err != nil {
		t.Fatal(err)
	}
	if err := bus.ReleaseGroup(ctx, "run_ok"); err != nil {
		t.Fatal(err)
	}
	if err := bus.ReleaseGroup(ctx, "run_ok"); err != nil { // twice: no-op
		t.Fatal(err)
	}
	if err := bus.ReleaseGroup(ctx, "run_failed"); err != nil { // cleared: nothing
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "released events", func() bool { return rec.count("s") >= 2 })
	// A sentinel, so that a wrongly released c would have had its chance.
	sentinel := msg(t, "z.done", nil)
	if err := bus.Emit(ctx, sentinel); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "sentinel", func() bool { return rec.count("s") >= 3 })
	// Released in emission order (a before b), each once; c never.
	names := make([]string, 0, 3)
	for _, d := range rec.list() {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"a.created", "b.created", "z.done"}) && !slices.Equal(names, []string{"b.created", "a.created", "z.done"}) {
		t.Fatalf("delivered %v", names)
	}
	if n := jobCount(t, pool, `args->'event'->>'name' = 'c.created'`); n != 0 {
		t.Fatalf("cleared event has %d deliveries", n)
	}
	var order []string
	rows, err := pool.Query(ctx, `SELECT args->'event'->>'name' FROM river_job ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if order, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if direct {
		// Delivered by this instance without River, and the outbox rows
		// are deleted once delivered.
		if len(order) != 0 {
			t.Fatalf("direct deliveries made River jobs: %v", order)
		}
		pgtest.WaitFor(t, "the outbox to empty", func() bool { return outboxCount(t, pool) == 0 })
	} else if !slices.Equal(order, []string{"a.created", "b.created", "z.done"}) {
		t.Fatalf("deliveries inserted in order %v", order)
	}

	if held, _ := bus.Held(ctx, "run_ok"); len(held) != 0 {
		t.Fatalf("still held after release: %v", held)
	}
	if err := bus.ReleaseGroup(ctx, ""); !merrors.Is(err, merrors.InvalidData) {
		t.Fatalf("empty group id: %v", err)
	}

	// A group nobody releases is pruned once old enough, not before.
	if err := bus.Emit(events.WithGroup(ctx, "run_lost"), msg(t, "d.created", 4)); err != nil {
		t.Fatal(err)
	}
	if n, err := bus.PruneHeld(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("prune young: %d, %v", n, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE event_bus_held SET created_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	if n, err := bus.PruneHeld(ctx, time.Hour); err != nil || n != 1 {
		t.Fatalf("prune old: %d, %v", n, err)
	}
}

// Failing deliveries are retried with the subscriber's backoff, then
// dead-lettered; a second subscriber of the same event is delivered once.
func TestRetriesBackoffDeadLetter(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	bus, e := newBus(t, pool, jobs.ModeShared, nil)
	rec := &recorder{}
	backoff := func(attempt int) time.Duration { return time.Duration(attempt) * 100 * time.Millisecond }
	if err := bus.Subscribe(eventbus.Subscriber{
		ID: "flaky", Events: []string{"order.placed"}, MaxAttempts: 3, Backoff: backoff,
		Handler: rec.handler(func(d eventbus.Delivery) error { return fmt.Errorf("attempt %d failed", d.Attempt) }),
	}); err != nil {
		t.Fatal(err)
	}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "steady", Events: []string{"order.placed"}, Handler: rec.handler(nil)}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	m := msg(t, "order.placed", map[string]string{"id": "order_1"})
	m.ID = "evt_order_1"
	if err := bus.Emit(ctx, m); err != nil {
		t.Fatal(err)
	}
	var dead []eventbus.DeadLetter
	pgtest.WaitFor(t, "the dead letter", func() bool {
		var err error
		dead, err = bus.DeadLetters(ctx, "flaky", 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(dead) == 1
	})
	d := dead[0]
	if d.SubscriberID != "flaky" || d.Event.ID != m.ID || d.Attempts != 3 || len(d.Errors) != 3 {
		t.Fatalf("dead letter = %+v", d)
	}
	var attempts []int
	for _, x := range rec.list() {
		if x.Sub == "flaky" {
			attempts = append(attempts, x.Attempt)
		}
	}
	if !slices.Equal(attempts, []int{1, 2, 3}) {
		t.Fatalf("flaky attempts %v, want [1 2 3]", attempts)
	}
	if rec.count("steady") != 1 {
		t.Fatalf("steady delivered %d times, want 1", rec.count("steady"))
	}
	// The backoff was respected: attempt n+1 started no earlier than the
	// failure of attempt n plus backoff(n) (River never runs a job before its
	// scheduled_at). River records each failure's time in the job's errors.
	var at []time.Time
	if err := pool.QueryRow(ctx, `SELECT array_agg((e->>'at')::timestamptz ORDER BY (e->>'attempt')::int) FROM river_job, jsonb_array_elements(to_jsonb(errors)) e WHERE id = $1`, d.JobID).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if len(at) != 3 {
		t.Fatalf("error times %v", at)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < backoff(i) {
			t.Fatalf("attempt %d failed %s after attempt %d, less than its backoff %s", i+1, gap, i, backoff(i))
		}
	}
	if all, _ := bus.DeadLetters(ctx, "", 0); len(all) != 1 {
		t.Fatalf("all dead letters: %d", len(all))
	}
	if none, _ := bus.DeadLetters(ctx, "steady", 0); len(none) != 0 {
		t.Fatalf("steady has dead letters: %+v", none)
	}

	// Redeliver grants one more attempt.
	if err := bus.Redeliver(ctx, d.JobID); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the redelivery", func() bool { return rec.count("flaky") == 4 })
	pgtest.WaitFor(t, "the redelivery to fail again", func() bool {
		dl, _ := bus.DeadLetters(ctx, "flaky", 0)
		return len(dl) == 1 && dl[0].Attempts == 4
	})
	if err := bus.Redeliver(ctx, 987654); !merrors.Is(err, merrors.NotFound) {
		t.Fatalf("redeliver unknown job: %v", err)
	}
}

// Once applies a handler's database effects once per (subscriber, event),
// though the event is delivered again after they committed.
func TestOnceDeduplicatesRedelivery(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE effect (event_id text NOT NULL, note text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	bus, e := newBus(t, pool, jobs.ModeShared, nil)
	var mu sync.Mutex
	inner, outer := map[string]int{}, map[string]int{}
	effect := eventbus.Once(pool, func(ctx context.Context, _ *container.Container, m events.Message) error {
		mu.Lock()
		inner[m.ID]++
		n := inner[m.ID]
		mu.Unlock()
		// The handler writes through the context's transaction, as services do.
		if _, err := db.Conn(ctx, pool).Exec(ctx, `INSERT INTO effect (event_id, note) VALUES ($1, $2)`, m.ID, fmt.Sprint("run ", n)); err != nil {
			return err
		}
		if m.Name == "fails.first" && n == 1 {
			return errors.New("failed after writing: the write must roll back")
		}
		return nil
	})
	if err := bus.Subscribe(eventbus.Subscriber{
		ID: "dedup", Events: []string{"acked.late", "fails.first"}, MaxAttempts: 5,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond },
		Handler: func(ctx context.Context, c *container.Container, m events.Message) error {
			mu.Lock()
			outer[m.ID]++
			n := outer[m.ID]
			mu.Unlock()
			if err := effect(ctx, c, m); err != nil {
				return err
			}
			if m.Name == "acked.late" && n == 1 {
				// The effects committed but the acknowledgement is lost (as
				// when a process dies right after the commit): River
				// delivers again.
				return errors.New("lost acknowledgement")
			}
			return nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	late, first := msg(t, "acked.late", nil), msg(t, "fails.first", nil)
	late.ID, first.ID = "evt_late", "evt_first"
	if err := bus.Emit(ctx, late, first); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "both events to settle", func() bool {
		return jobCount(t, pool, `state = 'completed'`) == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if outer["evt_late"] != 2 || inner["evt_late"] != 1 {
		t.Fatalf("acked.late: delivered %d, effect ran %d; want 2 and 1", outer["evt_late"], inner["evt_late"])
	}
	if outer["evt_first"] != 2 || inner["evt_first"] != 2 {
		t.Fatalf("fails.first: delivered %d, effect ran %d; want 2 and 2", outer["evt_first"], inner["evt_first"])
	}
	rows, err := pool.Query(ctx, `SELECT event_id || ':' || note FROM effect ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	notes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(notes, []string{"evt_first:run 2", "evt_late:run 1"}) {
		t.Fatalf("effects %v", notes)
	}
	var recs int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_bus_processed WHERE subscriber_id = 'dedup'`).Scan(&recs); err != nil || recs != 2 {
		t.Fatalf("processed records %d (%v), want 2", recs, err)
	}
	if err := effect(ctx, nil, late); !errors.Is(err, eventbus.ErrNotInDelivery) {
		t.Fatalf("Once outside a delivery: %v", err)
	}
	if n, err := bus.PruneProcessed(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("prune young records: %d, %v", n, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE event_bus_processed SET processed_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	if n, err := bus.PruneProcessed(ctx, time.Hour); err != nil || n != 2 {
		t.Fatalf("prune old records: %d, %v", n, err)
	}
	if _, err := eventbus.MarkProcessed(ctx, pool, "", "x"); !merrors.Is(err, merrors.InvalidArgument) {
		t.Fatalf("MarkProcessed without subscriber: %v", err)
	}
}

// A server-mode instance stores deliveries and works none; a worker-mode
// instance on the same database delivers them.
func TestServerModeInsertsWorkerModeWorks(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	server, se := newBus(t, pool, jobs.ModeServer, nil)
	worker, we := newBus(t, pool, jobs.ModeWorker, nil)
	serverRec, workerRec := &recorder{}, &recorder{}
	for _, x := range []struct {
		b *eventbus.Bus
		r *recorder
	}{{server, serverRec}, {worker, workerRec}} {
		if err := x.b.Subscribe(eventbus.Subscriber{ID: "s", Events: []string{"user.created"}, Handler: x.r.handler(nil)}); err != nil {
			t.Fatal(err)
		}
	}
	testkit.StartJobs(t, se)
	m := msg(t, "user.created", map[string]string{"id": "user_1"})
	if err := server.Emit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if n := jobCount(t, pool, `state = 'available'`); n != 1 {
		t.Fatalf("server mode stored %d deliveries, want 1", n)
	}
	testkit.StartJobs(t, we)
	pgtest.WaitFor(t, "the worker", func() bool { return workerRec.count("s") == 1 })
	if serverRec.count("s") != 0 {
		t.Fatal("server-mode instance ran a handler")
	}
	// The worker is elected (River's election may finish after the
	// delivery); the server-mode instance never stands.
	pgtest.WaitFor(t, "a leader", func() bool { return count(t, pool, `SELECT count(*) FROM river_leader`) == 1 })
	wc, err := we.Client()
	if err != nil {
		t.Fatal(err)
	}
	var leader string
	if err := pool.QueryRow(ctx, `SELECT leader_id FROM river_leader`).Scan(&leader); err != nil {
		t.Fatal(err)
	}
	if want := wc.ID(); leader != want {
		t.Fatalf("leader %q, want the worker %q", leader, want)
	}
}

func TestBadInputLosesNothing(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	bus, _ := newBus(t, pool, jobs.ModeShared, nil)
	h := func(context.Context, *container.Container, events.Message) error { return nil }
	for _, s := range []eventbus.Subscriber{
		{ID: "", Events: []string{"x"}, Handler: h},
		{ID: "bad id", Events: []string{"x"}, Handler: h},
		{ID: "ok", Events: nil, Handler: h},
		{ID: "ok", Events: []string{""}, Handler: h},
		{ID: "ok", Events: []string{"x"}},
	} {
		if err := bus.Subscribe(s); err == nil {
			t.Errorf("Subscribe(%+v) accepted", s)
		}
	}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "ok", Events: []string{"x"}, Handler: h}); err != nil {
		t.Fatal(err)
	}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "ok", Events: []string{"y"}, Handler: h}); err == nil {
		t.Error("duplicate subscriber id accepted")
	}
	good := msg(t, "x", 1)
	for _, bad := range []events.Message{{Name: ""}, {Name: "x", Data: []byte("{not json")}} {
		err := bus.Emit(ctx, good, bad)
		if !merrors.Is(err, merrors.InvalidData) {
			t.Errorf("Emit(%+v) = %v, want invalid_data", bad, err)
		}
	}
	if n := jobCount(t, pool, `true`); n != 0 {
		t.Fatalf("a rejected batch stored %d deliveries", n)
	}
	// An event nobody subscribes to stores nothing and is no error.
	if err := bus.Emit(ctx, msg(t, "nobody.listens", nil)); err != nil {
		t.Fatal(err)
	}
	if err := bus.Emit(ctx, good); err != nil {
		t.Fatal(err)
	}
	if n := jobCount(t, pool, `true`); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
}
