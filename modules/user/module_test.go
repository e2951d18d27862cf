package user

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// newModule returns the module with options {jwt_secret: "test"} (Medusa's
// module test runner) on a fresh database, and the bus recording its Emit
// calls.
func newModule(t *testing.T, opts ...Option) (*Service, *recordingBus) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := &recordingBus{Local: events.NewLocal()}
	s, err := New(pool, Options{JWTSecret: "test"}, append([]Option{WithEventBus(bus)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s, bus
}

// wantCalls checks the recorded Emit calls: one string per call, each the
// call's messages as "name data" joined by "; ".
func wantCalls(t *testing.T, bus *recordingBus, want ...string) {
	t.Helper()
	calls := bus.take()
	got := make([]string, len(calls))
	for i, c := range calls {
		parts := make([]string, len(c))
		for j, m := range c {
			parts[j] = m.Name + " " + string(m.Data)
			if m.Metadata.Source != "user" || m.Metadata.EventGroupID != "" {
				t.Errorf("message %s metadata %+v: want source user and no group", m.Name, m.Metadata)
			}
		}
		got[i] = strings.Join(parts, "; ")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Emit calls:\n got %q\nwant %q", got, want)
	}
}

func TestModuleOptions(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	t.Run("jwt_secret required", func(t *testing.T) {
		_, err := New(pool, Options{})
		wantMessage(t, err, merrors.InvalidData, MissingSecretMessage)
		c := container.New()
		err = RegisterModule(c, pool, Options{ValidDuration: time.Hour})
		wantMessage(t, err, merrors.InvalidData, MissingSecretMessage)
		if c.Has(Key.Name()) {
			t.Fatal("a module with bad options was registered")
		}
		err = RegisterModuleFromMap(c, pool, map[string]any{"valid_duration": 60})
		wantMessage(t, err, merrors.InvalidData, MissingSecretMessage)
		err = RegisterModuleFromMap(c, pool, map[string]any{"jwt_secret": "x", "jwt_options": map[string]any{"algorithm": "none"}})
		if !merrors.Is(err, merrors.InvalidData) || !strings.Contains(err.Error(), "Unsupported jwt_options.algorithm") {
			t.Fatalf("alg none option: %v", err)
		}
	})
	t.Run("service without options refuses tokens", func(t *testing.T) {
		s, err := NewService(pool)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateInvites(context.Background(), CreateInviteInput{Email: "a@b.c"})
		wantMessage(t, err, merrors.InvalidData, MissingSecretMessage)
		_, err = s.ValidateInviteToken(context.Background(), "x")
		wantMessage(t, err, merrors.InvalidData, MissingSecretMessage)
	})
	t.Run("registered under user with its options", func(t *testing.T) {
		c := container.New()
		bus := &recordingBus{Local: events.NewLocal()}
		container.MustRegister(c, events.BusKey, events.Bus(bus))
		if err := RegisterModuleFromMap(c, pool, map[string]any{"jwt_secret": "s3cret", "valid_duration": 3600}); err != nil {
			t.Fatal(err)
		}
		s, err := container.Resolve(c.Scope(), Key)
		if err != nil {
			t.Fatal(err)
		}
		if s.Options().ValidDuration != time.Hour || s.Options().Algorithm != "HS256" || s.EventBus() != events.Bus(bus) {
			t.Fatalf("options %+v, bus %v", s.Options(), s.EventBus())
		}
		inv, err := s.CreateInvites(context.Background(), CreateInviteInput{Email: "reg@test.com"})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(inv[0].ExpiresAt); d < 59*time.Minute || d > time.Hour {
			t.Fatalf("expires in %v, want ~1h", d)
		}
		if len(bus.take()) != 1 {
			t.Fatal("module events not emitted on the container's bus")
		}
	})
}

// Medusa's user module test (user.spec.ts), case 1: the linkable keys.
func TestLinkable(t *testing.T) {
	got, _ := json.Marshal(Linkable())
	want := `{"user":{"id":{"linkable":"user_id","entity":"User","primaryKey":"id","serviceName":"user","field":"user"}},` +
		`"invite":{"id":{"linkable":"invite_id","entity":"Invite","primaryKey":"id","serviceName":"user","field":"invite"}}}`
	if string(got) != want {
		t.Fatalf("linkable = %s", got)
	}
}

// Medusa's user module test (user.spec.ts), fixture users "1" and "2".
func TestUserModuleSpec(t *testing.T) {
	ctx := context.Background()
	s, bus := newModule(t)
	fixture := []CreateUserInput{{ID: "1", Email: "user_1@test.com"}, {ID: "2", Email: "user_2@test.com"}}

	// 13, 14: createUsers → count 1 for id 1; one Emit with USER_CREATED 1 and 2.
	if _, err := s.CreateUsers(ctx, fixture...); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, bus, `user.user.created {"id":"1"}; user.user.created {"id":"2"}`)
	if _, n, err := s.ListAndCountUsers(ctx, UserFilter{ID: sqlb.In("1")}); err != nil || n != 1 {
		t.Fatalf("listAndCount id [1] = %d, %v", n, err)
	}
	// 2, 3: list all in id order; list by ids.
	all, err := s.ListUsers(ctx, UserFilter{})
	if err != nil || len(all) != 2 || all[0].ID != "1" || all[1].ID != "2" {
		t.Fatalf("list = %+v, %v", all, err)
	}
	one, err := s.ListUsers(ctx, UserFilter{ID: sqlb.In("1")})
	if err != nil || len(one) != 1 || one[0].ID != "1" {
		t.Fatalf("list id [1] = %+v, %v", one, err)
	}
	// 4, 5: listAndCount.
	if got, n, err := s.ListAndCountUsers(ctx, UserFilter{}); err != nil || n != 2 || len(got) != 2 {
		t.Fatalf("listAndCount = %+v, %d, %v", got, n, err)
	}
	if got, n, err := s.ListAndCountUsers(ctx, UserFilter{ID: sqlb.Eq("1")}); err != nil || n != 1 || got[0].ID != "1" {
		t.Fatalf("listAndCount id 1 = %+v, %d, %v", got, n, err)
	}
	// 6–9: retrieve.
	if u, err := s.RetrieveUser(ctx, "1"); err != nil || u.ID != "1" || u.Email != "user_1@test.com" {
		t.Fatalf("retrieve 1 = %+v, %v", u, err)
	}
	_, err = s.RetrieveUser(ctx, "does-not-exist")
	wantMessage(t, err, merrors.NotFound, "User with id: does-not-exist was not found")
	_, err = s.RetrieveUser(ctx, "")
	wantMessage(t, err, merrors.NotFound, "user - id must be defined")
	sel, err := s.RetrieveUser(ctx, "1", sqlb.FindConfig{Select: []string{"id"}})
	if b, _ := json.Marshal(sel); err != nil || string(b) != `{"id":"1"}` {
		t.Fatalf("select id = %s, %v", b, err)
	}
	// 11, 12: update.
	_, err = s.UpdateUsers(ctx, UpdateUserInput{ID: "does-not-exist"})
	wantMessage(t, err, merrors.NotFound, `User with id "does-not-exist" not found`)
	wantCalls(t, bus)
	if _, err := s.UpdateUsers(ctx, UpdateUserInput{ID: "1", FirstName: opt.Some("John")}); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, bus, `user.user.updated {"id":"1"}`)
	// A duplicate email is Medusa's unique-violation message.
	_, err = s.CreateUsers(ctx, CreateUserInput{Email: "user_2@test.com"})
	wantMessage(t, err, merrors.InvalidData, "User with email: user_2@test.com, already exists.")
	wantCalls(t, bus)
	// 10: delete.
	if err := s.DeleteUsers(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ListUsers(ctx, UserFilter{ID: sqlb.In("1")}); err != nil || len(got) != 0 {
		t.Fatalf("after delete = %+v, %v", got, err)
	}
}

func inviteFixture() []CreateInviteInput {
	exp := time.Now().Add(10 * 24 * time.Hour)
	return []CreateInviteInput{
		{ID: "1", Email: "user_1@test.com", Token: "test", ExpiresAt: exp},
		{ID: "2", Email: "user_2@test.com", Token: "test", ExpiresAt: exp},
	}
}

// Medusa's invite module test (invite.spec.ts), with Medusa 2.12's events.
func TestInviteModuleSpec(t *testing.T) {
	ctx := context.Background()
	s, bus := newModule(t)

	// 14 [2.12]: one Emit: INVITE_CREATED 1, INVITE_CREATED 2, INVITE_TOKEN_GENERATED [1, 2].
	created, err := s.CreateInvites(ctx, inviteFixture()...)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, bus, `user.invite.created {"id":"1"}; user.invite.created {"id":"2"}; user.user.invite.token_generated {"id":["1","2"]}`)
	for _, inv := range created {
		if inv.Token == "test" || inv.ExpiresAt.After(time.Now().Add(DefaultValidDuration)) || inv.Accepted {
			t.Fatalf("token/expiry not set by the service: %+v", inv)
		}
	}
	// 12: count 1 for id [1].
	if _, n, err := s.ListAndCountInvites(ctx, InviteFilter{ID: sqlb.In("1")}); err != nil || n != 1 {
		t.Fatalf("listAndCount id [1] = %d, %v", n, err)
	}
	// 1–4: list and count.
	all, err := s.ListInvites(ctx, InviteFilter{})
	if err != nil || len(all) != 2 || all[0].ID != "1" || all[1].ID != "2" {
		t.Fatalf("list = %+v, %v", all, err)
	}
	if got, err := s.ListInvites(ctx, InviteFilter{ID: sqlb.In("1")}); err != nil || len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("list id [1] = %+v, %v", got, err)
	}
	if _, n, err := s.ListAndCountInvites(ctx, InviteFilter{}); err != nil || n != 2 {
		t.Fatalf("count = %d, %v", n, err)
	}
	if got, n, err := s.ListAndCountInvites(ctx, InviteFilter{ID: sqlb.Eq("1")}); err != nil || n != 1 || got[0].ID != "1" {
		t.Fatalf("listAndCount id 1 = %+v, %d, %v", got, n, err)
	}
	// 5 [2.12]: retrieve; the token's exp is at most now + 86400 s and equals expires_at.
	inv, err := s.RetrieveInvite(ctx, "1")
	if err != nil || inv.ID != "1" {
		t.Fatalf("retrieve 1 = %+v, %v", inv, err)
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(inv.Token, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.ExpiresAt.Unix() > time.Now().Unix()+86400 || claims.ExpiresAt.Unix() != inv.ExpiresAt.Unix() {
		t.Fatalf("exp %v, expires_at %v", claims.ExpiresAt, inv.ExpiresAt)
	}
	// 6–8.
	_, err = s.RetrieveInvite(ctx, "does-not-exist")
	wantMessage(t, err, merrors.NotFound, "Invite with id: does-not-exist was not found")
	_, err = s.RetrieveInvite(ctx, "")
	wantMessage(t, err, merrors.NotFound, "invite - id must be defined")
	sel, err := s.RetrieveInvite(ctx, "1", sqlb.FindConfig{Select: []string{"id"}})
	if b, _ := json.Marshal(sel); err != nil || string(b) != `{"id":"1"}` {
		t.Fatalf("select id = %s, %v", b, err)
	}
	// 9, 10 [2.12]: update → INVITE_UPDATED + INVITE_TOKEN_GENERATED in one Emit.
	_, err = s.UpdateInvites(ctx, UpdateInviteInput{ID: "does-not-exist"})
	wantMessage(t, err, merrors.NotFound, `Invite with id "does-not-exist" not found`)
	wantCalls(t, bus)
	upd, err := s.UpdateInvites(ctx, UpdateInviteInput{ID: "1", Accepted: opt.Some(true)})
	if err != nil || !upd[0].Accepted || upd[0].Token != inv.Token {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	wantCalls(t, bus, `user.invite.updated {"id":"1"}; user.user.invite.token_generated {"id":["1"]}`)
	// 11 [2.12]: refresh → INVITE_UPDATED + INVITE_TOKEN_GENERATED, new token and expiry.
	ref, err := s.RefreshInviteTokens(ctx, "1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != 1 || ref[0].Token == inv.Token || ref[0].ExpiresAt.Before(inv.ExpiresAt) {
		t.Fatalf("refresh = %+v", ref)
	}
	wantCalls(t, bus, `user.invite.updated {"id":"1"}; user.user.invite.token_generated {"id":["1"]}`)
	_, err = s.RefreshInviteTokens(ctx, "1", "nope", "nada")
	wantMessage(t, err, merrors.InvalidData, "The following invites do not exist: nope, nada")
	if _, err := s.SoftDeleteInvites(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	bus.take()
	_, err = s.RefreshInviteTokens(ctx, "2")
	wantMessage(t, err, merrors.InvalidData, "The following invites do not exist: 2")
	if got, _ := s.RetrieveInvite(ctx, "1"); got.Token != ref[0].Token {
		t.Fatal("a failed refresh changed another invite's token")
	}
	wantCalls(t, bus)

	// 13: an email that has a user cannot be invited; nothing is inserted.
	if _, err := s.CreateUsers(ctx, CreateUserInput{Email: "existing@email.com"}, CreateUserInput{Email: "other@email.com"}); err != nil {
		t.Fatal(err)
	}
	bus.take()
	_, err = s.CreateInvites(ctx, CreateInviteInput{Email: "existing@email.com"})
	wantMessage(t, err, merrors.InvalidData, "User account for following email(s) already exist: existing@email.com")
	_, err = s.CreateInvites(ctx, CreateInviteInput{Email: "fresh@email.com"}, CreateInviteInput{Email: "existing@email.com"}, CreateInviteInput{Email: "other@email.com"})
	if e, ok := merrors.As(err); !ok || !strings.HasPrefix(e.Message, "User account for following email(s) already exist: ") ||
		!strings.Contains(e.Message, "existing@email.com") || !strings.Contains(e.Message, "other@email.com") || strings.Contains(e.Message, "fresh") {
		t.Fatalf("two existing users: %v", err)
	}
	// A pending invite for the same email.
	_, err = s.CreateInvites(ctx, CreateInviteInput{Email: "user_1@test.com"})
	wantMessage(t, err, merrors.InvalidData, "Invite with email: user_1@test.com, already exists.")
	// ... but a deleted (accepted) invite's email can be invited again.
	if _, err := s.CreateInvites(ctx, CreateInviteInput{Email: "user_2@test.com"}); err != nil {
		t.Fatal(err)
	}
	bus.take()
	if _, n, _ := s.ListAndCountInvites(ctx, InviteFilter{Email: sqlb.Eq("fresh@email.com")}); n != 0 {
		t.Fatal("a failed CreateInvites left an invite behind")
	}
	wantCalls(t, bus)
}

// Token security through the service.
func TestValidateInviteToken(t *testing.T) {
	ctx := context.Background()
	var clock struct {
		sync.Mutex
		off time.Duration
	}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return time.Now().Add(clock.off) }
	s, _ := newModule(t, withClock(now))
	invs, err := s.CreateInvites(ctx, CreateInviteInput{Email: "a@test.com"}, CreateInviteInput{Email: "b@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := invs[0], invs[1]

	got, err := s.ValidateInviteToken(ctx, a.Token)
	if err != nil || got.ID != a.ID || got.Email != "a@test.com" {
		t.Fatalf("valid token: %+v, %v", got, err)
	}

	other, err := New(s.DB(), Options{JWTSecret: "another secret"})
	if err != nil {
		t.Fatal(err)
	}
	forged, _, _ := other.ext.tokens.sign(a.ID, a.Email)
	_, err = s.ValidateInviteToken(ctx, forged)
	wantMessage(t, err, merrors.Unauthorized, "invalid signature")

	parts := strings.Split(a.Token, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := strings.Replace(string(payload), a.ID, b.ID, 1)
	_, err = s.ValidateInviteToken(ctx, parts[0]+"."+base64.RawURLEncoding.EncodeToString([]byte(tampered))+"."+parts[2])
	wantMessage(t, err, merrors.Unauthorized, "invalid signature")

	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	_, err = s.ValidateInviteToken(ctx, none)
	wantMessage(t, err, merrors.Unauthorized, "invalid algorithm")
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"id": a.ID, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}).SignedString([]byte("test"))
	_, err = s.ValidateInviteToken(ctx, hs512)
	wantMessage(t, err, merrors.Unauthorized, "invalid algorithm")

	_, err = s.ValidateInviteToken(ctx, "not a jwt")
	wantMessage(t, err, merrors.Unauthorized, "jwt malformed")

	// A valid signature over a token the invite does not hold (not issued by
	// the module, e.g. a leaked signing key) is refused too.
	sameKey, _, _ := s.ext.tokens.sign(a.ID, a.Email)
	_, err = s.ValidateInviteToken(ctx, sameKey)
	wantMessage(t, err, merrors.Unauthorized, "Invalid invite token")

	// Resent: the old token no longer validates, the new one does.
	ref, err := s.RefreshInviteTokens(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.ValidateInviteToken(ctx, a.Token)
	wantMessage(t, err, merrors.Unauthorized, "Invalid invite token")
	if _, err := s.ValidateInviteToken(ctx, ref[0].Token); err != nil {
		t.Fatalf("refreshed token: %v", err)
	}

	// expires_at passed while the JWT is still valid: Medusa's message.
	past := time.Now().Add(-time.Minute)
	if _, err := s.UpdateInvites(ctx, UpdateInviteInput{ID: b.ID, ExpiresAt: opt.Some(past)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.ValidateInviteToken(ctx, b.Token)
	wantMessage(t, err, merrors.InvalidData, "The invite has expired")

	// Expired JWT (a day and a second later).
	clock.Lock()
	clock.off = DefaultValidDuration + time.Second
	clock.Unlock()
	_, err = s.ValidateInviteToken(ctx, ref[0].Token)
	wantMessage(t, err, merrors.Unauthorized, "jwt expired")
	clock.Lock()
	clock.off = 0
	clock.Unlock()

	// Deleted (accepted) invite: its token is refused.
	if _, err := s.SoftDeleteInvites(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.ValidateInviteToken(ctx, ref[0].Token)
	wantMessage(t, err, merrors.NotFound, fmt.Sprintf("Invite with id: %s was not found", a.ID))
}

// 50 concurrent CreateInvites for one email: exactly one invite; every other
// call fails cleanly with invalid_data.
func TestCreateInvitesConcurrent(t *testing.T) {
	ctx := context.Background()
	s, bus := newModule(t)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = s.CreateInvites(ctx, CreateInviteInput{Email: "race@test.com"})
		})
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		default:
			wantMessage(t, err, merrors.InvalidData, "Invite with email: race@test.com, already exists.")
		}
	}
	if ok != 1 {
		t.Fatalf("%d calls succeeded, want 1", ok)
	}
	if _, cnt, err := s.ListAndCountInvites(ctx, InviteFilter{Email: sqlb.Eq("race@test.com")}, sqlb.FindConfig{WithDeleted: true}); err != nil || cnt != 1 {
		t.Fatalf("%d invites, %v", cnt, err)
	}
	if calls := bus.take(); len(calls) != 1 {
		t.Fatalf("%d Emit calls, want 1 (failed calls emit nothing)", len(calls))
	}
}

// An ES256 module: its tokens validate; an HS256 token whose "secret" is the
// public key (the classic key-confusion forgery) is refused.
func TestValidateInviteTokenES256(t *testing.T) {
	ctx := context.Background()
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalECPrivateKey(ek)
	pubDER, _ := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	pub := pemOf(t, "PUBLIC KEY", pubDER)
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := New(pool, Options{JWTSecret: pemOf(t, "EC PRIVATE KEY", der), JWTPublicKey: pub, Algorithm: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := s.CreateInvites(ctx, CreateInviteInput{Email: "es@test.com"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.ValidateInviteToken(ctx, inv[0].Token); err != nil || got.ID != inv[0].ID {
		t.Fatalf("ES256 token: %+v, %v", got, err)
	}
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"id": inv[0].ID, "email": "es@test.com", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString([]byte(pub))
	_, err = s.ValidateInviteToken(ctx, forged)
	wantMessage(t, err, merrors.Unauthorized, "invalid algorithm")
}
