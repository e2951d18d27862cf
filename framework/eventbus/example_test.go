package eventbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Wiring the durable bus: an engine, the bus on it, registered in the root
// container under events.BusKey ("event_bus"); a subscriber that runs a
// workflow once per (subscriber, event); an event emitted in the transaction
// that writes the data it describes. (An application's job engine and bus
// are wired like this by the framework; it lists its subscribers in
// app.Config.Subscribers.)
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	root := container.New()
	engine, err := jobs.New(pool, root, jobs.Options{Mode: jobs.ModeShared, Logger: slog.Default()})
	if err != nil {
		panic(err)
	}
	bus, err := eventbus.New(engine, 0) // registers its worker and the "events" queue
	if err != nil {
		panic(err)
	}
	container.MustRegister(root, events.BusKey, events.Bus(bus))
	// subscribers, scheduled jobs, other workers ...

	sendWelcome := workflows.New("send-welcome", func(wc *workflows.Context, userID string) (struct{}, error) {
		// steps that resolve services from wc.Container() ...
		return struct{}{}, nil
	}, workflows.WithIdempotent())
	err = bus.Subscribe(eventbus.Subscriber{
		ID:     "welcome-new-users",
		Events: []string{"user.created"},
		Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			var data struct{ ID string }
			if err := json.Unmarshal(msg.Data, &data); err != nil {
				return err
			}
			// The delivery's id makes a redelivered event find the first run.
			d, _ := eventbus.DeliveryFrom(ctx)
			_, err := sendWelcome.Run(ctx, c, data.ID, workflows.WithTransactionID(d.SubscriberID+":"+msg.ID))
			return err
		},
	})
	if err != nil {
		panic(err)
	}
	if err := engine.Start(ctx); err != nil { // or root.Start(ctx): the bus's Start starts the engine
		panic(err)
	}
	defer engine.Stop(ctx)

	// The event exists if and only if the user row committed.
	err = db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO "user" (id, email) VALUES ('user_1', 'ann@example.com')`); err != nil {
			return err
		}
		m, err := events.New("user.created", map[string]string{"id": "user_1"}, events.Metadata{Source: "user", Object: "user", Action: "created"})
		if err != nil {
			return err
		}
		return bus.Emit(ctx, m) // same transaction: rolled back with the user
	})
	if err != nil {
		panic(err)
	}
}

// A subscriber and its delivery policy. An application lists it in
// app.Config.Subscribers, and every instance subscribes it at start-up.
func ExampleSubscriber() {
	welcome := eventbus.Subscriber{
		ID:     "welcome-new-users",      // stable: keys deliveries and dedup records
		Events: []string{"user.created"}, // or eventbus.Wildcard
		Handler: func(ctx context.Context, c *container.Container, msg events.Message) error {
			d, _ := eventbus.DeliveryFrom(ctx) // subscriber id, event id, attempt, job id
			slog.InfoContext(ctx, "welcome", "event", msg.ID, "attempt", d.Attempt)
			return nil
		},
		MaxAttempts: 5, // default 10
		// Wait after failed attempt n; default River's n⁴ s with jitter.
		Backoff: func(attempt int) time.Duration { return time.Duration(attempt) * time.Second },
		Timeout: 30 * time.Second, // default the engine's job timeout
	}
	fmt.Println(welcome.ID, welcome.Backoff(3))
	// Output: welcome-new-users 3s
}

// Once makes the handler's database writes apply once per (subscriber,
// event), however often River delivers the event.
func ExampleOnce() {
	var pool *pgxpool.Pool // the application's pool
	handler := eventbus.Once(pool, func(ctx context.Context, c *container.Container, msg events.Message) error {
		// db.Conn(ctx, pool) is the transaction that also records the event
		// as processed: both commit, or neither.
		_, err := db.Conn(ctx, pool).Exec(ctx, `UPDATE stats SET users = users + 1`)
		return err
	})
	_ = eventbus.Subscriber{ID: "count-users", Events: []string{"user.created"}, Handler: handler}
}
