package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// fast are cheap scrypt parameters for tests; the defaults are measured in
// the benchmarks.
var fast = auth.HashParams{LogN: 4, R: 8, P: 1}

const secret = "test-jwt-secret-0123456789"

func newService(t *testing.T, opts ...auth.Option) (*auth.Service, *events.Local) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source)
	bus := events.NewLocal()
	opts = append([]auth.Option{auth.WithHashParams(fast), auth.WithJWTSecret(secret), auth.WithEventBus(bus)}, opts...)
	s, err := auth.NewService(pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, bus
}

func wantErr(t *testing.T, err error, typ merrors.Type, msg string) {
	t.Helper()
	e, ok := merrors.As(err)
	if !ok || e.Type != typ || e.Error() != msg {
		t.Fatalf("error %v, want %s %q", err, typ, msg)
	}
}

func TestRegisterAndAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	ai, err := s.Register(ctx, "admin@example.com", "s3cret!")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ai.ID, "authid_") || string(ai.AppMetadata) != "{}" {
		t.Fatalf("registered identity %+v", ai)
	}
	got, err := s.Authenticate(ctx, "admin@example.com", "s3cret!")
	if err != nil || got.ID != ai.ID {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	// Wrong password and unknown email: the same error.
	_, err = s.Authenticate(ctx, "admin@example.com", "s3cret")
	wantErr(t, err, merrors.Unauthorized, "Invalid email or password")
	_, err = s.Authenticate(ctx, "nobody@example.com", "s3cret!")
	wantErr(t, err, merrors.Unauthorized, "Invalid email or password")
	// The email is matched whatever its case: one identity per mailbox.
	got, err = s.Authenticate(ctx, "ADMIN@Example.com", "s3cret!")
	if err != nil || got.ID != ai.ID {
		t.Fatalf("authenticate in another case: %+v %v", got, err)
	}
	_, err = s.Register(ctx, "Admin@EXAMPLE.com", "other-pw")
	wantErr(t, err, merrors.Unauthorized, "Identity with email already exists")
	// Validation, password first.
	_, err = s.Authenticate(ctx, "", "")
	wantErr(t, err, merrors.Unauthorized, "Password should be a string")
	_, err = s.Register(ctx, "", "pw")
	wantErr(t, err, merrors.Unauthorized, "Email should be a string")
}

func TestDuplicateRegister(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	if _, err := s.Register(ctx, "a@example.com", "pw1"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Register(ctx, "a@example.com", "pw2")
	wantErr(t, err, merrors.Unauthorized, "Identity with email already exists")
	// The first password still works: nothing was overwritten.
	if _, err := s.Authenticate(ctx, "a@example.com", "pw1"); err != nil {
		t.Fatal(err)
	}
	n, err := s.ListAuthIdentities(ctx, auth.AuthIdentityFilter{})
	if err != nil || len(n) != 1 {
		t.Fatalf("identities after a refused register: %d %v", len(n), err)
	}
}

func TestConcurrentRegisterOneWins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	// The addresses differ only in case: one mailbox, one identity.
	emails := []string{"race@example.com", "Race@example.com", "RACE@EXAMPLE.COM", "race@Example.com", "rAcE@example.com", "race@EXAMPLE.com"}
	for i := range n {
		wg.Go(func() { _, errs[i] = s.Register(ctx, emails[i%len(emails)], "pw") })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantErr(t, err, merrors.Unauthorized, "Identity with email already exists")
	}
	if ok != 1 {
		t.Fatalf("%d registrations succeeded, want 1", ok)
	}
	// The losers' auth identities were rolled back with their provider
	// identity.
	ais, err := s.ListAuthIdentities(ctx, auth.AuthIdentityFilter{})
	if err != nil || len(ais) != 1 {
		t.Fatalf("identities: %d %v", len(ais), err)
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body map[string]any
		msg  string
	}{
		{map[string]any{}, "Password should be a string"},
		{map[string]any{"email": "a@b.c"}, "Password should be a string"},
		{map[string]any{"email": "a@b.c", "password": 12}, "Password should be a string"},
		{map[string]any{"email": "a@b.c", "password": ""}, "Password should be a string"},
		{map[string]any{"email": 12, "password": "x"}, "Email should be a string"},
		{map[string]any{"email": nil, "password": "x"}, "Email should be a string"},
		{map[string]any{"password": "x"}, "Email should be a string"},
		{map[string]any{"email": "a@b.c", "password": "x", "extra": true}, ""},
	} {
		e, p, err := auth.Credentials(c.body)
		if c.msg == "" {
			if err != nil || e != "a@b.c" || p != "x" {
				t.Errorf("%v: %q %q %v", c.body, e, p, err)
			}
			continue
		}
		if m, ok := merrors.As(err); !ok || m.Type != merrors.Unauthorized || m.Error() != c.msg {
			t.Errorf("%v: %v, want %q", c.body, err, c.msg)
		}
	}
}

