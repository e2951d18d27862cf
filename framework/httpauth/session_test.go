package httpauth_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpauth/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(t *testing.T, cfg httpauth.SessionConfig) (*httpauth.SessionStore, *pgxpool.Pool, *clock) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source)
	clk := &clock{t: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
	cfg.Now = clk.now
	s, err := httpauth.NewSessionStore(pool, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, pool, clk
}

func sessionCookie(t *testing.T, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == "connect.sid" {
			return c
		}
	}
	t.Fatalf("no connect.sid cookie in %v", rec.Header())
	return nil
}

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	s, pool, clk := newStore(t, httpauth.SessionConfig{})
	ac := authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1", AppMetadata: map[string]any{"user_id": "user_1"}}

	rec := httptest.NewRecorder()
	if err := s.Create(ctx, rec, httptest.NewRequest("POST", "/auth/session", nil), ac); err != nil {
		t.Fatal(err)
	}
	c := sessionCookie(t, rec)
	if !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 36000 {
		t.Errorf("cookie attributes %+v", c)
	}
	// The database holds a hash, never the token.
	var id string
	var n int
	if err := pool.QueryRow(ctx, `SELECT id, count(*) OVER () FROM http_session`).Scan(&id, &n); err != nil {
		t.Fatal(err)
	}
	if n != 1 || id == c.Value || strings.Contains(id, c.Value) || len(id) != 64 {
		t.Errorf("stored id %q (count %d) for token %q", id, n, c.Value)
	}

	req := httptest.NewRequest("GET", "/admin/users", nil)
	req.AddCookie(c)
	got, err := s.Get(ctx, req)
	if err != nil || got == nil || got.ActorID != "user_1" || got.AppMetadata["user_id"] != "user_1" {
		t.Fatalf("Get: %v %+v", err, got)
	}

	// Expiry: 10 hours by default.
	clk.t = clk.t.Add(10*time.Hour - time.Second)
	if got, _ := s.Get(ctx, req); got == nil {
		t.Error("session gone before 10h")
	}
	clk.t = clk.t.Add(2 * time.Second)
	if got, err := s.Get(ctx, req); got != nil || err != nil {
		t.Errorf("expired session returned: %+v %v", got, err)
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 1 {
		t.Errorf("DeleteExpired: %d %v", n, err)
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
		t.Errorf("DeleteExpired again: %d %v", n, err)
	}
}

func TestSessionCreateRemovesExpired(t *testing.T) {
	ctx := context.Background()
	s, pool, clk := newStore(t, httpauth.SessionConfig{MaxAge: time.Hour})
	ac := authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"}
	for i := 0; i < 3; i++ {
		if err := s.Create(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), ac); err != nil {
			t.Fatal(err)
		}
	}
	clk.t = clk.t.Add(30 * time.Minute)
	if err := s.Create(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), ac); err != nil {
		t.Fatal(err)
	}
	count := func() (n int) {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM http_session`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 4 {
		t.Fatalf("%d rows, want 4", n)
	}
	clk.t = clk.t.Add(45 * time.Minute) // the first three expired, the fourth not
	if err := s.Create(ctx, httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), ac); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 2 {
		t.Errorf("%d rows after creating past expiry, want 2", n)
	}
}

func TestSessionDestroyAndRegenerate(t *testing.T) {
	ctx := context.Background()
	s, pool, _ := newStore(t, httpauth.SessionConfig{})
	ac := authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "a"}
	rec := httptest.NewRecorder()
	if err := s.Create(ctx, rec, httptest.NewRequest("POST", "/", nil), ac); err != nil {
		t.Fatal(err)
	}
	first := sessionCookie(t, rec)

	// Creating again from a request holding the first cookie replaces it.
	req := httptest.NewRequest("POST", "/", nil)
	req.AddCookie(first)
	rec = httptest.NewRecorder()
	if err := s.Create(ctx, rec, req, ac); err != nil {
		t.Fatal(err)
	}
	second := sessionCookie(t, rec)
	if second.Value == first.Value {
		t.Fatal("session not regenerated")
	}
	if got, _ := s.Get(ctx, req); got != nil {
		t.Error("old session still valid")
	}

	req = httptest.NewRequest("DELETE", "/auth/session", nil)
	req.AddCookie(second)
	rec = httptest.NewRecorder()
	if err := s.Destroy(ctx, rec, req); err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(t, rec); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("cookie not cleared: %+v", c)
	}
	if got, _ := s.Get(ctx, req); got != nil {
		t.Error("destroyed session still valid")
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM http_session`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows left", n)
	}
}

func TestSessionBadCookies(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, httpauth.SessionConfig{})
	for _, v := range []string{"", "x", "s:abc.def", strings.Repeat("A", 43), strings.Repeat("é", 20), "'; DROP TABLE http_session; --"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "connect.sid="+v)
		if got, err := s.Get(ctx, req); got != nil || err != nil {
			t.Errorf("%q: %+v %v", v, got, err)
		}
	}
}

func TestSessionProductionCookies(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, httpauth.SessionConfig{CookieName: "sid", MaxAge: time.Hour}.ProductionCookies())
	rec := httptest.NewRecorder()
	if err := s.Create(ctx, rec, httptest.NewRequest("POST", "/", nil), authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"}); err != nil {
		t.Fatal(err)
	}
	c := rec.Result().Cookies()[0]
	if c.Name != "sid" || !c.Secure || c.SameSite != http.SameSiteNoneMode || c.MaxAge != 3600 {
		t.Errorf("%+v", c)
	}
	if _, err := httpauth.NewSessionStore(s2pool(t), httpauth.SessionConfig{SameSite: http.SameSiteNoneMode}); err == nil {
		t.Error("SameSite=None without Secure accepted")
	}
}

func s2pool(t *testing.T) *pgxpool.Pool { return pgtest.NewPool(t, migrations.Source) }

// A session created over TLS gets a Secure cookie, one over plain HTTP
// (development) does not.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, httpauth.SessionConfig{})
	ac := authtoken.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"}
	for _, overTLS := range []bool{false, true} {
		r := httptest.NewRequest("POST", "/auth/session", nil)
		if overTLS {
			r.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		if err := s.Create(ctx, rec, r, ac); err != nil {
			t.Fatal(err)
		}
		c := sessionCookie(t, rec)
		if c.Secure != overTLS || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("TLS %v: cookie %+v", overTLS, c)
		}
		rec = httptest.NewRecorder()
		if err := s.Destroy(ctx, rec, r); err != nil {
			t.Fatal(err)
		}
		if c := sessionCookie(t, rec); c.Secure != overTLS {
			t.Errorf("TLS %v: expiring cookie %+v", overTLS, c)
		}
	}
}
