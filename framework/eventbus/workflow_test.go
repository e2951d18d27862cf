package eventbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
)

// auditService is a module service the workflow's step resolves.
type auditService struct{ pool *pgxpool.Pool }

func (s *auditService) Record(ctx context.Context, what string) error {
	_, err := db.Conn(ctx, s.pool).Exec(ctx, `INSERT INTO audit (what) VALUES ($1)`, what)
	return err
}

var auditKey = container.NewKey[*auditService]("audit")

var recordStep = workflows.NewStep("record-audit",
	func(ctx context.Context, sc workflows.StepContext, what string) (string, struct{}, error) {
		audit, err := container.ResolveContext(ctx, sc.Container, auditKey)
		if err != nil {
			return "", struct{}{}, err
		}
		return what, struct{}{}, audit.Record(ctx, what)
	}, nil)

var auditWorkflow = workflows.New("audit", func(wc *workflows.Context, what string) (string, error) {
	return recordStep.Run(wc, what)
})

// A subscriber and a scheduled job each run a workflow whose step resolves
// a service from the delivery's container scope.
func TestSubscriberAndScheduledJobRunWorkflows(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE audit (what text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	root := container.New()
	container.MustRegister(root, auditKey, &auditService{pool: pool})
	bus, e := newBus(t, pool, jobs.ModeShared, root)
	container.MustRegister(root, events.BusKey, events.Bus(bus))

	err := bus.Subscribe(eventbus.Subscriber{
		ID: "audit-users", Events: []string{"user.created"},
		Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			var user struct{ ID string }
			if err := json.Unmarshal(msg.Data, &user); err != nil {
				return err
			}
			d, _ := eventbus.DeliveryFrom(ctx)
			_, err := auditWorkflow.Run(ctx, c, "user.created "+user.ID,
				workflows.WithTransactionID(d.SubscriberID+":"+msg.ID))
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Schedule(jobs.Scheduled{
		Name: "nightly-audit", Cron: "0 3 * * *",
		Handler: func(ctx context.Context, c *container.Container, run jobs.Run) error {
			_, err := auditWorkflow.Run(ctx, c, "nightly "+run.Tick.Format(time.DateOnly),
				workflows.WithTransactionID(fmt.Sprintf("nightly-audit:%d", run.Tick.Unix())))
			return err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	m, _ := events.New("user.created", map[string]string{"id": "user_1"}, events.Metadata{})
	if err := bus.Emit(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := e.RunNow(ctx, "nightly-audit", time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"user.created user_1": true, "nightly 2026-11-27": true}
	pgtest.WaitFor(t, "both workflows", func() bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM audit`).Scan(&n)
		return n >= 2
	})
	rows, _ := pool.Query(ctx, `SELECT what FROM audit`)
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		if !want[w] {
			t.Errorf("unexpected audit %q", w)
		}
		delete(want, w)
	}
	if len(want) != 0 {
		t.Fatalf("missing audits %v", want)
	}
}

// Events a workflow's step emits are grouped under the run: delivered when
// the run succeeds, dropped when it fails (the workflow engine calls
// ReleaseGroup / ClearGroup on the durable bus).
func TestWorkflowRunReleasesOrClearsItsEvents(t *testing.T) {
	pool := pgtest.NewPool(t, sources...)
	ctx := context.Background()
	root := container.New()
	bus, e := newBus(t, pool, jobs.ModeShared, root)
	container.MustRegister(root, events.BusKey, events.Bus(bus))
	rec := &recorder{}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "orders", Events: []string{"order.placed"}, Handler: rec.handler(nil)}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)

	emitStep := workflows.NewStep("emit-order-placed",
		func(ctx context.Context, sc workflows.StepContext, id string) (string, struct{}, error) {
			b, err := container.ResolveContext(ctx, sc.Container, events.BusKey)
			if err != nil {
				return "", struct{}{}, err
			}
			m, _ := events.New("order.placed", map[string]string{"id": id}, events.Metadata{})
			m.ID = "evt_" + id
			return id, struct{}{}, b.Emit(ctx, m)
		}, nil)
	failStep := workflows.NewStep("charge",
		func(ctx context.Context, sc workflows.StepContext, id string) (struct{}, struct{}, error) {
			if id == "order_bad" {
				return struct{}{}, struct{}{}, workflows.Permanent(fmt.Errorf("card declined"))
			}
			return struct{}{}, struct{}{}, nil
		}, nil)
	place := workflows.New("place-order", func(wc *workflows.Context, id string) (string, error) {
		if _, err := emitStep.Run(wc, id); err != nil {
			return "", err
		}
		_, err := failStep.Run(wc, id)
		return id, err
	})

	if _, err := place.Run(ctx, root.Scope(), "order_bad"); err == nil {
		t.Fatal("the bad order succeeded")
	}
	if _, err := place.Run(ctx, root.Scope(), "order_ok"); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the good order's event", func() bool { return rec.count("orders") >= 1 })
	// A sentinel emitted after both runs: once it is delivered, a wrongly
	// released bad order would have been too.
	if err := bus.Emit(ctx, msg(t, "order.placed", map[string]string{"id": "sentinel"})); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the sentinel", func() bool { return rec.count("orders") >= 2 })
	for _, d := range rec.list() {
		if d.ID == "evt_order_bad" {
			t.Fatal("the failed run's event was delivered")
		}
	}
	if rec.list()[0].ID != "evt_order_ok" {
		t.Fatalf("deliveries %+v", rec.list())
	}
	var held int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_bus_held`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d events still held (%v)", held, err)
	}
}

// auditApp is an application on a fresh database with the workflow store's
// tables and schema (audit, say): the durable bus with a recorder of
// order.placed, the audit service, and a workflow engine on Postgres.
func auditApp(t *testing.T, schema string) (*pgxpool.Pool, *container.Container, *eventbus.Bus, *recorder, *workflows.Engine) {
	t.Helper()
	pool := pgtest.NewPool(t, append(slices.Clone(sources), wfmigrations.Source())...)
	if _, err := pool.Exec(context.Background(), schema); err != nil {
		t.Fatal(err)
	}
	root := container.New()
	bus, e := newBus(t, pool, jobs.ModeShared, root)
	container.MustRegister(root, events.BusKey, events.Bus(bus))
	container.MustRegister(root, auditKey, &auditService{pool: pool})
	rec := &recorder{}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "orders", Events: []string{"order.placed"}, Handler: rec.handler(nil)}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	engine := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithContainer(root))
	return pool, root, bus, rec, engine
}

// Database-only steps share one transaction and their grouped events are
// queued with it: a step that emits and then fails takes its queued event
// with it (rolled back to its savepoint), while the events of the steps
// around it are released when the run succeeds.
func TestFailedJoinedStepDropsItsQueuedEvent(t *testing.T) {
	ctx := context.Background()
	pool, root, bus, rec, engine := auditApp(t, `CREATE TABLE audit (what text NOT NULL)`)
	emitAndMaybeFail := func(name string, fail bool) *workflows.Step[string, string, struct{}] {
		return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, id string) (string, struct{}, error) {
			audit, err := container.ResolveContext(ctx, sc.Container, auditKey)
			if err != nil {
				return "", struct{}{}, err
			}
			if err := audit.Record(ctx, name); err != nil {
				return "", struct{}{}, err
			}
			b, err := container.ResolveContext(ctx, sc.Container, events.BusKey)
			if err != nil {
				return "", struct{}{}, err
			}
			m, _ := events.New("order.placed", map[string]string{"step": name}, events.Metadata{})
			m.ID = "evt_" + name
			if err := b.Emit(ctx, m); err != nil {
				return "", struct{}{}, err
			}
			if fail {
				return "", struct{}{}, workflows.Permanent(fmt.Errorf("%s failed", name))
			}
			return id, struct{}{}, nil
		}, nil, workflows.WithDatabaseOnly())
	}
	a, b, c := emitAndMaybeFail("a", false), emitAndMaybeFail("b", true), emitAndMaybeFail("c", false)
	wf := workflows.New("tolerant", func(wc *workflows.Context, id string) (string, error) {
		if _, err := a.Run(wc, id); err != nil {
			return "", err
		}
		_, _ = b.Run(wc, id) // tolerated: the run goes on
		return c.Run(wc, id)
	})
	if _, err := wf.Run(ctx, root.Scope(), "o1", workflows.WithEngine(engine)); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the events of a and c", func() bool { return rec.count("orders") >= 2 })
	if err := bus.Emit(ctx, msg(t, "order.placed", map[string]string{"id": "sentinel"})); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the sentinel", func() bool { return rec.count("orders") >= 3 })
	var got []string
	for _, d := range rec.list() {
		got = append(got, d.ID)
	}
	// Deliveries of one release run concurrently: a and c in either order.
	if len(got) != 3 || !(got[0] == "evt_a" && got[1] == "evt_c" || got[0] == "evt_c" && got[1] == "evt_a") {
		t.Fatalf("deliveries %v, want evt_a and evt_c, then the sentinel", got)
	}
	var audit []string
	rows, err := pool.Query(ctx, `SELECT what FROM audit ORDER BY what`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var w string
		_ = rows.Scan(&w)
		audit = append(audit, w)
	}
	rows.Close()
	if fmt.Sprint(audit) != "[a c]" {
		t.Fatalf("audit rows %v, want [a c] (b's rolled back)", audit)
	}
	var held int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_bus_held`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d events still held (%v)", held, err)
	}
}

// A run that begins and ends in one transaction, with an event group of its
// own, hands its events to the bus from the transaction's pending writes:
// event_bus_held is never written. A run given an existing group goes
// through the table, as other transactions may hold events of that group.
func TestRunInOneTransactionSkipsTheHeldTable(t *testing.T) {
	ctx := context.Background()
	pool, root, _, rec, engine := auditApp(t, `CREATE TABLE audit (what text NOT NULL);
CREATE TABLE held_log (event_id text NOT NULL);
CREATE FUNCTION log_held() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO held_log VALUES (NEW.event_id); RETURN NEW; END $$;
CREATE TRIGGER held_log AFTER INSERT ON event_bus_held FOR EACH ROW EXECUTE FUNCTION log_held();`)
	record := workflows.NewStep("record", func(ctx context.Context, sc workflows.StepContext, id string) (string, struct{}, error) {
		audit, err := container.ResolveContext(ctx, sc.Container, auditKey)
		if err != nil {
			return "", struct{}{}, err
		}
		return id, struct{}{}, audit.Record(ctx, id)
	}, nil, workflows.WithDatabaseOnly())
	emit := workflows.NewStep("emit", func(ctx context.Context, sc workflows.StepContext, id string) (string, struct{}, error) {
		b, err := container.ResolveContext(ctx, sc.Container, events.BusKey)
		if err != nil {
			return "", struct{}{}, err
		}
		m, _ := events.New("order.placed", map[string]string{"id": id}, events.Metadata{})
		m.ID = "evt_" + id
		return id, struct{}{}, b.Emit(ctx, m)
	}, nil, workflows.WithDatabaseOnly())
	wf := workflows.New("place", func(wc *workflows.Context, id string) (string, error) {
		if _, err := record.Run(wc, id); err != nil {
			return "", err
		}
		return emit.Run(wc, id)
	})
	heldLog := func() []string {
		rows, err := pool.Query(ctx, `SELECT event_id FROM held_log ORDER BY event_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			_ = rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}

	if _, err := wf.Run(ctx, root.Scope(), "own", workflows.WithEngine(engine)); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "evt_own", func() bool { return rec.count("orders") >= 1 })
	if got := heldLog(); len(got) != 0 {
		t.Fatalf("event_bus_held was written for a run in one transaction: %v", got)
	}
	if _, err := wf.Run(ctx, root.Scope(), "shared", workflows.WithEngine(engine), workflows.WithEventGroupID("group-of-the-caller")); err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "evt_shared", func() bool { return rec.count("orders") >= 2 })
	if got := heldLog(); fmt.Sprint(got) != "[evt_shared]" {
		t.Fatalf("held_log %v, want the given group's event to go through the table", got)
	}
	var held int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_bus_held`).Scan(&held); err != nil || held != 0 {
		t.Fatalf("%d events still held (%v)", held, err)
	}
}
