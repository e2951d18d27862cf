package flows_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

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

// With the application's wiring (durable event bus, Postgres workflow
// store), a reverted acceptance stores no delivery of its workflow events
// and leaves nothing held; a successful one stores one delivery per
// workflow event. The instance runs in server mode, so deliveries stay in
// the database to be counted.
func TestAcceptInviteDurableBus(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source, wfmigrations.Source(), jobsmig.Source, busmig.Source)
	if _, err := pool.Exec(ctx, authTable); err != nil {
		t.Fatal(err)
	}
	root := container.New()
	je := testkit.Jobs(t, pool, root, jobs.Options{Mode: jobs.ModeServer})
	bus, err := eventbus.New(je, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = bus.Subscribe(eventbus.Subscriber{
		ID:      "audit",
		Events:  []string{flows.WorkflowEventUserCreated, flows.WorkflowEventInviteAccepted, user.ModuleEventUserCreated, user.ModuleEventUserDeleted},
		Handler: func(context.Context, *container.Container, events.Message) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	container.MustRegister(root, events.BusKey, events.Bus(bus))
	if err := user.RegisterModule(root, pool, user.Options{JWTSecret: "test"}); err != nil {
		t.Fatal(err)
	}
	auth := &pgAuth{pool: pool}
	container.MustRegister(root, authKey, auth)
	engine := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithContainer(root))
	container.MustRegister(root, workflows.EngineKey, engine)
	if err := engine.Register(flows.Workflows()...); err != nil {
		t.Fatal(err)
	}
	users := container.MustResolve(root, user.Key)
	inv, err := users.CreateInvites(ctx, user.CreateInviteInput{Email: "invited@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{pool: pool}
	e.identity(t, "authid_linked", `{"user_id": "user_other"}`)
	e.identity(t, "authid_new", "")

	deliveries := func() []string {
		rows, err := pool.Query(ctx, `SELECT args->'event'->>'name' FROM river_job WHERE kind = 'medusa_event' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	held := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM event_bus_held`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	_, err = flows.AcceptInviteWorkflow.Run(ctx, root.Scope(), flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: "authid_linked"})
	if err == nil {
		t.Fatal("linked an identity twice")
	}
	// Module events are emitted at once, as in Medusa (the user created, then
	// deleted by the compensation); the workflow events were held and dropped.
	if got, want := deliveries(), []string{user.ModuleEventUserCreated, user.ModuleEventUserDeleted}; !slices.Equal(got, want) {
		t.Fatalf("deliveries after the reverted run %v, want %v", got, want)
	}
	if n := held(); n != 0 {
		t.Fatalf("%d events still held", n)
	}

	if _, err := flows.AcceptInviteWorkflow.Run(ctx, root.Scope(), flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: "authid_new"}); err != nil {
		t.Fatal(err)
	}
	got := deliveries()[2:]
	slices.Sort(got)
	if want := []string{flows.WorkflowEventInviteAccepted, flows.WorkflowEventUserCreated, user.ModuleEventUserCreated}; !slices.Equal(got, want) {
		t.Fatalf("deliveries after the successful run %v, want %v", got, want)
	}
	if n := held(); n != 0 {
		t.Fatalf("%d events still held", n)
	}
}
