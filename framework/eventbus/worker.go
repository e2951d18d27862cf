package eventbus

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Delivery describes the delivery a handler is running.
type Delivery struct {
	SubscriberID string
	EventID      string
	EventName    string
	// Attempt counts from 1; above 1 this is a redelivery.
	Attempt     int
	MaxAttempts int
	// JobID is River's job id (see DeadLetters, Redeliver); 0 for a direct
	// delivery (the first attempt, made by the emitting instance).
	JobID int64
}

type deliveryKey struct{}

// DeliveryFrom returns the delivery ctx belongs to, inside a Handler.
func DeliveryFrom(ctx context.Context) (Delivery, bool) {
	d, ok := ctx.Value(deliveryKey{}).(Delivery)
	return d, ok
}

// WithDelivery returns a ctx carrying d; the bus does this for handlers, and
// tests of a handler can do it too.
func WithDelivery(ctx context.Context, d Delivery) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

type eventWorker struct {
	river.WorkerDefaults[EventArgs]
	b *Bus
}

func (w *eventWorker) NextRetry(job *river.Job[EventArgs]) time.Time {
	if s := w.b.subscriber(job.Args.Subscriber); s != nil && s.Backoff != nil {
		return time.Now().Add(max(0, s.Backoff(job.Attempt+job.Args.PriorAttempts)))
	}
	return time.Time{} // River's default policy
}

func (w *eventWorker) Timeout(job *river.Job[EventArgs]) time.Duration {
	if s := w.b.subscriber(job.Args.Subscriber); s != nil {
		return s.Timeout
	}
	return 0
}

func (w *eventWorker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	s := w.b.subscriber(job.Args.Subscriber)
	if s == nil {
		// Another release of the application may know it (rolling deploy):
		// retry rather than drop; after MaxAttempts it is dead-lettered.
		return fmt.Errorf("eventbus: deliver %s %q to %q: %w", job.Args.Event.ID, job.Args.Event.Name, job.Args.Subscriber, errNoSubscriber)
	}
	ctx = WithDelivery(ctx, Delivery{
		SubscriberID: s.ID, EventID: job.Args.Event.ID, EventName: job.Args.Event.Name,
		Attempt: job.Attempt + job.Args.PriorAttempts, MaxAttempts: job.MaxAttempts + job.Args.PriorAttempts, JobID: job.ID,
	})
	if err := s.Handler(ctx, w.b.engine.Container().Scope(), job.Args.Event); err != nil {
		return fmt.Errorf("subscriber %q on %q (%s), attempt %d/%d: %w", s.ID, job.Args.Event.Name, job.Args.Event.ID,
			job.Attempt+job.Args.PriorAttempts, job.MaxAttempts+job.Args.PriorAttempts, err)
	}
	return nil
}
