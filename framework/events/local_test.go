package events_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/medusa-go/medusa/framework/events"
)

var quiet = slog.New(slog.DiscardHandler)

func msg(t *testing.T, name string, md events.Metadata) events.Message {
	t.Helper()
	m, err := events.New(name, map[string]string{"id": name}, md)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLocalGroupedEvents(t *testing.T) {
	ctx := context.Background()
	b := events.NewLocal(events.WithLogger(quiet))
	var got []string
	b.Subscribe("user.created", func(ctx context.Context, m events.Message) error {
		got = append(got, "created:"+m.Metadata.EventGroupID)
		return nil
	})
	b.Subscribe(events.Wildcard, func(ctx context.Context, m events.Message) error {
		if m.ID == "" {
			return errors.New("no id assigned")
		}
		got = append(got, "any:"+m.Name)
		return errors.New("a failing handler does not stop the others")
	})
	// Ungrouped: delivered at once.
	if err := b.Emit(ctx, msg(t, "user.created", events.Metadata{})); err != nil {
		t.Fatal(err)
	}
	// Grouped through the context or the metadata: held.
	gctx := events.WithGroup(ctx, "g1")
	_ = b.Emit(gctx, msg(t, "user.created", events.Metadata{}), msg(t, "user.updated", events.Metadata{}))
	_ = b.Emit(ctx, msg(t, "user.created", events.Metadata{EventGroupID: "g2"}))
	if want := []string{"created:", "any:user.created"}; !slices.Equal(got, want) {
		t.Fatalf("before release: %v", got)
	}
	if held := b.Held("g1"); len(held) != 2 || held[0].Metadata.EventGroupID != "g1" {
		t.Fatalf("held g1 = %+v", held)
	}
	if err := b.ReleaseGroup(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	if err := b.ClearGroup(ctx, "g2"); err != nil {
		t.Fatal(err)
	}
	_ = b.ReleaseGroup(ctx, "g2") // nothing left
	want := []string{"created:", "any:user.created", "created:g1", "any:user.created", "any:user.updated"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if len(b.Held("g1")) != 0 {
		t.Fatal("released group still held")
	}
	if err := b.ReleaseGroup(ctx, ""); err == nil {
		t.Fatal("empty group id accepted")
	}
}

func TestLocalUnsubscribe(t *testing.T) {
	b := events.NewLocal()
	n := 0
	unsub := b.Subscribe("x", func(context.Context, events.Message) error { n++; return nil })
	_ = b.Emit(context.Background(), events.Message{Name: "x"})
	unsub()
	_ = b.Emit(context.Background(), events.Message{Name: "x"})
	if n != 1 {
		t.Fatalf("calls = %d", n)
	}
}

func ExampleLocal() {
	ctx := context.Background()
	bus := events.NewLocal()
	bus.Subscribe("user.created", func(ctx context.Context, m events.Message) error {
		fmt.Println("received", m.Name, string(m.Data))
		return nil
	})
	// A workflow run emits under its event group...
	m, _ := events.New("user.created", map[string]string{"id": "user_1"}, events.Metadata{})
	_ = bus.Emit(events.WithGroup(ctx, "run-1"), m)
	fmt.Println("held:", len(bus.Held("run-1")))
	// ...and releases the group when it succeeds.
	_ = bus.ReleaseGroup(ctx, "run-1")
	// Output:
	// held: 1
	// received user.created {"id":"user_1"}
}
