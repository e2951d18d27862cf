package events_test

import (
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
