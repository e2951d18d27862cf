package user

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Module events leave only with committed data: a call inside the caller's
// transaction emits after that transaction commits, and nothing when it
// rolls back; a run's event group in the context does not capture them.
func TestModuleEventsAfterCommit(t *testing.T) {
	ctx := context.Background()
	s, bus := newModule(t)
	pool := s.DB().(db.Beginner)

	errRollback := errors.New("roll back")
	err := db.InTx(ctx, pool, func(ctx context.Context, _ pgx.Tx) error {
		if _, err := s.CreateInvites(ctx, CreateInviteInput{Email: "rolled@test.com"}); err != nil {
			return err
		}
		if _, err := s.CreateUsers(ctx, CreateUserInput{Email: "rolled@test.com"}); err != nil {
			return err
		}
		if n := len(bus.take()); n != 0 {
			t.Errorf("%d Emit calls before commit", n)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	wantCalls(t, bus)
	if _, n, _ := s.ListAndCountInvites(ctx, InviteFilter{}); n != 0 {
		t.Fatal("rolled back invite is there")
	}

	gctx := events.WithGroup(ctx, "run-group")
	err = db.InTx(gctx, pool, func(ctx context.Context, _ pgx.Tx) error {
		inv, err := s.CreateInvites(ctx, CreateInviteInput{ID: "i1", Email: "kept@test.com"})
		if err != nil {
			return err
		}
		_, err = s.RefreshInviteTokens(ctx, inv[0].ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two service calls in one transaction: two Emit calls, after commit, without the group.
	wantCalls(t, bus,
		`user.invite.created {"id":"i1"}; user.user.invite.token_generated {"id":["i1"]}`,
		`user.invite.updated {"id":"i1"}; user.user.invite.token_generated {"id":["i1"]}`)
	if held := bus.Held("run-group"); len(held) != 0 {
		t.Fatalf("module events held in the run's group: %v", held)
	}
	if got, _ := s.ListInvites(ctx, InviteFilter{Email: sqlb.Eq("kept@test.com")}); len(got) != 1 {
		t.Fatal("committed invite missing")
	}
}
