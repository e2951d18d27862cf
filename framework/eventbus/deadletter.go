package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
)

// DeadLetter is a delivery that failed MaxAttempts times (a River job in the
// "discarded" state). River deletes discarded jobs after its retention
// period (7 days by default).
type DeadLetter struct {
	JobID        int64
	SubscriberID string
	Event        events.Message
	Attempts     int
	// Errors are the attempts' error messages, oldest first.
	Errors      []string
	FinalizedAt time.Time
}

// DeadLetters lists dead-lettered deliveries, oldest first; subscriberID ""
// lists every subscriber's. limit <= 0 means 100.
func (b *Bus) DeadLetters(ctx context.Context, subscriberID string, limit int) ([]DeadLetter, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := b.engine.Pool().Query(ctx, `SELECT id, args, attempt + coalesce((args->>'prior_attempts')::int, 0), errors, finalized_at FROM river_job
WHERE kind = $1 AND state = 'discarded' AND ($2 = '' OR args->>'subscriber' = $2)
ORDER BY id LIMIT $3`, EventArgs{}.Kind(), subscriberID, limit)
	if err != nil {
		return nil, fmt.Errorf("eventbus: dead letters: %w", merrors.FromPg(err))
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var (
			d      DeadLetter
			args   EventArgs
			errs   [][]byte
			finish *time.Time
		)
		if err := rows.Scan(&d.JobID, &args, &d.Attempts, &errs, &finish); err != nil {
			return nil, fmt.Errorf("eventbus: dead letters: %w", err)
		}
		d.SubscriberID, d.Event = args.Subscriber, args.Event
		for _, e := range errs {
			var ae struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(e, &ae) == nil {
				d.Errors = append(d.Errors, ae.Error)
			}
		}
		if finish != nil {
			d.FinalizedAt = *finish
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("eventbus: dead letters: %w", err)
	}
	return out, nil
}

// Redeliver makes a dead-lettered (or cancelled, or completed) delivery
// available again; River grants it one more attempt.
func (b *Bus) Redeliver(ctx context.Context, jobID int64) error {
	client, err := b.engine.Client()
	if err != nil {
		return fmt.Errorf("eventbus: redeliver: %w", err)
	}
	row, err := client.JobGet(ctx, jobID)
	if errors.Is(err, river.ErrNotFound) {
		return merrors.New(merrors.NotFound, "eventbus: redeliver: no job %d", jobID)
	}
	if err != nil {
		return fmt.Errorf("eventbus: redeliver job %d: %w", jobID, err)
	}
	if row.Kind != (EventArgs{}).Kind() {
		return merrors.New(merrors.InvalidData, "eventbus: redeliver: job %d is a %q job, not an event delivery", jobID, row.Kind)
	}
	if _, err := client.JobRetry(ctx, jobID); err != nil {
		return fmt.Errorf("eventbus: redeliver job %d: %w", jobID, err)
	}
	return nil
}
