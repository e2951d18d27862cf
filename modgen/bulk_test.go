package modgen_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// countingBus records the size of every Emit call.
type countingBus struct {
	*events.Local
	mu    sync.Mutex
	calls []int
}

func (b *countingBus) Emit(ctx context.Context, msgs ...events.Message) error {
	b.mu.Lock()
	b.calls = append(b.calls, len(msgs))
	b.mu.Unlock()
	return b.Local.Emit(ctx, msgs...)
}

// TestCreateUsersChunks creates sqlb.InsertChunk+1 users in one call (two
// insert statements): every DTO comes back in input order, a given id in the
// second chunk is kept, and the call emits once; a duplicate email in the
// second chunk fails the whole call, the first chunk included.
func TestCreateUsersChunks(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &countingBus{Local: events.NewLocal()}
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	n := sqlb.InsertChunk + 1
	in := make([]user.CreateUserInput, n)
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("u%d@example.com", i)}
	}
	in[n-1].ID = "user_given"
	out, err := s.CreateUsers(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != n || out[n-1].ID != "user_given" {
		t.Fatalf("%d users, last %q", len(out), out[len(out)-1].ID)
	}
	for i, u := range out {
		if u.Email != in[i].Email {
			t.Fatalf("user %d has email %q, want %q", i, u.Email, in[i].Email)
		}
	}
	if len(bus.calls) != 1 || bus.calls[0] != n {
		t.Fatalf("Emit calls %v, want one of %d", bus.calls, n)
	}
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("v%d@example.com", i)}
	}
	in[n-1].Email = "v0@example.com"
	_, err = s.CreateUsers(ctx, in...)
	if err == nil || err.Error() != "User with email: v0@example.com, already exists." {
		t.Fatalf("duplicate in the second chunk: %v", err)
	}
	if _, count, err := s.ListAndCountUsers(ctx, user.UserFilter{}, sqlb.FindConfig{Take: 1}); err != nil || count != n {
		t.Fatalf("%d users after the failed call (%v), want %d", count, err, n)
	}
	if len(bus.calls) != 1 {
		t.Fatalf("the failed call emitted: %v", bus.calls)
	}
}
