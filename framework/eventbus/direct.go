package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/ids"
)

// Direct delivery: on an instance that works jobs, a delivery's first
// attempt skips River. Emit writes one event_bus_outbox row per (event,
// subscriber) in the emitting transaction; after the commit the instance
// hands the rows to its own handlers and deletes each row once its handler
// returned nil (in batches). A row is leased to the instance that wrote it
// (lease_until, renewed while the delivery waits or runs); what does not go
// as planned becomes a River job, with River's retries, backoff and dead
// letters from there on:
//
//   - the handler fails: the row is replaced by a job scheduled after the
//     subscriber's backoff, counted as the delivery's second attempt;
//   - the instance's queue is full, or it stops: the rows not yet started
//     become jobs at once;
//   - the instance dies: any working instance turns rows whose lease ran
//     out into jobs (the sweep).
//
// Per delivery that saves River's job insert, fetch and completion (each a
// write to every index of river_job) and the fetch's round trip latency.

// Direct delivery's defaults and fixed settings.
const (
	defaultLease      = 30 * time.Second
	defaultQueue      = 4096
	flushBatch        = 256
	flushEvery        = 20 * time.Millisecond
	sweepBatch        = 500
	handOverTimeout   = 30 * time.Second
	directOutboxTag   = "event_bus_outbox"
	firstRetryDefault = time.Second // River's default policy for attempt 1 (1^4 s)
)

// Option configures a Bus.
type Option func(*busOptions)

type busOptions struct {
	direct     bool
	lease      time.Duration
	sweepEvery time.Duration
	queue      int
}

// WithoutDirectDelivery makes every delivery a River job, including the
// first attempt: deliveries then spread over all working instances instead
// of running where they were emitted, at the cost of River's per-job work.
func WithoutDirectDelivery() Option { return func(o *busOptions) { o.direct = false } }

// WithDirectLease sets how long a direct delivery stays leased to its
// instance without a renewal (default 30s): after a crash, the deliveries
// the instance had not finished are taken over this long after its last
// renewal. The sweep for expired leases runs every lease/3 unless
// WithSweepInterval says otherwise.
func WithDirectLease(d time.Duration) Option { return func(o *busOptions) { o.lease = d } }

// WithSweepInterval sets how often a working instance looks for direct
// deliveries whose lease ran out.
func WithSweepInterval(d time.Duration) Option { return func(o *busOptions) { o.sweepEvery = d } }

// WithDirectQueue bounds the direct deliveries waiting for a handler slot
// (default 4096); beyond it, deliveries become River jobs.
func WithDirectQueue(n int) Option { return func(o *busOptions) { o.queue = n } }

// outboxRow is one direct delivery.
type outboxRow struct {
	id  string
	sub *Subscriber
	msg events.Message
	mi  int // index of msg in its Emit or release, to encode each message once
}

// direct runs the direct deliveries of one instance; it is a jobs.Service of
// the bus's engine, so it runs exactly when the instance works jobs.
type direct struct {
	b          *Bus
	lease      time.Duration
	sweepEvery time.Duration
	log        *slog.Logger

	mu      sync.Mutex
	running bool
	ch      chan *outboxRow      // pointers: the buffer stays small (8 bytes a slot)
	held    map[string]time.Time // rows leased to this instance: when the lease was last set
	done    []string             // delivered rows, to delete

	sem       chan struct{} // handler slots
	flush     chan struct{}
	baseCtx   context.Context // handlers' parent: cancelled when Stop gives up waiting
	cancelRun context.CancelFunc
	stopLoops context.CancelFunc
	loops     sync.WaitGroup
	inflight  sync.WaitGroup
}

func newDirect(b *Bus, workers int, o busOptions) *direct {
	if o.lease <= 0 {
		o.lease = defaultLease
	}
	if o.sweepEvery <= 0 {
		o.sweepEvery = o.lease / 3
	}
	if o.queue <= 0 {
		o.queue = defaultQueue
	}
	return &direct{
		b: b, lease: o.lease, sweepEvery: o.sweepEvery, log: b.engine.Logger(),
		ch: make(chan *outboxRow, o.queue), held: map[string]time.Time{},
		sem: make(chan struct{}, workers), flush: make(chan struct{}, 1),
	}
}

// room reports how many deliveries emitted now can be direct: the free
// slots of the queue, none when the instance does not deliver (a nil d,
// WithoutDirectDelivery) or is not running. Emits that race for the slots
// are settled after their commits: what does not fit becomes River jobs
// then (enqueue).
func (d *direct) room() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.running {
		return 0
	}
	return cap(d.ch) - len(d.ch)
}

