package ids_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/medusa-go/medusa/framework/ids"
)

func TestNew(t *testing.T) {
	id := ids.New("user")
	rest, ok := strings.CutPrefix(id, "user_")
	if !ok {
		t.Fatalf("%q has no user_ prefix", id)
	}
	if _, err := ulid.ParseStrict(rest); err != nil {
		t.Fatalf("%q: %v", id, err)
	}
	if bare := ids.New(""); len(bare) != ulid.EncodedSize || strings.Contains(bare, "_") {
		t.Fatalf("New(\"\") = %q", bare)
	}
}

// Ids made one after the other by one process increase (also within one
// millisecond) and are distinct, also when made concurrently.
func TestULIDIncreasesAndIsUnique(t *testing.T) {
	prev := ids.ULID()
	for range 10000 {
		id := ids.ULID()
		if id <= prev {
			t.Fatalf("%s after %s", id, prev)
		}
		prev = id
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5000 {
				id := ids.ULID()
				mu.Lock()
				if seen[id] {
					t.Errorf("%s made twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func BenchmarkULID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ids.ULID()
	}
}
