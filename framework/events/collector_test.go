package events_test

import (
	"context"
	"reflect"
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