// Start starts the dispatcher, the flusher, the lease renewal and the sweep.
func (d *direct) Start(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return nil
	}
	base := context.WithoutCancel(ctx)
	d.baseCtx, d.cancelRun = context.WithCancel(base)
	loopCtx, stop := context.WithCancel(base)
	d.stopLoops = stop
	d.running = true
	d.loops.Go(func() { d.dispatch(loopCtx) })
	d.loops.Go(func() { d.every(loopCtx, flushEvery, d.flush, d.flushStep) })
	d.loops.Go(func() { d.every(loopCtx, d.lease/3, nil, d.renew) })
	d.loops.Go(func() { d.every(loopCtx, d.sweepEvery, nil, func(ctx context.Context) { _, _ = d.b.Sweep(ctx) }) })
	return nil
}

// Stop stops taking deliveries, turns the waiting ones into River jobs,
// gives the running handlers until ctx is done, deletes the delivered rows
// and stops the loops. Rows of handlers that did not return in time are
// taken over by the sweep once their lease runs out.
func (d *direct) Stop(ctx context.Context) error {
	d.mu.Lock()
	if !d.running {
		d.mu.Unlock()
		return nil
	}
	d.running = false
	d.mu.Unlock()
	d.stopLoops()
	d.loops.Wait()
	var waiting []outboxRow
	for more := true; more; {
		select {
		case r := <-d.ch:
			waiting = append(waiting, *r)
		default:
			more = false
		}
	}
	var errs []error
	if err := d.handOver(ctx, waiting, nil); err != nil {
		errs = append(errs, err)
	}
	finished := make(chan struct{})
	go func() { d.inflight.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		d.cancelRun()
		errs = append(errs, fmt.Errorf("eventbus: stop: handlers still running: %w", ctx.Err()))
	}
	if err := d.deleteDone(context.WithoutCancel(ctx)); err != nil {
		errs = append(errs, err)
	}
	d.cancelRun()
	return errors.Join(errs...)
}

// insert writes the outbox rows of deliveries in tx (queued with the
// transaction's next round trip when it can) and schedules their hand-over
// to this instance's handlers after the commit.
func (d *direct) insert(ctx context.Context, tx pgx.Tx, rows []outboxRow) error {
	ids := make([]string, len(rows))
	subs := make([]string, len(rows))
	bodies := make([]string, len(rows))
	last, body := -1, ""
	for i, r := range rows {
		if r.mi != last {
			j, err := json.Marshal(r.msg)
			if err != nil {
				return fmt.Errorf("encode %q: %w", r.msg.Name, err)
			}
			body, last = string(j), r.mi
		}
		ids[i], subs[i], bodies[i] = r.id, r.sub.ID, body
	}
	const q = `INSERT INTO event_bus_outbox (id, subscriber_id, message, lease_until)
SELECT i, s, m::jsonb, now() + $4::interval FROM unnest($1::text[], $2::text[], $3::text[]) AS u(i, s, m)`
	if tq, ok := tx.(db.TagQueuer); ok {
		tq.QueueTagged(directOutboxTag, q, ids, subs, bodies, d.lease)
	} else if _, err := tx.Exec(ctx, q, ids, subs, bodies, d.lease); err != nil {
		return fmt.Errorf("insert direct deliveries: %w", merrors.FromPg(err))
	}
	db.AfterCommit(ctx, func(ctx context.Context) { d.enqueue(ctx, rows) })
	return nil
}

// enqueue hands committed rows to the dispatcher; what does not fit (or
// arrives after Stop) becomes River jobs now.
func (d *direct) enqueue(ctx context.Context, rows []outboxRow) {
	d.mu.Lock()
	i := 0
	if d.running {
		now := time.Now()
	send:
		for ; i < len(rows); i++ {
			select {
			case d.ch <- &rows[i]:
				d.held[rows[i].id] = now
			default:
				break send
			}
		}
	}
	d.mu.Unlock()
	if i < len(rows) {
		if err := d.handOver(context.WithoutCancel(ctx), rows[i:], nil); err != nil {
			d.log.WarnContext(ctx, "eventbus: direct deliveries left to the sweep", "count", len(rows)-i, "err", err)
		}
	}
}

func (d *direct) dispatch(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case d.sem <- struct{}{}:
		}
		select {
		case <-ctx.Done():
			<-d.sem
			return
		case r := <-d.ch:
			d.inflight.Add(1)
			go func() {
				defer func() { <-d.sem; d.inflight.Done() }()
				d.deliver(r)
			}()
		}
	}
}

