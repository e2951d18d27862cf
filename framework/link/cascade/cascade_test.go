package cascade

import (
	"context"
	"slices"
	"testing"
)

func TestCascadeNilNext(t *testing.T) {
	keys := map[string][]string{}
	var emitted []string
	op := func(_ context.Context, ids []string) ([]string, error) { return ids[:1], nil }
	err := Cascade(context.Background(), []string{"a", "b"}, keys, "x_id", op, func(got []string) { emitted = got }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys["x_id"], []string{"a"}) || !slices.Equal(emitted, []string{"a"}) {
		t.Fatalf("keys %v, emitted %v", keys, emitted)
	}
}
