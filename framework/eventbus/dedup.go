package eventbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
)

// MarkProcessed records that subscriberID processed eventID, in the
// transaction (or connection) conn, and reports whether this is the first
// record. Call it in the transaction that applies the event's effects: if
// that transaction rolls back, so does the record, and a redelivery runs the
// effects again; if it commits, a redelivery finds the record and skips them.
// A concurrent delivery of the same event waits on the first one's row lock.
func MarkProcessed(ctx context.Context, conn db.DBTX, subscriberID, eventID string) (first bool, err error) {
	if subscriberID == "" || eventID == "" {
		return false, merrors.New(merrors.InvalidArgument, "eventbus: mark processed: empty subscriber id or event id")
	}
	tag, err := conn.Exec(ctx, `INSERT INTO event_bus_processed (subscriber_id, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, subscriberID, eventID)
	if err != nil {
		return false, fmt.Errorf("eventbus: mark %s processed by %s: %w", eventID, subscriberID, merrors.FromPg(err))
	}
	return tag.RowsAffected() == 1, nil
}

// ErrNotInDelivery is returned by a handler wrapped with Once when it is
// called outside a bus delivery (no Delivery in the context).
var ErrNotInDelivery = errors.New("eventbus: not in a delivery (no Delivery in context)")

// Once wraps h so that its database effects apply once per (subscriber,
// event) however often the event is delivered: it opens a transaction on
// pool, records the delivery with MarkProcessed, and runs h with a context
// carrying that transaction (db.InTx and db.Conn in h, and the services h
// calls, join it). A redelivery of an event whose transaction committed
// returns nil without calling h.
//
// Effects outside Postgres (an e-mail, an HTTP call) are not covered: h may
// still run them more than once if it fails after them, or if the process
// dies between them and the commit.
func Once(b db.Beginner, h Handler) Handler {
	return func(ctx context.Context, c *container.Container, msg events.Message) error {
		d, ok := DeliveryFrom(ctx)
		if !ok {
			return ErrNotInDelivery
		}
		return db.InTx(ctx, b, func(ctx context.Context, tx pgx.Tx) error {
			first, err := MarkProcessed(ctx, tx, d.SubscriberID, msg.ID)
			if err != nil || !first {
				return err
			}
			return h(ctx, c, msg)
		})
	}
}

// PruneProcessed deletes deduplication records older than olderThan (keep
// them longer than an event can be redelivered: MaxAttempts × backoff, and
// than River keeps finished jobs) and returns how many it deleted. Run it
// from a scheduled job.
func (b *Bus) PruneProcessed(ctx context.Context, olderThan time.Duration) (int64, error) {
	tag, err := db.Conn(ctx, b.engine.Pool()).Exec(ctx, `DELETE FROM event_bus_processed WHERE processed_at < now() - $1::interval`, olderThan)
	if err != nil {
		return 0, fmt.Errorf("eventbus: prune processed: %w", merrors.FromPg(err))
	}
	return tag.RowsAffected(), nil
}