// deliver runs the first attempt of r.
func (d *direct) deliver(r *outboxRow) {
	ctx := d.baseCtx
	timeout := r.sub.Timeout
	if timeout == 0 {
		timeout = d.b.engine.JobTimeout()
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	ctx = WithDelivery(ctx, Delivery{
		SubscriberID: r.sub.ID, EventID: r.msg.ID, EventName: r.msg.Name,
		Attempt: 1, MaxAttempts: r.sub.MaxAttempts,
	})
	err := call(ctx, d, r)
	if err == nil {
		d.mu.Lock()
		delete(d.held, r.id)
		d.done = append(d.done, r.id)
		full := len(d.done) >= flushBatch
		d.mu.Unlock()
		if full {
			select {
			case d.flush <- struct{}{}:
			default:
			}
		}
		return
	}
	err = fmt.Errorf("subscriber %q on %q (%s), attempt 1/%d: %w", r.sub.ID, r.msg.Name, r.msg.ID, r.sub.MaxAttempts, err)
	d.log.WarnContext(ctx, "eventbus: delivery failed; retrying as a job", "err", err)
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handOverTimeout)
	defer cancel()
	if herr := d.handOver(hctx, []outboxRow{*r}, err); herr != nil {
		d.log.WarnContext(ctx, "eventbus: failed delivery left to the sweep", "subscriber", r.sub.ID, "event", r.msg.ID, "err", herr)
	}
}

// call runs r's handler, turning a panic into an error.
func call(ctx context.Context, d *direct, r *outboxRow) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return r.sub.Handler(ctx, d.b.engine.Container().Scope(), r.msg)
}

// handOver replaces rows by River jobs in one transaction and forgets them.
// With failed set, rows are one failed delivery: its job counts the failure
// as attempt 1 (in the job's errors) and runs after the subscriber's
// backoff, or is dead-lettered at once when the subscriber allows one
// attempt. Rows already gone (delivered, or swept) are skipped.
func (d *direct) handOver(ctx context.Context, rows []outboxRow, failed error) error {
	if len(rows) == 0 {
		return nil
	}
	// One reading of the clock for the failure's recorded time and the
	// retry's due time, so that the retry never comes sooner than the
	// backoff after the recorded failure (two readings lay the insert's
	// round trip between them).
	failedAt := time.Now()
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	d.mu.Lock()
	for _, id := range ids {
		delete(d.held, id)
	}
	d.mu.Unlock()
	client, err := d.b.engine.Client()
	if err != nil {
		return err
	}
	return db.InTx(ctx, d.b.engine.Pool(), func(ctx context.Context, tx pgx.Tx) error {
		got, err := tx.Query(ctx, `DELETE FROM event_bus_outbox WHERE id = ANY($1) RETURNING id`, ids)
		if err != nil {
			return merrors.FromPg(err)
		}
		gone, err := pgx.CollectRows(got, pgx.RowTo[string])
		if err != nil {
			return err
		}
		mine := make(map[string]bool, len(gone))
		for _, id := range gone {
			mine[id] = true
		}
		var params []river.InsertManyParams
		for _, r := range rows {
			if !mine[r.id] {
				continue
			}
			job := deliveryJob(EventArgs{Subscriber: r.sub.ID, Event: r.msg}, r.sub.MaxAttempts)
			if failed != nil {
				job = deliveryJob(EventArgs{Subscriber: r.sub.ID, Event: r.msg, PriorAttempts: 1}, max(1, r.sub.MaxAttempts-1))
				wait := firstRetryDefault
				if r.sub.Backoff != nil {
					wait = max(0, r.sub.Backoff(1))
				}
				job.InsertOpts.ScheduledAt = failedAt.Add(wait)
			}
			params = append(params, job)
		}
		if len(params) == 0 {
			return nil
		}
		if failed == nil {
			return d.b.insertJobs(ctx, tx, len(params), func(i int) river.InsertManyParams { return params[i] })
		}
		res, err := client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
		// One failed row: record attempt 1's error as River records its
		// own, and make the job fetchable when due (River would leave a
		// future job "scheduled" until its scheduler's next pass, seconds
		// away) or dead-letter it.
		e, err := json.Marshal(map[string]any{"at": failedAt.UTC(), "attempt": 0, "error": failed.Error()})
		if err != nil {
			return err
		}
		state := "available"
		if rows[0].sub.MaxAttempts <= 1 {
			state = "discarded"
		}
		_, err = tx.Exec(ctx, `UPDATE river_job SET errors = ARRAY[$2::jsonb], state = $3::river_job_state,
finalized_at = CASE WHEN $3 = 'discarded' THEN now() END WHERE id = $1`, res[0].Job.ID, string(e), state)
		return merrors.FromPg(err)
	})
}

