package events

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/medusa-go/medusa/framework/ids"
)

// Handler receives one message. An error is logged by the bus; it does not
// stop the other handlers and is not returned to the emitter (Medusa's local
// event bus behaves the same way).
type Handler func(ctx context.Context, msg Message) error

// Wildcard subscribes a handler to every event name.
const Wildcard = "*"

// Local is an in-process Bus for development and tests: handlers subscribe by
// event name and are called synchronously, in subscription order, by Emit (or
// by ReleaseGroup for grouped messages). Grouped messages are held in memory
// per group id until ReleaseGroup publishes them in emission order or
// ClearGroup drops them; held messages do not survive the process.
//
// A Local is safe for concurrent use.
type Local struct {
	logger *slog.Logger

	mu     sync.Mutex
	subs   map[string][]*subscription
	held   map[string][]Message
	nextID uint64
}

type subscription struct {
	id uint64
	h  Handler
}

// LocalOption configures a Local bus.
type LocalOption func(*Local)

// WithLogger sets the logger handler errors are reported to (default
// slog.Default()).
func WithLogger(l *slog.Logger) LocalOption {
	return func(b *Local) { b.logger = l }
}

// NewLocal returns an empty in-process bus.
func NewLocal(opts ...LocalOption) *Local {
	b := &Local{logger: slog.Default(), subs: map[string][]*subscription{}, held: map[string][]Message{}}
	for _, o := range opts {
		o(b)
	}
	return b
}

var _ Bus = (*Local)(nil)

// Subscribe calls h for every published message named name (or every message,
// for Wildcard). It returns a function that removes the subscription.
func (b *Local) Subscribe(name string, h Handler) (unsubscribe func()) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	b.subs[name] = append(b.subs[name], &subscription{id: id, h: h})
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		list := b.subs[name]
		for i, s := range list {
			if s.id == id {
				b.subs[name] = append(list[:i:i], list[i+1:]...)
				return
			}
		}
	}
}

// Emit publishes msgs. A message whose Metadata.EventGroupID is set, or that
// is emitted with a context carrying a group (WithGroup), is held under that
// group instead; its EventGroupID is filled in from the context when empty.
// Messages without an ID get a ULID.
func (b *Local) Emit(ctx context.Context, msgs ...Message) error {
	ctxGroup, _ := GroupFrom(ctx)
	now := make([]Message, 0, len(msgs))
	b.mu.Lock()
	for _, m := range msgs {
		if m.ID == "" {
			m.ID = ids.ULID()
		}
		if m.Metadata.EventGroupID == "" {
			m.Metadata.EventGroupID = ctxGroup
		}
		if g := m.Metadata.EventGroupID; g != "" {
			b.held[g] = append(b.held[g], m)
			continue
		}
		now = append(now, m)
	}
	b.mu.Unlock()
	b.publish(ctx, now)
	return nil
}

// ReleaseGroup publishes the messages held under groupID, in emission order,
// and forgets them. Releasing an unknown or empty group is a no-op.
func (b *Local) ReleaseGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return fmt.Errorf("events: release group: empty group id")
	}
	b.mu.Lock()
	msgs := b.held[groupID]
	delete(b.held, groupID)
	b.mu.Unlock()
	b.publish(ctx, msgs)
	return nil
}

// ClearGroup drops the messages held under groupID.
func (b *Local) ClearGroup(ctx context.Context, groupID string) error {
	if groupID == "" {
		return fmt.Errorf("events: clear group: empty group id")
	}
	b.mu.Lock()
	delete(b.held, groupID)
	b.mu.Unlock()
	return nil
}

// Held returns a copy of the messages currently held under groupID.
func (b *Local) Held(groupID string) []Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Message(nil), b.held[groupID]...)
}

func (b *Local) publish(ctx context.Context, msgs []Message) {
	for _, m := range msgs {
		b.mu.Lock()
		hs := make([]Handler, 0, len(b.subs[m.Name])+len(b.subs[Wildcard]))
		for _, s := range b.subs[m.Name] {
			hs = append(hs, s.h)
		}
		for _, s := range b.subs[Wildcard] {
			hs = append(hs, s.h)
		}
		b.mu.Unlock()
		for _, h := range hs {
			if err := h(ctx, m); err != nil {
				b.logger.ErrorContext(ctx, "events: handler failed", "event", m.Name, "id", m.ID, "err", err)
			}
		}
	}
}
