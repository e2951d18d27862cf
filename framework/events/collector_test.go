package events_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/medusa-go/medusa/framework/events"
)

// TestIDEvent checks that IDEvent builds what Event builds for {"id": id},
// including ids that encoding/json escapes.
func TestIDEvent(t *testing.T) {
	for _, id := range []string{"user_01J0000000000000000000000", "", `a"b\c`, "<&>", "é\u2028\x01"} {
		want := events.Event("user.user.created", "user", "user", "created", map[string]any{"id": id})
		got := events.IDEvent("user.user.created", "user", "user", "created", id)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("id %q: IDEvent gives %+v (data %s), Event %+v (data %s)", id, got, got.Data, want, want.Data)
		}
	}
}

// TestCollectorTake checks that Take hands the messages over and forgets
// them.
func TestCollectorTake(t *testing.T) {
	ctx, col, owner := events.WithCollector(context.Background())
	if !owner {
		t.Fatal("a new collector is not owned")
	}
	if _, c2, owner := events.WithCollector(ctx); c2 != col || owner {
		t.Fatal("a nested call got its own collector")
	}
	col.Add(events.IDEvent("a", "m", "o", "created", "1"), events.IDEvent("a", "m", "o", "created", "2"))
	if got := col.Take(); len(got) != 2 || len(col.Messages()) != 0 || col.Take() != nil {
		t.Fatalf("Take gave %d messages, left %d", len(got), len(col.Messages()))
	}
}

// emits records each Emit call's messages on the way to a real bus.
type emits struct {
	*events.Local
	calls [][]events.Message
}

func (e *emits) Emit(ctx context.Context, msgs ...events.Message) error {
	e.calls = append(e.calls, msgs)
	return e.Local.Emit(ctx, msgs...)
}

// TestCollectorPublish checks that a call's events are published in the
// order they were added, messages and events by id (built as IDEvent
// builds them) alike, in one Emit up to EmitChunk and in chunks of
// EmitChunk beyond, and that Publish forgets them.
func TestCollectorPublish(t *testing.T) {
	ids := make([]string, events.EmitChunk+2)
	for i := range ids {
		ids[i] = fmt.Sprint("u", i)
	}
	for _, c := range []struct {
		name  string
		ids   []string
		calls []int
	}{
		{"small", ids[:3], []int{5}},
		{"one chunk", ids[:events.EmitChunk-2], []int{events.EmitChunk}},
		{"two chunks", ids, []int{events.EmitChunk, 4}},
	} {
		ctx, col, _ := events.WithCollector(context.Background())
		col.Add(events.IDEvent("first", "m", "o", "updated", "x"))
		col.AddIDs("user.created", "user", "user", "created", c.ids)
		col.Add(events.IDEvent("last", "m", "o", "updated", "y"))
		if col.Len() != len(c.ids)+2 {
			t.Fatalf("%s: Len %d, want %d", c.name, col.Len(), len(c.ids)+2)
		}
		want := col.Messages()
		bus := &emits{Local: events.NewLocal()}
		var got []events.Message
		bus.Subscribe("*", func(_ context.Context, m events.Message) error { got = append(got, m); return nil })
		if err := col.Publish(ctx, bus); err != nil {
			t.Fatal(err)
		}
		var sizes []int
		var sent []events.Message
		for _, call := range bus.calls {
			sizes = append(sizes, len(call))
			sent = append(sent, call...)
		}
		if !slices.Equal(sizes, c.calls) {
			t.Errorf("%s: Emit calls of %v messages, want %v", c.name, sizes, c.calls)
		}
		if len(sent) != len(c.ids)+2 || sent[0].Name != "first" || sent[len(sent)-1].Name != "last" {
			t.Fatalf("%s: %d messages sent, first %q, last %q", c.name, len(sent), sent[0].Name, sent[len(sent)-1].Name)
		}
		for i, id := range c.ids {
			if w := events.IDEvent("user.created", "user", "user", "created", id); !reflect.DeepEqual(sent[i+1], w) || !reflect.DeepEqual(want[i+1], w) {
				t.Fatalf("%s: message %d is %+v, want %+v", c.name, i+1, sent[i+1], w)
			}
		}
		if len(got) != len(sent) {
			t.Errorf("%s: the bus delivered %d of %d messages", c.name, len(got), len(sent))
		}
		if col.Len() != 0 || col.Take() != nil {
			t.Errorf("%s: Publish left %d events", c.name, col.Len())
		}
	}
}
