package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/ids"
	"github.com/medusa-go/medusa/framework/jobs"
)

// QueueEvents is the River queue deliveries run on.
const QueueEvents = "events"

// Wildcard subscribes to every event name.
const Wildcard = events.Wildcard

// DefaultMaxAttempts is how many times a delivery is tried before it is
// dead-lettered, when a Subscriber does not say.
const DefaultMaxAttempts = 10

// Handler handles one event for one subscriber. c is a fresh scope of the
// root container, made for this delivery: resolve services from it, run
// workflows with it. Returning an error retries this delivery (only this
// subscriber's) with backoff; after the last attempt it is dead-lettered.
// DeliveryFrom(ctx) tells the attempt and the subscriber id.
type Handler func(ctx context.Context, c *container.Container, msg events.Message) error

// Subscriber is a handler registered for one or more event names.
type Subscriber struct {
	// ID names the subscriber; it keys its deliveries and its deduplication
	// records, so keep it stable across releases. Letters, digits, '_', '-',
	// '.', ':'.
	ID string
	// Events are the event names handled ("invite.created"), or Wildcard.
	Events []string
	// Handler handles a delivery.
	Handler Handler
	// MaxAttempts before a delivery is dead-lettered (default
	// DefaultMaxAttempts).
	MaxAttempts int
	// Backoff returns how long to wait after failed attempt number attempt
	// (1-based). Nil uses River's default: attempt⁴ seconds with jitter
	// (1s, 16s, 81s, 4m16s, ...).
	Backoff func(attempt int) time.Duration
	// Timeout bounds one attempt (the engine's JobTimeout when 0). River
	// rescues a delivery whose process died only once it has run longer
	// than both this and the engine's RescueStuckJobsAfter; -1 (no timeout)
	// means such a delivery is never rescued, so avoid it.
	Timeout time.Duration
}

var idRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// Bus is the durable event bus: events.Bus on River and Postgres.
//
// Emit stores events in the transaction the context carries (db.WithTx /
// db.InTx), or in its own: an event exists if and only if the data it
// describes committed (a transactional outbox). Each (event, subscriber)
// becomes one River job, delivered at least once with retries, backoff and a
// dead-letter state (River's "discarded"). Grouped events wait in
// event_bus_held until ReleaseGroup or ClearGroup.
//
// Subscribers are looked up when events are emitted (fan-out happens at
// Emit) and when deliveries run, so every instance, server or worker, must
// register the same subscribers at start-up.
type Bus struct {
	engine *jobs.Engine
	direct *direct // nil with WithoutDirectDelivery

	mu   sync.RWMutex
	subs map[string]*Subscriber
	// byName maps an event name (or Wildcard) to its subscribers, in
	// subscription order.
	byName map[string][]*Subscriber
}

var _ events.Bus = (*Bus)(nil)

// EmitsInTx implements events.TxEmitter: Emit writes in the transaction the context carries.
func (b *Bus) EmitsInTx() bool { return true }

// New returns a bus on engine and registers its worker, queue and direct
// deliveries there, so it must be called before the engine starts.
// maxWorkers bounds concurrent deliveries in this instance (0: the engine's
// default), for River's jobs and for direct deliveries each.
//
// By default an instance that works jobs delivers the events it emits
// itself, right after the commit, and only retries (and the deliveries of
// an instance that died) go through River jobs; see direct.go and
// docs/events.md ("Direct delivery"). WithoutDirectDelivery turns this off.
func New(engine *jobs.Engine, maxWorkers int, opts ...Option) (*Bus, error) {
	o := busOptions{direct: true}
	for _, opt := range opts {
		opt(&o)
	}
	b := &Bus{engine: engine, subs: map[string]*Subscriber{}, byName: map[string][]*Subscriber{}}
	if err := jobs.AddWorker(engine, &eventWorker{b: b}); err != nil {
		return nil, fmt.Errorf("eventbus: %w", err)
	}
	if err := engine.AddQueue(QueueEvents, maxWorkers); err != nil {
		return nil, fmt.Errorf("eventbus: %w", err)
	}
	if o.direct {
		if maxWorkers <= 0 {
			maxWorkers = engine.MaxWorkers()
		}
		b.direct = newDirect(b, maxWorkers, o)
		if err := engine.AddService(b.direct); err != nil {
			return nil, fmt.Errorf("eventbus: %w", err)
		}
	}
	return b, nil
}

