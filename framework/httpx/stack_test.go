package httpx_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx/mw"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/medusa-go/medusa/framework/httpauth/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// End-to-end tests of the whole stack (core, body, qs, httpauth, mw) on the
// test route set of routes_test.go.

func TestAuthenticateBearer(t *testing.T) {
	app := newTestApp(t, nil)
	issue := func(ac authtoken.AuthContext) string {
		tok, err := app.auth.IssueToken(ac)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	user := issue(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	customer := issue(authtoken.AuthContext{ActorID: "cus_1", ActorType: "customer", AuthIdentityID: "authid_2"})
	unregistered := issue(authtoken.AuthContext{ActorType: "user", AuthIdentityID: "authid_3"})
	other, _ := newAuth(t, time.Now()).IssueToken(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	forged := hs256(`{"alg":"HS256"}`, `{"actor_id":"user_1","actor_type":"user","auth_identity_id":"a","exp":9999999999}`, "wrong")

	for _, c := range []struct {
		name, method, path, auth string
		want                     int
	}{
		{"user", "GET", "/admin/scope", "Bearer " + user, 200},
		{"lower-case scheme", "GET", "/admin/scope", "bearer " + user, 200},
		{"same secret elsewhere", "GET", "/admin/scope", "Bearer " + other, 200},
		{"customer on admin", "GET", "/admin/scope", "Bearer " + customer, 401},
		{"unregistered on admin", "GET", "/admin/scope", "Bearer " + unregistered, 401},
		{"forged", "GET", "/admin/scope", "Bearer " + forged, 401},
		{"basic scheme", "GET", "/admin/scope", "Basic " + user, 401},
		{"no credentials", "GET", "/admin/scope", "", 401},
		{"empty bearer", "GET", "/admin/scope", "Bearer ", 401},
		{"unregistered on accept", "POST", "/admin/invites/accept?token=x", "Bearer " + unregistered, 200},
		{"registered on accept", "POST", "/admin/invites/accept?token=x", "Bearer " + user, 400},
		{"nothing on accept", "POST", "/admin/invites/accept?token=x", "", 401},
		{"customer unregistered on accept", "POST", "/admin/invites/accept?token=x", "Bearer " + issue(authtoken.AuthContext{ActorType: "customer", AuthIdentityID: "a"}), 401},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp := app.do(req)
		if resp.status != c.want {
			t.Errorf("%s: %d, want %d (%s)", c.name, resp.status, c.want, resp.body)
		}
		if c.want == 401 && string(resp.body) != `{"message":"Unauthorized"}` {
			t.Errorf("%s: body %s", c.name, resp.body)
		}
		if c.name == "user" && !strings.Contains(string(resp.body), `"actor_id":"user_1"`) {
			t.Errorf("auth context not passed: %s", resp.body)
		}
	}
}

// TestSessionAuthentication runs the middleware over real sessions: a
// session authenticates admin routes, survives without a bearer token, and
// stops working once destroyed or when the database is gone (500, not 401).
func TestSessionAuthentication(t *testing.T) {
	ctx := context.Background()
	s, pool, _ := newStore(t, httpauth.SessionConfig{})
	app := newTestApp(t, s)
	rec := httptest.NewRecorder()
	if err := s.Create(ctx, rec, httptest.NewRequest("POST", "/auth/session", nil), authtoken.AuthContext{ActorID: "user_9", ActorType: "user", AuthIdentityID: "a"}); err != nil {
		t.Fatal(err)
	}
	c := sessionCookie(t, rec)
	req := httptest.NewRequest("GET", "/admin/scope", nil)
	req.AddCookie(c)
	resp := app.do(req)
	if resp.status != 200 || !strings.Contains(string(resp.body), `"actor_id":"user_9"`) {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	// A customer session does not open admin routes.
	rec = httptest.NewRecorder()
	_ = s.Create(ctx, rec, httptest.NewRequest("POST", "/", nil), authtoken.AuthContext{ActorID: "cus_1", ActorType: "customer", AuthIdentityID: "b"})
	req = httptest.NewRequest("GET", "/admin/scope", nil)
	req.AddCookie(sessionCookie(t, rec))
	if resp := app.do(req); resp.status != 401 {
		t.Errorf("customer session: %d", resp.status)
	}
	// Database down: the request fails with 503 (logged), it is not let through.
	pool.Close()
	req = httptest.NewRequest("GET", "/admin/scope", nil)
	req.AddCookie(c)
	resp = app.do(req)
	if resp.status != 503 || !strings.Contains(string(resp.body), `"code":"database_unavailable"`) {
		t.Errorf("db down: %d %s", resp.status, resp.body)
	}
}

// TestLoginRateLimits runs the test app's login route: 3 per IP, 2 per email.
func TestLoginRateLimits(t *testing.T) {
	app := newTestApp(t, nil)
	login := func(ip, email string) response {
		req := newReq("POST", "/auth/user/emailpass", []byte(`{"email":"`+email+`","password":"x"}`), "")
		req.RemoteAddr = ip + ":1234"
		return app.do(req)
	}
	// Per identifier: the third attempt on the same email (any case, any IP) is refused.
	if r := login("10.0.0.1", "a@b.c"); r.status != 401 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := login("10.0.0.2", "A@B.C "); r.status != 401 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r := login("10.0.0.3", "a@b.c")
	if r.status != 429 || string(r.body) != `{"code":"too_many_requests","type":"not_allowed","message":"Too many requests, please try again later."}` || r.header.Get("Retry-After") == "" {
		t.Errorf("identifier limit: %d %s %v", r.status, r.body, r.header)
	}
	// Per IP: 10.0.0.1 has used 1 of 3; two more pass the IP limit, the next is refused.
	login("10.0.0.1", "x@y.z")
	login("10.0.0.1", "y@y.z")
	r = login("10.0.0.1", "z@y.z")
	if r.status != 429 {
		t.Errorf("IP limit: %d %s", r.status, r.body)
	}
	// The IP limit runs before the body is read.
	req := httptest.NewRequest("POST", "/auth/user/emailpass", strings.NewReader("not json"))
	req.RemoteAddr = "10.0.0.1:1"
	if resp := app.do(req); resp.status != 429 {
		t.Errorf("IP limit after bad body: %d", resp.status)
	}
	// Empty keys are not limited.
	l := mw.NewLimiter(mw.RateLimit{Burst: 1, Every: time.Hour})
	h := l.Middleware(func(*http.Request) string { return "" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := 0; i < 3; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 {
			t.Errorf("empty key limited")
		}
	}
}

func newAuth(t *testing.T, now time.Time) *httpauth.Auth {
	t.Helper()
	a, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: testSecret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256 signs header.payload with secret by hand, to build tokens the
// library would refuse to build.
func hs256(header, payload, secret string) string {
	signing := b64(header) + "." + b64(payload)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

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

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
