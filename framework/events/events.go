package events

import (
	"context"
	"encoding/json"

	"github.com/medusa-go/medusa/framework/container"
)

// Message is one event: a name such as "user.created", a JSON-serialisable
// payload (Medusa's {id} per record), and metadata (source, object, action,
// event group id).
type Message struct {
	// ID is unique per message; durable buses use it for deduplication. Left
	// empty, the bus assigns one.
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Data     json.RawMessage `json:"data"`
	Metadata Metadata        `json:"metadata"`
}

// Metadata mirrors Medusa's message metadata.
type Metadata struct {
	Source       string `json:"source,omitempty"`
	Object       string `json:"object,omitempty"`
	Action       string `json:"action,omitempty"`
	EventGroupID string `json:"eventGroupId,omitempty"`
}

// New builds a message, marshalling data to JSON.
func New(name string, data any, md Metadata) (Message, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return Message{}, err
	}
	return Message{Name: name, Data: b, Metadata: md}, nil
}

// Bus is the event bus module (container key "event_bus").
//
// Emit publishes messages. A message whose Metadata.EventGroupID is set (or
// that is emitted with a context carrying a group, see WithGroup) is held
// until ReleaseGroup publishes the group or ClearGroup drops it; this is how a
// workflow run's events are released only when the run succeeds.
type Bus interface {
	Emit(ctx context.Context, msgs ...Message) error
	ReleaseGroup(ctx context.Context, groupID string) error
	ClearGroup(ctx context.Context, groupID string) error
}

type groupKey struct{}

// WithGroup returns a context whose emitted messages are grouped under id.
func WithGroup(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, groupKey{}, id)
}

type groupInTxKey struct{}

// WithGroupInTx marks ctx, for a release of an event group, as saying that
// every event of the group was emitted in the transaction ctx carries (the
// workflow engine says so for a run that began in that transaction with a
// group it generated): a bus may then take the group's events from the
// transaction's pending writes instead of from its store.
func WithGroupInTx(ctx context.Context) context.Context {
	return context.WithValue(ctx, groupInTxKey{}, true)
}

// GroupInTx reports whether ctx was marked by WithGroupInTx.
func GroupInTx(ctx context.Context) bool {
	v, _ := ctx.Value(groupInTxKey{}).(bool)
	return v
}

// GroupFrom returns the event group id ctx carries, if any.
func GroupFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(groupKey{}).(string)
	return id, ok && id != ""
}

// BusKey is the container key of the application's event bus ("event_bus",
// Medusa's Modules.EVENT_BUS). It is the one declaration of that key: the
// framework, generated services and workflows resolve the bus with it.
var BusKey = container.NewKey[Bus]("event_bus")