// Engine returns the job engine the bus runs on.
func (b *Bus) Engine() *jobs.Engine { return b.engine }

// Start starts the engine (see jobs.Engine.Start), for callers that own the
// bus rather than the engine.
func (b *Bus) Start(ctx context.Context) error { return b.engine.Start(ctx) }

// Stop stops the engine.
func (b *Bus) Stop(ctx context.Context) error { return b.engine.Stop(ctx) }

// Subscribe registers s. Subscriber ids are unique.
func (b *Bus) Subscribe(s Subscriber) error {
	if !idRe.MatchString(s.ID) {
		return fmt.Errorf("eventbus: subscribe: id %q must match %s", s.ID, idRe)
	}
	if s.Handler == nil {
		return fmt.Errorf("eventbus: subscribe %q: nil handler", s.ID)
	}
	if len(s.Events) == 0 {
		return fmt.Errorf("eventbus: subscribe %q: no event names", s.ID)
	}
	for _, n := range s.Events {
		if n == "" {
			return fmt.Errorf("eventbus: subscribe %q: empty event name", s.ID)
		}
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = DefaultMaxAttempts
	}
	s.Events = append([]string(nil), s.Events...)
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := b.subs[s.ID]; dup {
		return fmt.Errorf("eventbus: subscribe %q: id already registered", s.ID)
	}
	b.subs[s.ID] = &s
	seen := map[string]bool{}
	for _, n := range s.Events {
		if !seen[n] {
			seen[n] = true
			b.byName[n] = append(b.byName[n], &s)
		}
	}
	return nil
}

func (b *Bus) subscriber(id string) *Subscriber {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.subs[id]
}

// EventArgs is the River job of one delivery: one event for one subscriber.
type EventArgs struct {
	Subscriber string         `json:"subscriber"`
	Event      events.Message `json:"event"`
	// PriorAttempts counts the attempts made before the job existed (a
	// failed direct delivery): Delivery.Attempt is the job's attempt plus
	// this.
	PriorAttempts int `json:"prior_attempts,omitempty"`
}

// Kind implements river.JobArgs.
func (EventArgs) Kind() string { return "medusa_event" }

// delivery is one (message, subscriber) pair of an Emit or a release.
type delivery struct {
	sub *Subscriber
	mi  int // index of the message
}

// fanout lists one delivery per (message, subscriber), in message order.
func (b *Bus) fanout(msgs []events.Message) []delivery {
	b.mu.RLock()
	defer b.mu.RUnlock()
	var out []delivery
	for mi, m := range msgs {
		seen := map[string]bool{}
		for _, list := range [][]*Subscriber{b.byName[m.Name], b.byName[Wildcard]} {
			for _, s := range list {
				if seen[s.ID] {
					continue
				}
				seen[s.ID] = true
				out = append(out, delivery{sub: s, mi: mi})
			}
		}
	}
	return out
}

// deliveryJob is the River job of one delivery, on the events queue.
func deliveryJob(args EventArgs, maxAttempts int) river.InsertManyParams {
	return river.InsertManyParams{Args: args, InsertOpts: &river.InsertOpts{Queue: QueueEvents, MaxAttempts: maxAttempts}}
}

// jobChunk is how many River jobs one insert writes (insertJobs): an Emit
// of 100,000 events holds one chunk's encoded jobs at a time.
const jobChunk = 5000

// deliver stores the deliveries ds of msgs in tx: as many as this
// instance's direct queue has room for as direct deliveries, the rest as
// River jobs (a bulk Emit would only fill the queue and hand the overflow
// to River after the commit).
func (b *Bus) deliver(ctx context.Context, tx pgx.Tx, msgs []events.Message, ds []delivery) error {
	if len(ds) == 0 {
		return nil
	}
	n := min(len(ds), b.direct.room())
	if n > 0 {
		rows := make([]outboxRow, n)
		for i, d := range ds[:n] {
			rows[i] = outboxRow{id: newOutboxID(), sub: d.sub, msg: msgs[d.mi], mi: d.mi}
		}
		if err := b.direct.insert(ctx, tx, rows); err != nil {
			return err
		}
	}
	ds = ds[n:]
	return b.insertJobs(ctx, tx, len(ds), func(i int) river.InsertManyParams {
		d := ds[i]
		return deliveryJob(EventArgs{Subscriber: d.sub.ID, Event: msgs[d.mi]}, d.sub.MaxAttempts)
	})
}

