package flows_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// BenchmarkCreateInvitesWorkflow runs CreateInvitesWorkflow (one invite per
// run) with the application's wiring: Postgres workflow store, durable event
// bus with a subscriber of invite.created, on a pool whose tracer counts
// round trips, statements and commits per run. In server mode the release
// stores a River job; in shared mode (the default of medusa-go start) the
// instance delivers the event itself (an event_bus_outbox row, deleted in
// batches after the delivery), and the counts include that delivery and
// deletion: the benchmark waits until the outbox is empty. The HTTP route
// adds one SELECT (the response).
func BenchmarkCreateInvitesWorkflow(b *testing.B) {
	for _, mode := range []jobs.Mode{jobs.ModeServer, jobs.ModeShared} {
		b.Run("mode="+string(mode), func(b *testing.B) { benchCreateInvites(b, mode) })
	}
}

func benchCreateInvites(b *testing.B, mode jobs.Mode) {
	ctx := context.Background()
	url := pgtest.NewURL(b, migrations.Source, wfmigrations.Source(), jobsmig.Source, busmig.Source)
	pool, wc := pgtest.NewCountedPool(b, url, nil)
	quiet := slog.New(slog.DiscardHandler)
	root := container.New()
	je := testkit.Jobs(b, pool, root, jobs.Options{Mode: mode})
	bus, err := eventbus.New(je, 0)
	if err != nil {
		b.Fatal(err)
	}
	var handled atomic.Int64
	if err := bus.Subscribe(eventbus.Subscriber{ID: "invites", Events: []string{flows.WorkflowEventInviteCreated},
		Handler: func(context.Context, *container.Container, events.Message) error { handled.Add(1); return nil }}); err != nil {
		b.Fatal(err)
	}
	container.MustRegister(root, events.BusKey, events.Bus(bus))
	if err := user.RegisterModule(root, pool, user.Options{JWTSecret: "bench"}); err != nil {
		b.Fatal(err)
	}
	engine := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithContainer(root), workflows.WithLogger(quiet))
	container.MustRegister(root, workflows.EngineKey, engine)
	if err := engine.Register(flows.Workflows()...); err != nil {
		b.Fatal(err)
	}
	run := func(i int) {
		in := flows.CreateInvitesInput{Invites: []user.CreateInviteInput{{Email: "bench" + strconv.Itoa(i) + "@example.com"}}}
		if _, err := flows.CreateInvitesWorkflow.Run(ctx, root.Scope(), in); err != nil {
			b.Fatal(err)
		}
	}
	if err := je.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = je.Stop(ctx) }()
	plain, err := pgxpool.New(ctx, url) // not traced
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	settled := func() {
		for {
			var n int
			if err := plain.QueryRow(ctx, `SELECT count(*) FROM event_bus_outbox`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for i := range 20 { // connections, statement caches
		run(-1 - i)
	}
	settled()
	r0, s0, c0 := wc.RoundTrips.Load(), wc.Statements.Load(), wc.Commits.Load()
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		run(i)
		i++
	}
	b.StopTimer()
	settled() // the deliveries' deletions count; the polls use another pool
	n := float64(i)
	b.ReportMetric(float64(wc.RoundTrips.Load()-r0)/n, "roundtrips/op")
	b.ReportMetric(float64(wc.Statements.Load()-s0)/n, "statements/op")
	b.ReportMetric(float64(wc.Commits.Load()-c0)/n, "commits/op")
	var jobsStored, runs int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM river_job WHERE kind = 'medusa_event'), (SELECT count(*) FROM workflow_run)`).Scan(&jobsStored, &runs); err != nil {
		b.Fatal(err)
	}
	wantJobs, wantHandled := i+20, 0
	if mode.Works() {
		wantJobs, wantHandled = 0, i+20 // delivered directly, no River job
	}
	if jobsStored != wantJobs || runs != 0 || int(handled.Load()) != wantHandled {
		b.Fatalf("%d River deliveries, %d handled and %d runs stored after %d invites", jobsStored, handled.Load(), runs, i+20)
	}
}
