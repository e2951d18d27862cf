package user

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/opt"
)

// InviteTokenState tells every refused token apart from a good one.
func TestInviteTokenState(t *testing.T) {
	ctx := context.Background()
	var clock struct {
		sync.Mutex
		off time.Duration
	}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return time.Now().Add(clock.off) }
	s, _ := newModule(t, withClock(now))
	invs, err := s.CreateInvites(ctx,
		CreateInviteInput{Email: "valid@test.com"}, CreateInviteInput{Email: "resent@test.com"},
		CreateInviteInput{Email: "deleted@test.com"}, CreateInviteInput{Email: "accepted@test.com"},
		CreateInviteInput{Email: "late@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	valid, resent, deleted, accepted, late := invs[0], invs[1], invs[2], invs[3], invs[4]
	if _, err := s.RefreshInviteTokens(ctx, resent.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SoftDeleteInvites(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	if ids, err := s.AcceptInvites(ctx, accepted.ID); err != nil || len(ids) != 1 {
		t.Fatalf("AcceptInvites = %v, %v", ids, err)
	}
	if ids, err := s.AcceptInvites(ctx, accepted.ID); err != nil || len(ids) != 0 {
		t.Fatalf("a second AcceptInvites = %v, %v (want nothing consumed)", ids, err)
	}
	if _, err := s.UpdateInvites(ctx, UpdateInviteInput{ID: late.ID, ExpiresAt: opt.Some(time.Now().Add(-time.Minute))}); err != nil {
		t.Fatal(err)
	}
	other, err := New(s.DB(), Options{JWTSecret: "another secret"})
	if err != nil {
		t.Fatal(err)
	}
	forged, _, _ := other.ext.tokens.sign(valid.ID, valid.Email)
	unknown, _, _ := s.ext.tokens.sign("invite_never_stored", "x@test.com")

	check := func(name, token string, want InviteState, wantID string) {
		t.Helper()
		got, inv, err := s.InviteTokenState(ctx, token)
		if err != nil || got != want || inv.ID != wantID {
			t.Errorf("%s: %q (invite %q), %v; want %q (invite %q)", name, got, inv.ID, err, want, wantID)
		}
	}
	check("valid", valid.Token, InviteValid, valid.ID)
	check("resent, old token", resent.Token, InviteReplaced, resent.ID)
	check("deleted", deleted.Token, InviteRevoked, deleted.ID)
	check("accepted", accepted.Token, InviteAccepted, accepted.ID)
	check("expires_at passed", late.Token, InviteExpired, late.ID)
	check("forged", forged, InviteInvalid, "")
	check("unknown invite", unknown, InviteInvalid, "")
	check("not a JWT", "not a jwt", InviteInvalid, "")
	check("empty", "", InviteInvalid, "")

	// The JWT's own exp: a day later every pending token has expired.
	clock.Lock()
	clock.off = DefaultValidDuration + time.Hour
	clock.Unlock()
	check("valid, a day later", valid.Token, InviteExpired, valid.ID)
	check("accepted, a day later", accepted.Token, InviteAccepted, accepted.ID)

	// UnacceptInvites puts an accepted invite back, pending.
	if err := s.UnacceptInvites(ctx, accepted.ID); err != nil {
		t.Fatal(err)
	}
	inv, err := s.RetrieveInvite(ctx, accepted.ID)
	if err != nil || inv.Accepted || inv.DeletedAt != nil {
		t.Fatalf("after UnacceptInvites: %+v, %v", inv, err)
	}
}