// insertJobs inserts n River jobs in tx, job(i) the i-th, jobChunk at a
// time, each chunk one COPY (River's InsertManyFastTx: the deliveries have
// no unique options, and nothing reads the inserted rows back).
func (b *Bus) insertJobs(ctx context.Context, tx pgx.Tx, n int, job func(i int) river.InsertManyParams) error {
	if n == 0 {
		return nil
	}
	client, err := b.engine.Client()
	if err != nil {
		return err
	}
	params := make([]river.InsertManyParams, 0, min(n, jobChunk))
	for start := 0; start < n; start += jobChunk {
		params = params[:0]
		for i := start; i < min(start+jobChunk, n); i++ {
			params = append(params, job(i))
		}
		if _, err := client.InsertManyFastTx(ctx, tx, params); err != nil {
			return fmt.Errorf("insert deliveries: %w", err)
		}
	}
	return nil
}

// Emit stores msgs for delivery, in the transaction ctx carries or in one of
// its own. Messages without an ID get a ULID. A message whose
// Metadata.EventGroupID is set, or emitted with a ctx carrying a group
// (events.WithGroup, which fills EventGroupID in), is held until
// ReleaseGroup. An event with no subscriber is not stored.
func (b *Bus) Emit(ctx context.Context, msgs ...events.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ctxGroup, _ := events.GroupFrom(ctx)
	now, held := make([]events.Message, 0, len(msgs)), []events.Message(nil)
	for i, m := range msgs {
		if m.Name == "" {
			return merrors.New(merrors.InvalidData, "eventbus: emit: message %d has no name", i)
		}
		if m.ID == "" {
			m.ID = ids.ULID()
		}
		if len(m.Data) == 0 {
			m.Data = json.RawMessage("null")
		} else if !json.Valid(m.Data) {
			return merrors.New(merrors.InvalidData, "eventbus: emit %q: data is not valid JSON", m.Name)
		}
		if m.Metadata.EventGroupID == "" {
			m.Metadata.EventGroupID = ctxGroup
		}
		if m.Metadata.EventGroupID != "" {
			held = append(held, m)
		} else {
			now = append(now, m)
		}
	}
	ds := b.fanout(now)
	if len(held) == 0 && len(ds) == 0 {
		return nil
	}
	err := db.InTx(ctx, b.engine.Pool(), func(ctx context.Context, tx pgx.Tx) error {
		if err := hold(ctx, tx, held); err != nil {
			return err
		}
		return b.deliver(ctx, tx, now, ds)
	})
	if err != nil {
		return fmt.Errorf("eventbus: emit: %w", err)
	}
	return nil
}

// holdSQL stores held events, in emission order.
const holdSQL = `INSERT INTO event_bus_held (group_id, event_id, name, message)
SELECT g, i, n, m::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(g, i, n, m, o) ORDER BY o`

// holdTag tags the queued insert of a group's held events (db.TagQueuer).
func holdTag(group string) string { return "event_bus_held:" + group }

func hold(ctx context.Context, tx pgx.Tx, msgs []events.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if tq, ok := tx.(db.TagQueuer); ok {
		// One queued insert per group, tagged, so that a release in the
		// same transaction can take it back (see ReleaseGroup).
		var order []string
		byGroup := map[string][]events.Message{}
		for _, m := range msgs {
			g := m.Metadata.EventGroupID
			if _, ok := byGroup[g]; !ok {
				order = append(order, g)
			}
			byGroup[g] = append(byGroup[g], m)
		}
		for _, g := range order {
			args, err := holdArgs(byGroup[g])
			if err != nil {
				return err
			}
			tq.QueueTagged(holdTag(g), holdSQL, args...)
		}
		return nil
	}
	args, err := holdArgs(msgs)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, holdSQL, args...); err != nil {
		return fmt.Errorf("hold grouped events: %w", merrors.FromPg(err))
	}
	return nil
}

// holdArgs are holdSQL's arguments for msgs.
func holdArgs(msgs []events.Message) ([]any, error) {
	groups := make([]string, len(msgs))
	ids := make([]string, len(msgs))
	names := make([]string, len(msgs))
	bodies := make([]string, len(msgs))
	for i, m := range msgs {
		j, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("hold %q: %w", m.Name, err)
		}
		groups[i], ids[i], names[i], bodies[i] = m.Metadata.EventGroupID, m.ID, m.Name, string(j)
	}
	return []any{groups, ids, names, bodies}, nil
}

