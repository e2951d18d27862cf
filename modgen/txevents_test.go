package modgen_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// TestModuleEventsDurableBus runs the generated User Module service on the
// durable event bus (framework/eventbus, a transactional outbox that
// declares events.TxEmitter): the module events of a call are written in
// the call's transaction, so they are stored if and only if the data
// commits, and a crash between commit and emit cannot lose them.
func TestModuleEventsDurableBus(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source, jobsmig.Source, busmig.Source)
	engine := testkit.Jobs(t, pool, container.New(), jobs.Options{Mode: jobs.ModeServer})
	bus, err := eventbus.New(engine, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !events.EmitsInTx(bus) {
		t.Fatal("eventbus.Bus does not declare that it emits in the transaction")
	}
	if events.EmitsInTx(events.NewLocal()) {
		t.Fatal("the local bus declares that it emits in the transaction")
	}
	nop := func(context.Context, *container.Container, events.Message) error { return nil }
	if err := bus.Subscribe(eventbus.Subscriber{ID: "test", Events: []string{user.ModuleEventUserCreated}, Handler: nop}); err != nil {
		t.Fatal(err)
	}
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	// stored lists the ids of the stored user.user.created events, as conn sees them.
	stored := func(conn db.DBTX) []string {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT args->'event'->'data'->>'id' FROM river_job WHERE kind = 'medusa_event' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}

	created, err := s.CreateUsers(ctx, user.CreateUserInput{ID: "u1", Email: "a@x.com"}, user.CreateUserInput{Email: "b@x.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(pool); !slices.Equal(got, []string{"u1", created[1].ID}) {
		t.Fatalf("stored events %v after a committed create, want [u1 %s]", got, created[1].ID)
	}

	// Emitted inside the transaction: visible to it before commit, not to others.
	err = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := s.CreateUsers(ctx, user.CreateUserInput{ID: "u3", Email: "c@x.com"}); err != nil {
			return err
		}
		if in, out := stored(tx), stored(pool); len(in) != 3 || len(out) != 2 {
			t.Errorf("before commit: the transaction sees %v, another connection %v", in, out)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := stored(pool); len(got) != 3 || got[2] != "u3" {
		t.Fatalf("stored events %v after commit", got)
	}

	// Rolled back: neither the user nor its event.
	boom := errors.New("boom")
	err = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := s.CreateUsers(ctx, user.CreateUserInput{ID: "u4", Email: "d@x.com"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("rolled back transaction = %v", err)
	}
	if got := stored(pool); len(got) != 3 {
		t.Fatalf("stored events %v after a rollback, want the 3 committed ones", got)
	}
	if _, err := s.RetrieveUser(ctx, "u4"); err == nil {
		t.Fatal("the rolled back user exists")
	}

	// A failed call (duplicate email) stores nothing either.
	if _, err := s.CreateUsers(ctx, user.CreateUserInput{ID: "u5", Email: "e@x.com"}, user.CreateUserInput{ID: "u6", Email: "a@x.com"}); err == nil {
		t.Fatal("duplicate email accepted")
	}
	if got := stored(pool); len(got) != 3 {
		t.Fatalf("stored events %v after a failed call", got)
	}
}

// BenchmarkCreateUsersDurableBus creates 10,000 users in one CreateUsers
// call on the durable event bus with one subscriber: the 10,000
// user.user.created events become 10,000 River jobs written in the call's
// transaction. Compare with modules/user BenchmarkCreateUsers (in-process
// bus, events after commit).
func BenchmarkCreateUsersDurableBus(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, migrations.Source, jobsmig.Source, busmig.Source)
	engine := testkit.Jobs(b, pool, container.New(), jobs.Options{Mode: jobs.ModeServer})
	bus, err := eventbus.New(engine, 0)
	if err != nil {
		b.Fatal(err)
	}
	nop := func(context.Context, *container.Container, events.Message) error { return nil }
	if err := bus.Subscribe(eventbus.Subscriber{ID: "bench", Events: []string{user.ModuleEventUserCreated}, Handler: nop}); err != nil {
		b.Fatal(err)
	}
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	batch := 0
	for b.Loop() {
		b.StopTimer()
		batch++
		in := bulkUsers(batch, n)
		b.StartTimer()
		if out, err := s.CreateUsers(ctx, in...); err != nil || len(out) != n {
			b.Fatalf("%d users, %v", len(out), err)
		}
	}
	b.StopTimer()
	var jobsN int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event'`).Scan(&jobsN); err != nil || jobsN != n*batch {
		b.Fatalf("%d stored events, want %d: %v", jobsN, n*batch, err)
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "rows/s")
}

// bulkUsers returns n inputs of users for a bulk create, their e-mail
// addresses distinct across batches.
func bulkUsers(batch, n int) []user.CreateUserInput {
	in := make([]user.CreateUserInput, n)
	for i := range in {
		first := fmt.Sprint("First", i)
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("b%d-%d@example.com", batch, i), FirstName: &first}
	}
	return in
}