// flushStep deletes the delivered rows (every flushEvery, or when a batch is full).
func (d *direct) flushStep(ctx context.Context) {
	if err := d.deleteDone(ctx); err != nil && ctx.Err() == nil {
		d.log.WarnContext(ctx, "eventbus: deleting delivered rows failed; retrying", "err", err)
	}
}

// deleteDone deletes the delivered rows; on failure they are kept for the
// next try (and if their lease runs out first, the sweep delivers them
// again: at least once).
func (d *direct) deleteDone(ctx context.Context) error {
	d.mu.Lock()
	ids := d.done
	d.done = nil
	d.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := d.b.engine.Pool().Exec(ctx, `DELETE FROM event_bus_outbox WHERE id = ANY($1)`, ids); err != nil {
		d.mu.Lock()
		if len(d.done) < 1<<16 {
			d.done = append(ids, d.done...)
		}
		d.mu.Unlock()
		return fmt.Errorf("eventbus: delete delivered rows: %w", merrors.FromPg(err))
	}
	return nil
}

// renew extends the lease of rows this instance still holds (waiting or
// running) whose lease was last set a third of a lease ago.
func (d *direct) renew(ctx context.Context) {
	cut := time.Now().Add(-d.lease / 3)
	var ids []string
	d.mu.Lock()
	for id, at := range d.held {
		if at.Before(cut) {
			ids = append(ids, id)
		}
	}
	d.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if _, err := d.b.engine.Pool().Exec(ctx, `UPDATE event_bus_outbox SET lease_until = now() + $2::interval WHERE id = ANY($1)`, ids, d.lease); err != nil {
		if ctx.Err() == nil {
			d.log.WarnContext(ctx, "eventbus: renewing direct delivery leases failed", "count", len(ids), "err", err)
		}
		return
	}
	now := time.Now()
	d.mu.Lock()
	for _, id := range ids {
		if _, ok := d.held[id]; ok {
			d.held[id] = now
		}
	}
	d.mu.Unlock()
}

// every runs fn every period, and when wake (if not nil) fires, until ctx
// is done.
func (d *direct) every(ctx context.Context, period time.Duration, wake <-chan struct{}, fn func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		fn(ctx)
	}
}

// Sweep turns direct deliveries whose lease ran out (their instance died,
// or could not hand them over) into River jobs, and returns how many it
// moved. Working instances run it periodically (WithSweepInterval); it is
// safe to run anywhere, any number of times at once.
func (b *Bus) Sweep(ctx context.Context) (int, error) {
	client, err := b.engine.Client()
	if err != nil {
		return 0, fmt.Errorf("eventbus: sweep: %w", err)
	}
	total := 0
	for {
		n := 0
		err := db.InTx(ctx, b.engine.Pool(), func(ctx context.Context, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `WITH moved AS (
  DELETE FROM event_bus_outbox WHERE id IN (
    SELECT id FROM event_bus_outbox WHERE lease_until < now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING id, subscriber_id, message)
SELECT subscriber_id, message FROM moved ORDER BY id`, sweepBatch)
			if err != nil {
				return merrors.FromPg(err)
			}
			var params []river.InsertManyParams
			var sub string
			var m events.Message
			_, err = pgx.ForEachRow(rows, []any{&sub, &m}, func() error {
				ma := DefaultMaxAttempts
				if s := b.subscriber(sub); s != nil {
					ma = s.MaxAttempts
				}
				params = append(params, deliveryJob(EventArgs{Subscriber: sub, Event: m}, ma))
				return nil
			})
			if err != nil {
				return err
			}
			if n = len(params); n == 0 {
				return nil
			}
			if _, err := client.InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("insert deliveries: %w", err)
			}
			return nil
		})
		if err != nil {
			if ctx.Err() == nil {
				b.engine.Logger().WarnContext(ctx, "eventbus: sweep failed", "err", err)
			}
			return total, fmt.Errorf("eventbus: sweep: %w", err)
		}
		total += n
		if n > 0 {
			b.engine.Logger().InfoContext(ctx, "eventbus: took over direct deliveries whose lease ran out", "count", n)
		}
		if n < sweepBatch {
			return total, nil
		}
	}
}

// newOutboxID returns a time-ordered id for an outbox row.
func newOutboxID() string { return ids.ULID() }
