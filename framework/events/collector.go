package events

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/jsonw"
)

// Collector gathers the module events of one service call (Medusa's
// MessageAggregator), so that they are emitted together at the end of the
// call's transaction (see Collector.Publish).
type Collector struct{ parts []pending }

// pending is a run of collected events: messages (Add), or the event of
// each of a list of records (AddIDs), built when it is emitted.
type pending struct {
	msgs []Message
	byID bool
	ids  []string
	name string
	md   Metadata
}

// len is the number of events of p.
func (p *pending) len() int {
	if p.byID {
		return len(p.ids)
	}
	return len(p.msgs)
}

type collectorKey struct{}

// Add appends messages.
func (c *Collector) Add(msgs ...Message) {
	if len(msgs) == 0 {
		return
	}
	if n := len(c.parts); n > 0 && !c.parts[n-1].byID {
		c.parts[n-1].msgs = append(c.parts[n-1].msgs, msgs...)
		return
	}
	c.parts = append(c.parts, pending{msgs: append([]Message(nil), msgs...)})
}

// AddIDs appends the module event of each record of ids: the message
// IDEvent(name, source, object, action, id) builds, data {"id": id}. The
// messages are built only as they are emitted (Publish), a chunk at a
// time: a bulk call emits one event per row, and a built message takes
// 120 bytes and its data 48 more where the id's place in ids takes 16. ids
// is kept, not copied: the caller must not change it.
func (c *Collector) AddIDs(name, source, object, action string, ids []string) {
	if len(ids) == 0 {
		return
	}
	c.parts = append(c.parts, pending{byID: true, ids: ids, name: name, md: Metadata{Source: source, Object: object, Action: action}})
}

// Len returns the number of collected events.
func (c *Collector) Len() int { return lenAll(c.parts) }

// Messages returns the collected events, built, in the order they were
// added.
func (c *Collector) Messages() []Message {
	if len(c.parts) == 0 {
		return nil
	}
	n := c.Len()
	out := make([]Message, 0, n)
	_ = eachChunk(c.parts, n, func(msgs []Message) error {
		out = append(out, msgs...)
		return nil
	})
	return out
}

// Take returns the collected events, built (Messages), and forgets them,
// so that a context that outlives the call (pgx keeps the last one of each
// connection) does not hold a bulk call's events.
func (c *Collector) Take() []Message {
	m := c.Messages()
	c.parts = nil
	return m
}

// EmitChunk is the most messages Collector.Publish passes to one Bus.Emit:
// a call's events are emitted in one Emit up to it, in Emits of EmitChunk
// beyond, each chunk built as it is sent, so that a bulk call never holds
// all of its messages at once, nor what a bus makes of them (the durable
// bus's River jobs). Creating 100,000 users in one call with GOMEMLIMIT
// at 32 MiB (modgen BenchmarkBulkUsers), the Go heap peaked 57–59 MB above
// where it started with every message built at once, 34–39 MB in chunks of
// 5,000 and 30–33 MB in chunks of 1,000, of which 23 MB is the call's
// result.
const EmitChunk = 1000

// Publish emits the collected events on bus as Publish does (in the
// transaction ctx carries on a TxEmitter, else after it commits), in the
// order they were added, EmitChunk at a time, and forgets them.
func (c *Collector) Publish(ctx context.Context, bus Bus) error {
	parts := c.parts
	c.parts = nil
	if bus == nil || len(parts) == 0 {
		return nil
	}
	first := parts[0].name
	if !parts[0].byID {
		first = parts[0].msgs[0].Name
	}
	return publish(ctx, bus, lenAll(parts), first, func(ctx context.Context) error {
		return eachChunk(parts, EmitChunk, func(msgs []Message) error { return bus.Emit(ctx, msgs...) })
	})
}

// lenAll is the number of events of parts.
func lenAll(parts []pending) int {
	n := 0
	for i := range parts {
		n += parts[i].len()
	}
	return n
}

// eachChunk builds the events of parts in order and passes them to fn, at
// most n at a time, in a new slice each time (a bus may keep what it was
// given).
func eachChunk(parts []pending, n int, fn func([]Message) error) error {
	left := lenAll(parts)
	buf := make([]Message, 0, min(n, left))
	for i := range parts {
		p := &parts[i]
		for j := range p.len() {
			if len(buf) == n {
				if err := fn(buf); err != nil {
					return err
				}
				left -= n
				buf = make([]Message, 0, min(n, left))
			}
			if p.byID {
				buf = append(buf, IDEvent(p.name, p.md.Source, p.md.Object, p.md.Action, p.ids[j]))
			} else {
				buf = append(buf, p.msgs[j])
			}
		}
	}
	if len(buf) == 0 {
		return nil
	}
	return fn(buf)
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
	return publish(ctx, bus, len(msgs), msgs[0].Name, func(ctx context.Context) error { return bus.Emit(ctx, msgs...) })
}

// publish runs emit (the Emits of count events, the first named first)
// where Publish says: at once on a TxEmitter, its error returned; else
// after the transaction ctx carries commits, its error logged. emit gets
// ctx without its event group.
func publish(ctx context.Context, bus Bus, count int, first string, emit func(context.Context) error) error {
	if EmitsInTx(bus) {
		if err := emit(WithGroup(ctx, "")); err != nil {
			return fmt.Errorf("emit module events: %w", err)
		}
		return nil
	}
	db.AfterCommit(ctx, func(ctx context.Context) {
		ctx = WithGroup(ctx, "")
		if err := emit(ctx); err != nil {
			slog.ErrorContext(ctx, "emit module events", "err", err, "count", count, "first", first)
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
