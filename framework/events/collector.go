package events

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/jsonw"
)

// Collector gathers the module events of one service call (Medusa's
// MessageAggregator), so that they are emitted in one Bus.Emit call at the
// end of the call's transaction (see Publish).
type Collector struct{ msgs []Message }

type collectorKey struct{}

// Messages returns the collected messages.
func (c *Collector) Messages() []Message { return c.msgs }

// Add appends messages.
func (c *Collector) Add(msgs ...Message) { c.msgs = append(c.msgs, msgs...) }

// Take returns the collected messages and forgets them, so that a context
// that outlives the call (pgx keeps the last one of each connection) does
// not hold a bulk call's events.
func (c *Collector) Take() []Message {
	m := c.msgs
	c.msgs = nil
	return m
}

// CollectorFrom returns the collector ctx carries.
func CollectorFrom(ctx context.Context) (*Collector, bool) {
	c, ok := ctx.Value(collectorKey{}).(*Collector)
	return c, ok
}

// WithCollector returns ctx with a new collector, unless ctx already carries
// one (a service call nested in another: its events join the outer call's).
// owner reports whether the collector is new, so the caller must publish it.
func WithCollector(ctx context.Context) (_ context.Context, c *Collector, owner bool) {
	if c, ok := CollectorFrom(ctx); ok {
		return ctx, c, false
	}
	c = &Collector{}
	return context.WithValue(ctx, collectorKey{}, c), c, true
}

// Publish emits msgs on bus in one call. On a bus that writes in the
// caller's transaction (TxEmitter, the durable event bus) it emits at
// once, in the transaction ctx carries, so the events are stored if and only
// if the data commits; an Emit error is returned and must fail the
// transaction. On any other bus it schedules the Emit after the transaction
// ctx carries commits (at once outside a transaction) and logs an Emit
// error, since the data is committed by then. Module events carry no event
// group (Medusa emits them at once even inside a workflow), so the group a
// workflow put in ctx is removed. A nil bus or no message does nothing.
func Publish(ctx context.Context, bus Bus, msgs []Message) error {
	if bus == nil || len(msgs) == 0 {
		return nil
	}
	if EmitsInTx(bus) {
		if err := bus.Emit(WithGroup(ctx, ""), msgs...); err != nil {
			return fmt.Errorf("emit module events: %w", err)
		}
		return nil
	}
	db.AfterCommit(ctx, func(ctx context.Context) {
		ctx = WithGroup(ctx, "")
		if err := bus.Emit(ctx, msgs...); err != nil {
			slog.ErrorContext(ctx, "emit module events", "err", err, "count", len(msgs), "first", msgs[0].Name)
		}
	})
	return nil
}

// Event builds a module event message named name with data, metadata
// source, object and action.
func Event(name, source, object, action string, data any) Message {
	m, err := New(name, data, Metadata{Source: source, Object: object, Action: action})
	if err != nil {
		// data is generated code's map of ids: it always marshals.
		slog.Error("marshal module event", "name", name, "err", err)
	}
	return m
}

// IDEvent builds the module event of one record, data {"id": id}: the
// message Event builds for map[string]any{"id": id}, byte for byte, without
// a map and encoding/json's reflection per record (a bulk create emits one
// per row).
func IDEvent(name, source, object, action, id string) Message {
	b := make([]byte, 0, len(id)+9)
	b = append(b, `{"id":`...)
	b = jsonw.AppendJSONString(b, id)
	b = append(b, '}')
	return Message{Name: name, Data: b, Metadata: Metadata{Source: source, Object: object, Action: action}}
}