func TestPasswordNeverReturned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	ai, err := s.Register(ctx, "p@example.com", "hunter2")
	if err != nil {
		t.Fatal(err)
	}
	// It is stored...
	var stored string
	if err := s.DB().QueryRow(ctx, `SELECT provider_metadata->>'password' FROM provider_identity WHERE entity_id = 'p@example.com'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$scrypt$ln=4,") || strings.Contains(stored, "hunter2") {
		t.Fatalf("stored password %q", stored)
	}
	// ...and no method returns it.
	check := func(where string, ps ...auth.ProviderIdentity) {
		t.Helper()
		if len(ps) == 0 {
			t.Fatalf("%s: no rows", where)
		}
		for _, p := range ps {
			b, _ := json.Marshal(p)
			if strings.Contains(string(b), "password") || strings.Contains(string(b), "scrypt") {
				t.Fatalf("%s returned the password: %s", where, b)
			}
		}
	}
	list, err := s.ListProviderIdentities(ctx, auth.ProviderIdentityFilter{AuthIdentityID: sqlb.Eq(ai.ID)})
	if err != nil {
		t.Fatal(err)
	}
	check("list", list...)
	one, err := s.RetrieveProviderIdentity(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	check("retrieve", one)
	lc, n, err := s.ListAndCountProviderIdentities(ctx, auth.ProviderIdentityFilter{})
	if err != nil || n != 1 {
		t.Fatal(n, err)
	}
	check("listAndCount", lc...)
	up, err := s.UpdateProviderIdentities(ctx, auth.UpdateProviderIdentityInput{ID: one.ID, UserMetadata: opt.Some(json.RawMessage(`{"k":1}`))})
	if err != nil {
		t.Fatal(err)
	}
	check("update", up...)
	if string(up[0].ProviderMetadata) != "{}" {
		t.Fatalf("other provider_metadata keys are kept, password dropped: %s", up[0].ProviderMetadata)
	}
	cr, err := s.CreateProviderIdentities(ctx, auth.CreateProviderIdentityInput{EntityID: "x", Provider: "other", AuthIdentityID: ai.ID,
		ProviderMetadata: json.RawMessage(`{"password":"h","keep":"v"}`)})
	if err != nil {
		t.Fatal(err)
	}
	check("create", cr...)
	if string(cr[0].ProviderMetadata) != `{"keep":"v"}` {
		t.Fatalf("create: %s", cr[0].ProviderMetadata)
	}
	// The update kept the hash: the password still works.
	if _, err := s.Authenticate(ctx, "p@example.com", "hunter2"); err != nil {
		t.Fatal(err)
	}
}

func TestAppMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	ai, err := s.Register(ctx, "m@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	md, err := s.AppMetadata(ctx, ai.ID)
	if err != nil || md == nil || len(md) != 0 {
		t.Fatalf("fresh identity: %v %v", md, err)
	}
	// A null column reads as an empty map.
	if _, err := s.DB().Exec(ctx, `UPDATE auth_identity SET app_metadata = NULL WHERE id = $1`, ai.ID); err != nil {
		t.Fatal(err)
	}
	md, err = s.AppMetadata(ctx, ai.ID)
	if err != nil || md == nil || len(md) != 0 {
		t.Fatalf("null app_metadata: %v %v", md, err)
	}
	if err := s.SetAppMetadata(ctx, ai.ID, map[string]any{"user_id": "user_1", "x": nil}); err != nil {
		t.Fatal(err)
	}
	md, err = s.AppMetadata(ctx, ai.ID)
	if err != nil || md["user_id"] != "user_1" || len(md) != 2 {
		t.Fatalf("after set: %v %v", md, err)
	}
	if v, ok := md["x"]; !ok || v != nil {
		t.Fatalf("null value must be kept as null: %v", md)
	}
	other, err := s.Register(ctx, "n@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetAppMetadata(ctx, other.ID, map[string]any{"user_id": "user_2"}); err != nil {
		t.Fatal(err)
	}
	ids, err := s.AuthIdentityIDsByAppMetadata(ctx, "user_id", "user_1")
	if err != nil || len(ids) != 1 || ids[0] != ai.ID {
		t.Fatalf("by user_1: %v %v", ids, err)
	}
	ids, err = s.AuthIdentityIDsByAppMetadata(ctx, "user_id", "user_404")
	if err != nil || ids == nil || len(ids) != 0 {
		t.Fatalf("by unknown: %v %v", ids, err)
	}
	// Missing identities.
	_, err = s.AppMetadata(ctx, "authid_missing")
	wantErr(t, err, merrors.NotFound, "AuthIdentity with id: authid_missing was not found")
	err = s.SetAppMetadata(ctx, "authid_missing", map[string]any{})
	wantErr(t, err, merrors.NotFound, "AuthIdentity with id: authid_missing was not found")
	// A soft-deleted identity is missing too.
	if _, err := s.SoftDeleteAuthIdentities(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	ids, err = s.AuthIdentityIDsByAppMetadata(ctx, "user_id", "user_2")
	if err != nil || len(ids) != 0 {
		t.Fatalf("soft-deleted identity found: %v %v", ids, err)
	}
	_, err = s.AppMetadata(ctx, other.ID)
	wantErr(t, err, merrors.NotFound, "AuthIdentity with id: "+other.ID+" was not found")
}

// The interface the User Module's workflows resolve under "auth".
type authIdentities interface {
	AppMetadata(ctx context.Context, authIdentityID string) (map[string]any, error)
	SetAppMetadata(ctx context.Context, authIdentityID string, md map[string]any) error
	AuthIdentityIDsByAppMetadata(ctx context.Context, key, value string) ([]string, error)
}

var _ authIdentities = (*auth.Service)(nil)

func TestUpdatePassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	if _, err := s.Register(ctx, "u@example.com", "old"); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePassword(ctx, "u@example.com", "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "u@example.com", "old"); err == nil {
		t.Fatal("old password still accepted")
	}
	if _, err := s.Authenticate(ctx, "u@example.com", "new"); err != nil {
		t.Fatal(err)
	}
	err := s.UpdatePassword(ctx, "u@example.com", "")
	wantErr(t, err, merrors.Unauthorized, "Password should be a string")
	err = s.UpdatePassword(ctx, "nobody@example.com", "x")
	wantErr(t, err, merrors.NotFound, "Provider identity with entity_id nobody@example.com and provider emailpass not found")
}

func TestResetPasswordToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { return now }
	s, bus := newService(t, auth.WithClock(clock))
	if _, err := s.Register(ctx, "r@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	var got []events.Message
	bus.Subscribe(auth.PasswordResetEvent, func(_ context.Context, m events.Message) error {
		got = append(got, m)
		return nil
	})
	tok, err := s.GenerateResetPasswordToken(ctx, "user", "emailpass", "r@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("events: %v", got)
	}
	var data map[string]string
	if err := json.Unmarshal(got[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	if data["entity_id"] != "r@example.com" || data["actor_type"] != "user" || data["token"] != tok {
		t.Fatalf("event data %v", data)
	}
	// The claims: {entity_id, provider, iat, exp = iat + 15 min}, HS256.
	var c auth.ResetClaims
	if _, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(clock)); err != nil {
		t.Fatal(err)
	}
	if c.EntityID != "r@example.com" || c.Provider != "emailpass" || c.ExpiresAt.Sub(c.IssuedAt.Time) != 15*time.Minute {
		t.Fatalf("claims %+v", c)
	}
	e, err := s.VerifyResetPasswordToken(ctx, "emailpass", tok)
	if err != nil || e != "r@example.com" {
		t.Fatalf("verify: %q %v", e, err)
	}
	invalid := func(what, provider, tok string) {
		t.Helper()
		_, err := s.VerifyResetPasswordToken(ctx, provider, tok)
		wantErr(t, err, merrors.Unauthorized, "Invalid token")
		_ = what
	}
	invalid("other provider", "google", tok)
	invalid("garbage", "emailpass", "not-a-token")
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte("another secret"))
	invalid("forged", "emailpass", forged)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	invalid("alg none", "emailpass", none)
	// 15 minutes later the token is expired.
	now = now.Add(15*time.Minute + time.Second)
	invalid("expired", "emailpass", tok)
	// Unknown identifiers get no token and no event.
	_, err = s.GenerateResetPasswordToken(ctx, "user", "emailpass", "nobody@example.com")
	wantErr(t, err, merrors.InvalidData, "Provider identity with entity_id nobody@example.com and provider emailpass not found")
	if len(got) != 1 {
		t.Fatalf("event for an unknown identifier: %v", got)
	}
	// A token for an identity deleted since is refused.
	now = now.Add(-15 * time.Minute)
	tok2, err := s.GenerateResetPasswordToken(ctx, "user", "emailpass", "r@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(ctx, `DELETE FROM auth_identity`); err != nil {
		t.Fatal(err)
	}
	invalid("deleted identity", "emailpass", tok2)
}

func TestResetWithoutSecret(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := auth.NewService(pool, auth.WithHashParams(fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GenerateResetPasswordToken(context.Background(), "user", "emailpass", "x"); err == nil || !strings.Contains(err.Error(), "WithJWTSecret") {
		t.Fatalf("no secret: %v", err)
	}
}

func TestBadHashParamsRefused(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t, migrations.Source)
	if _, err := auth.NewService(pool, auth.WithHashParams(auth.HashParams{LogN: 30, R: 8, P: 1})); err == nil {
		t.Fatal("logN 30 accepted")
	}
}

// After the hash parameters change, a successful login re-hashes the
// password at the new ones.
func TestRehashOnLoginAfterParamsChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	old, err := auth.NewService(pool, auth.WithHashParams(fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Register(ctx, "h@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var h string
		if err := pool.QueryRow(ctx, `SELECT provider_metadata->>'password' FROM provider_identity`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	newer, err := auth.NewService(pool, auth.WithHashParams(auth.HashParams{LogN: 5, R: 8, P: 1}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newer.Authenticate(ctx, "h@example.com", "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if h := stored(); !strings.HasPrefix(h, "$scrypt$ln=4,") {
		t.Fatalf("a failed login re-hashed: %s", h)
	}
	if _, err := newer.Authenticate(ctx, "h@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
	if h := stored(); !strings.HasPrefix(h, "$scrypt$ln=5,r=8,p=1$") {
		t.Fatalf("not re-hashed: %s", h)
	}
	if _, err := newer.Authenticate(ctx, "h@example.com", "pw"); err != nil {
		t.Fatal(err)
	}
}

// Inside a transaction AppMetadata locks the identity's row until the
// transaction ends, so two read-check-write links cannot interleave: a
// second transaction cannot read it meanwhile (lock_timeout makes the wait
// fail instead of block).
func TestAppMetadataLocksInTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newService(t)
	ai, err := s.Register(ctx, "lock@example.com", "pw")
	if err != nil {
		t.Fatal(err)
	}
	pool := s.DB().(*pgxpool.Pool)
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx) //nolint:errcheck
	if _, err := s.AppMetadata(db.WithTx(ctx, tx1), ai.ID); err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, pool, func(ctx context.Context, tx2 pgx.Tx) error {
		if _, err := tx2.Exec(ctx, `SET LOCAL lock_timeout = '50ms'`); err != nil {
			return err
		}
		_, err := s.AppMetadata(ctx, ai.ID)
		return err
	})
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "55P03" {
		t.Fatalf("second transaction read a locked identity: %v", err)
	}
	// Outside a transaction the read does not wait for the lock.
	if md, err := s.AppMetadata(ctx, ai.ID); err != nil || len(md) != 0 {
		t.Fatalf("plain read: %v %v", md, err)
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Once the first transaction ended, the second one goes through.
	err = db.InTx(ctx, pool, func(ctx context.Context, _ pgx.Tx) error {
		if _, err := s.AppMetadata(ctx, ai.ID); err != nil {
			return err
		}
		return s.SetAppMetadata(ctx, ai.ID, map[string]any{"user_id": "user_x"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A missing identity inside a transaction: the same not_found.
	err = db.InTx(ctx, pool, func(ctx context.Context, _ pgx.Tx) error {
		_, err := s.AppMetadata(ctx, "authid_missing")
		return err
	})
	wantErr(t, err, merrors.NotFound, "AuthIdentity with id: authid_missing was not found")
}