// takeQueued takes back the still-queued inserts of group's held events
// from a transaction that can (db.TagQueuer) and returns their messages; ok
// is false when there is no such transaction or one of the inserts was sent.
func takeQueued(tx pgx.Tx, group string) (msgs []events.Message, ok bool, err error) {
	tq, isTQ := tx.(db.TagQueuer)
	if !isTQ {
		return nil, false, nil
	}
	all, ok := tq.TakeTagged(holdTag(group))
	if !ok {
		return nil, false, nil
	}
	for _, args := range all {
		for _, body := range args[3].([]string) {
			var m events.Message
			if err := json.Unmarshal([]byte(body), &m); err != nil {
				return nil, true, fmt.Errorf("read queued held event: %w", err)
			}
			msgs = append(msgs, m)
		}
	}
	return msgs, true, nil
}

// ReleaseGroup turns the events held under groupID into deliveries, in
// emission order, in the transaction ctx carries or in one of its own.
// Releasing an unknown or already released group is a no-op.
func (b *Bus) ReleaseGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return merrors.New(merrors.InvalidData, "eventbus: release group: empty group id")
	}
	err := db.InTx(ctx, b.engine.Pool(), func(ctx context.Context, tx pgx.Tx) error {
		var msgs []events.Message
		var taken bool
		if events.GroupInTx(ctx) {
			// Every event of the group was emitted in this transaction: if
			// their inserts are still queued, none is stored yet, so they
			// are delivered straight from here.
			var err error
			if msgs, taken, err = takeQueued(tx, groupID); err != nil {
				return err
			}
		}
		if !taken {
			var err error
			if msgs, err = takeHeld(ctx, tx, groupID); err != nil {
				return err
			}
		}
		return b.deliver(ctx, tx, msgs, b.fanout(msgs))
	})
	if err != nil {
		return fmt.Errorf("eventbus: release group %q: %w", groupID, err)
	}
	return nil
}

func takeHeld(ctx context.Context, tx pgx.Tx, groupID string) ([]events.Message, error) {
	rows, err := tx.Query(ctx, `WITH d AS (DELETE FROM event_bus_held WHERE group_id = $1 RETURNING seq, message)
SELECT message FROM d ORDER BY seq`, groupID)
	if err != nil {
		return nil, merrors.FromPg(err)
	}
	msgs, err := pgx.CollectRows(rows, pgx.RowTo[events.Message])
	if err != nil {
		return nil, fmt.Errorf("read held events: %w", err)
	}
	return msgs, nil
}

// ClearGroup drops the events held under groupID (the workflow run failed).
func (b *Bus) ClearGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return merrors.New(merrors.InvalidData, "eventbus: clear group: empty group id")
	}
	if _, err := db.Conn(ctx, b.engine.Pool()).Exec(ctx, `DELETE FROM event_bus_held WHERE group_id = $1`, groupID); err != nil {
		return fmt.Errorf("eventbus: clear group %q: %w", groupID, merrors.FromPg(err))
	}
	return nil
}

// PruneHeld drops held events older than olderThan, whose group was never
// released nor cleared (a workflow run that died and was not recovered),
// and returns how many it dropped. Run it from a scheduled job, with an age
// well beyond the longest workflow run.
func (b *Bus) PruneHeld(ctx context.Context, olderThan time.Duration) (int64, error) {
	tag, err := db.Conn(ctx, b.engine.Pool()).Exec(ctx, `DELETE FROM event_bus_held WHERE created_at < now() - $1::interval`, olderThan)
	if err != nil {
		return 0, fmt.Errorf("eventbus: prune held: %w", merrors.FromPg(err))
	}
	return tag.RowsAffected(), nil
}

// Held returns the events held under groupID, in emission order.
func (b *Bus) Held(ctx context.Context, groupID string) ([]events.Message, error) {
	rows, err := db.Conn(ctx, b.engine.Pool()).Query(ctx, `SELECT message FROM event_bus_held WHERE group_id = $1 ORDER BY seq`, groupID)
	if err != nil {
		return nil, fmt.Errorf("eventbus: held %q: %w", groupID, merrors.FromPg(err))
	}
	msgs, err := pgx.CollectRows(rows, pgx.RowTo[events.Message])
	if err != nil {
		return nil, fmt.Errorf("eventbus: held %q: %w", groupID, err)
	}
	return msgs, nil
}

var errNoSubscriber = errors.New("no such subscriber in this process")
