package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/httpauth"
	httpmigrations "github.com/medusa-go/medusa/framework/httpauth/migrations"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
	"github.com/medusa-go/medusa/modules/auth"
	"github.com/medusa-go/medusa/modules/auth/api"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secret = "routes-test-secret-0123456789"

type env struct {
	t      testing.TB
	srv    *httptest.Server
	svc    *auth.Service
	auth   *httpauth.Auth
	bus    *events.Local
	logs   *testkit.Buffer
	client *http.Client

	mu     sync.Mutex
	resets []map[string]string
}

type setup struct {
	perIP, perID mw.RateLimit
	methods      map[string][]string
	// hash are the scrypt parameters (cheap ones when zero).
	hash auth.HashParams
}

func newEnv(t testing.TB, s setup) *env {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source, httpmigrations.Source)
	e := &env{t: t, bus: events.NewLocal(), logs: &testkit.Buffer{}}
	if s.hash == (auth.HashParams{}) {
		s.hash = auth.HashParams{LogN: 4, R: 8, P: 1}
	}
	svc, err := auth.NewService(pool, auth.WithHashParams(s.hash), auth.WithJWTSecret(secret), auth.WithEventBus(e.bus))
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.bus.Subscribe(auth.PasswordResetEvent, func(_ context.Context, m events.Message) error {
		var d map[string]string
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return err
		}
		e.mu.Lock()
		e.resets = append(e.resets, d)
		e.mu.Unlock()
		return nil
	})
	sessions, err := httpauth.NewSessionStore(pool, httpauth.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e.auth, err = httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: secret, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	if s.perIP.Burst == 0 {
		s.perIP = mw.RateLimit{Burst: 1000, Every: time.Millisecond}
	}
	if s.perID.Burst == 0 {
		s.perID = mw.RateLimit{Burst: 1000, Every: time.Millisecond}
	}
	mux := http.NewServeMux()
	routes := module.NewRoutes(nil, e.auth)
	if err := api.Routes(api.Config{
		Service: svc, AuthMethodsPerActor: s.methods,
		PerIP: mw.NewLimiter(s.perIP), PerIdentifier: mw.NewLimiter(s.perID),
	})(routes.For("auth", nil)); err != nil {
		t.Fatal(err)
	}
	if err := routes.Mount(mux); err != nil {
		t.Fatal(err)
	}
	// A protected probe: who does the request act as?
	mux.Handle("GET /probe", httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ac, _ := httpauth.AuthFrom(r.Context())
		httpx.WriteJSON(w, 200, ac)
	}), e.auth.Authenticate([]string{"user"}, []string{httpauth.AuthSession, httpauth.AuthBearer}, httpauth.AuthOptions{})))
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := httpx.Chain(mux, httpx.AssignRequestID(), httpx.AccessLog(logger), httpx.Recover(), httpx.LimitBody(0))
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar}
	return e
}

type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (e *env) do(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(data)}
}

func (e *env) want(r resp, status int, body string) {
	e.t.Helper()
	if r.status != status || (body != "" && r.body != body) {
		e.t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, body)
	}
}

func creds(email, password string) map[string]any {
	return map[string]any{"email": email, "password": password}
}

func (e *env) token(r resp) string {
	e.t.Helper()
	e.want(r, 200, "")
	tok, _ := r.json(e.t)["token"].(string)
	if tok == "" {
		e.t.Fatalf("no token in %s", r.body)
	}
	return tok
}

// claims decodes a token without trusting it (the test checks what was
// signed; verification is checked by the routes themselves).
func (e *env) claims(tok string) map[string]any {
	e.t.Helper()
	c := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, c, func(*jwt.Token) (any, error) { return []byte(secret), nil }, jwt.WithValidMethods([]string{"HS256"})); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func TestRegisterLoginAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	reg := e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("admin@example.com", "s3cret!")))
	c := e.claims(reg)
	if c["actor_id"] != "" || c["actor_type"] != "user" || !strings.HasPrefix(c["auth_identity_id"].(string), "authid_") {
		t.Fatalf("registration claims %v", c)
	}
	login := e.token(e.do("POST", "/auth/user/emailpass", "", creds("admin@example.com", "s3cret!")))
	if e.claims(login)["auth_identity_id"] != c["auth_identity_id"] {
		t.Fatal("login token of another identity")
	}
	// Wrong password and unknown email: the same status and body.
	const invalid = `{"type":"unauthorized","message":"Invalid email or password"}`
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("admin@example.com", "wrong")), 401, invalid)
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("ghost@example.com", "s3cret!")), 401, invalid)
	e.want(e.do("POST", "/auth/user/emailpass/register", "", creds("admin@example.com", "other")), 401,
		`{"type":"unauthorized","message":"Identity with email already exists"}`)
	e.want(e.do("POST", "/auth/user/emailpass", "", map[string]any{"email": "a@b.c", "password": 5}), 401,
		`{"type":"unauthorized","message":"Password should be a string"}`)
	e.want(e.do("POST", "/auth/user/emailpass/register", "", map[string]any{"email": []int{1}, "password": "x"}), 401,
		`{"type":"unauthorized","message":"Email should be a string"}`)
	e.want(e.do("POST", "/auth/user/emailpass", "", nil), 401, `{"type":"unauthorized","message":"Password should be a string"}`)
	// Extra keys are ignored, as by Medusa's provider.
	e.token(e.do("POST", "/auth/user/emailpass", "", map[string]any{"email": "admin@example.com", "password": "s3cret!", "remember": true}))
	// Malformed bodies.
	e.want(e.do("POST", "/auth/user/emailpass", "", `{"email":`), 400, "")
	e.want(e.do("POST", "/auth/user/emailpass", "", `[1,2]`), 400, "")
	e.want(e.do("POST", "/auth/user/emailpass", "", `{} {}`), 400, "")
	e.want(e.do("POST", "/auth/user/emailpass", "", `{"email":"a@b.c","email":"admin@example.com","password":"s3cret!"}`), 400, "")
	e.want(e.do("POST", "/auth/user/emailpass", "", "{\"email\":\"\xff\",\"password\":\"x\"}"), 400, "")
	e.want(e.do("POST", "/auth/user/emailpass", "", `null`), 400, "")
	big := `{"email":"` + strings.Repeat("a", 200<<10) + `","password":"x"}`
	e.want(e.do("POST", "/auth/user/emailpass", "", big), 413, "")
	res, err := e.client.Post(e.srv.URL+"/auth/user/emailpass", "text/plain", strings.NewReader(`{"email":"admin@example.com","password":"s3cret!"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 415 {
		t.Fatalf("text/plain body: %d, want 415", res.StatusCode)
	}
	// Unknown provider.
	r := e.do("POST", "/auth/user/github", "", creds("admin@example.com", "s3cret!"))
	if r.status != 401 || !strings.Contains(r.body, "Unable to retrieve the auth provider with id: github") {
		t.Fatalf("unknown provider: %d %s", r.status, r.body)
	}
	// Another actor type works with the same identity: actor_id stays "".
	cust := e.token(e.do("POST", "/auth/customer/emailpass", "", creds("admin@example.com", "s3cret!")))
	if cl := e.claims(cust); cl["actor_type"] != "customer" || cl["actor_id"] != "" {
		t.Fatalf("customer claims %v", cl)
	}
}

func TestAuthMethodsPerActor(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{methods: map[string][]string{"user": {"google"}}})
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("a@example.com", "pw")), 400,
		`{"type":"not_allowed","message":"The actor type user is not allowed to use the auth provider emailpass"}`)
	e.want(e.do("POST", "/auth/user/emailpass/register", "", creds("a@example.com", "pw")), 400, "")
	// Actor types absent from the map may use any provider.
	e.token(e.do("POST", "/auth/customer/emailpass/register", "", creds("a@example.com", "pw")))
}

func TestTokenClaimsAndRefreshAfterLinking(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	reg := e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("new@example.com", "pw")))
	c := e.claims(reg)
	for _, k := range []string{"actor_id", "actor_type", "auth_identity_id", "app_metadata", "iat", "exp"} {
		if _, ok := c[k]; !ok {
			t.Fatalf("claim %s missing: %v", k, c)
		}
	}
	if exp, iat := c["exp"].(float64), c["iat"].(float64); exp-iat != 24*3600 {
		t.Fatalf("lifetime %v s", exp-iat)
	}
	if md := c["app_metadata"].(map[string]any); len(md) != 0 {
		t.Fatalf("app_metadata before linking: %v", md)
	}
	// A registration token is not a session and not an actor.
	e.want(e.do("GET", "/probe", reg, nil), 401, `{"message":"Unauthorized"}`)
	e.want(e.do("POST", "/auth/session", reg, nil), 401, `{"message":"Unauthorized"}`)
	// Link the identity to a user (what accepting an invite does), then
	// refresh: the new token carries the actor.
	id := c["auth_identity_id"].(string)
	if err := e.svc.SetAppMetadata(context.Background(), id, map[string]any{"user_id": "user_01", "other": "x"}); err != nil {
		t.Fatal(err)
	}
	ref := e.token(e.do("POST", "/auth/token/refresh", reg, nil))
	rc := e.claims(ref)
	if rc["actor_id"] != "user_01" || rc["auth_identity_id"] != id {
		t.Fatalf("refreshed claims %v", rc)
	}
	if md := rc["app_metadata"].(map[string]any); len(md) != 1 || md["user_id"] != "user_01" {
		t.Fatalf("app_metadata claim holds only <actor_type>_id: %v", md)
	}
	e.want(e.do("GET", "/probe", ref, nil), 200, "")
	// Login now yields the actor too.
	lc := e.claims(e.token(e.do("POST", "/auth/user/emailpass", "", creds("new@example.com", "pw"))))
	if lc["actor_id"] != "user_01" {
		t.Fatalf("login claims %v", lc)
	}
	// Unlinked (user removed: user_id null): actor_id "" and the null kept.
	if err := e.svc.SetAppMetadata(context.Background(), id, map[string]any{"user_id": nil}); err != nil {
		t.Fatal(err)
	}
	nc := e.claims(e.token(e.do("POST", "/auth/token/refresh", ref, nil)))
	if md := nc["app_metadata"].(map[string]any); nc["actor_id"] != "" || len(md) != 1 || md["user_id"] != nil {
		t.Fatalf("after unlinking: %v", nc)
	}
	// No token, a forged token, an alg:none token: 401.
	e.want(e.do("POST", "/auth/token/refresh", "", nil), 401, `{"message":"Unauthorized"}`)
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(c)).SignedString([]byte("not the secret"))
	e.want(e.do("POST", "/auth/token/refresh", forged, nil), 401, `{"message":"Unauthorized"}`)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(c)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	e.want(e.do("POST", "/auth/token/refresh", none, nil), 401, `{"message":"Unauthorized"}`)
	// An identity deleted since: 401.
	if err := e.svc.DeleteAuthIdentities(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	e.want(e.do("POST", "/auth/token/refresh", ref, nil), 401, `{"message":"Unauthorized"}`)
}

func TestSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	reg := e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("s@example.com", "pw")))
	id := e.claims(reg)["auth_identity_id"].(string)
	if err := e.svc.SetAppMetadata(context.Background(), id, map[string]any{"user_id": "user_s"}); err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.do("POST", "/auth/user/emailpass", "", creds("s@example.com", "pw")))
	// No cookie yet: the probe refuses.
	e.want(e.do("GET", "/probe", "", nil), 401, "")
	r := e.do("POST", "/auth/session", tok, nil)
	e.want(r, 200, `{"user":{"actor_id":"user_s","actor_type":"user","auth_identity_id":"`+id+`","app_metadata":{"user_id":"user_s"}}}`)
	if sc := r.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "connect.sid=") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("cookie %q", sc)
	}
	// The cookie alone authenticates now.
	p := e.do("GET", "/probe", "", nil)
	e.want(p, 200, "")
	if p.json(t)["actor_id"] != "user_s" {
		t.Fatalf("probe %s", p.body)
	}
	// Refresh works from the session too.
	e.token(e.do("POST", "/auth/token/refresh", "", nil))
	e.want(e.do("DELETE", "/auth/session", "", nil), 200, `{"success":true}`)
	e.want(e.do("GET", "/probe", "", nil), 401, `{"message":"Unauthorized"}`)
	// Deleting without a session is fine too.
	e.want(e.do("DELETE", "/auth/session", "", nil), 200, `{"success":true}`)
}

func TestResetPasswordFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("r@example.com", "old-pw")))
	// Known and unknown identifiers: both 201, only one event.
	e.want(e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{"identifier": "r@example.com"}), 201, "Created")
	e.want(e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{"identifier": "ghost@example.com"}), 201, "Created")
	e.want(e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{}), 400,
		`{"type":"invalid_data","message":"Invalid request: Field 'identifier' is required"}`)
	e.want(e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{"identifier": 1}), 400, "")
	e.mu.Lock()
	resets := append([]map[string]string(nil), e.resets...)
	e.mu.Unlock()
	if len(resets) != 1 || resets[0]["entity_id"] != "r@example.com" || resets[0]["actor_type"] != "user" {
		t.Fatalf("events %v", resets)
	}
	reset := resets[0]["token"]
	// Without, with a garbage, a forged or an expired token: 401 Invalid token.
	const invalidTok = `{"message":"Invalid token"}`
	body := creds("r@example.com", "new-pw")
	e.want(e.do("POST", "/auth/user/emailpass/update", "", body), 401, invalidTok)
	e.want(e.do("POST", "/auth/user/emailpass/update", "garbage", body), 401, invalidTok)
	now := time.Now()
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"entity_id": "r@example.com", "provider": "emailpass", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}).SignedString([]byte("guess"))
	e.want(e.do("POST", "/auth/user/emailpass/update", forged, body), 401, invalidTok)
	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"entity_id": "r@example.com", "provider": "emailpass", "iat": now.Add(-20 * time.Minute).Unix(), "exp": now.Add(-5 * time.Minute).Unix()}).SignedString([]byte(secret))
	e.want(e.do("POST", "/auth/user/emailpass/update", expired, body), 401, invalidTok)
	// An auth token is not a reset token.
	login := e.token(e.do("POST", "/auth/user/emailpass", "", creds("r@example.com", "old-pw")))
	e.want(e.do("POST", "/auth/user/emailpass/update", login, body), 401, invalidTok)
	// A valid token without a password: refused, nothing changed.
	e.want(e.do("POST", "/auth/user/emailpass/update", reset, map[string]any{"email": "r@example.com"}), 401,
		`{"type":"unauthorized","message":"Password should be a string"}`)
	e.token(e.do("POST", "/auth/user/emailpass", "", creds("r@example.com", "old-pw")))
	// The real thing.
	e.want(e.do("POST", "/auth/user/emailpass/update", reset, body), 200, `{"success":true}`)
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("r@example.com", "old-pw")), 401, "")
	e.token(e.do("POST", "/auth/user/emailpass", "", creds("r@example.com", "new-pw")))
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{
		perIP: mw.RateLimit{Burst: 6, Every: time.Hour},
		perID: mw.RateLimit{Burst: 2, Every: time.Hour},
	})
	e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("l@example.com", "pw")))  // ip 1, l 1
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("L@example.com ", "bad")), 401, "") // ip 2, l 2 (same identifier, normalised)
	r := e.do("POST", "/auth/user/emailpass", "", creds("l@example.com", "pw"))               // ip 3, l refused
	e.want(r, 429, `{"code":"too_many_requests","type":"not_allowed","message":"Too many requests, please try again later."}`)
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// The per-identifier limit also covers reset-password.
	e.want(e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{"identifier": "l@example.com"}), 429, "") // ip 4
	// Another identifier still passes, until the IP's bucket is empty.
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("m@example.com", "pw")), 401, "") // ip 5
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("n@example.com", "pw")), 401, "") // ip 6
	e.want(e.do("POST", "/auth/user/emailpass", "", creds("o@example.com", "pw")), 429, "")
	e.want(e.do("POST", "/auth/user/emailpass/register", "", creds("p@example.com", "pw")), 429, "")
}

// Passwords and tokens never reach the logs: the whole flow runs with a
// debug-level logger, then the log is searched for every secret used.
func TestSecretsAbsentFromLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, setup{})
	secrets := []string{"Pa55-register-secret", "Pa55-wrong-secret", "Pa55-new-secret"}
	reg := e.token(e.do("POST", "/auth/user/emailpass/register", "", creds("log@example.com", secrets[0])))
	e.do("POST", "/auth/user/emailpass", "", creds("log@example.com", secrets[1]))
	e.do("POST", "/auth/user/emailpass", "", creds("ghost@example.com", secrets[1]))
	e.do("POST", "/auth/user/emailpass/register", "", creds("log@example.com", secrets[1]))
	id := e.claims(reg)["auth_identity_id"].(string)
	if err := e.svc.SetAppMetadata(context.Background(), id, map[string]any{"user_id": "user_log"}); err != nil {
		t.Fatal(err)
	}
	login := e.token(e.do("POST", "/auth/user/emailpass", "", creds("log@example.com", secrets[0])))
	e.do("POST", "/auth/session", login, nil)
	ref := e.token(e.do("POST", "/auth/token/refresh", login, nil))
	e.do("POST", "/auth/token/refresh", "forged."+login[10:], nil) // a refused token is logged at debug: without itself
	e.do("GET", "/probe", ref, nil)
	e.do("DELETE", "/auth/session", "", nil)
	e.do("POST", "/auth/user/emailpass/reset-password", "", map[string]any{"identifier": "log@example.com"})
	e.mu.Lock()
	reset := e.resets[0]["token"]
	e.mu.Unlock()
	e.do("POST", "/auth/user/emailpass/update", reset, creds("log@example.com", secrets[2]))
	e.do("POST", "/auth/user/emailpass/update?token="+reset+"&password="+secrets[2], "", nil)
	e.token(e.do("POST", "/auth/user/emailpass", "", creds("log@example.com", secrets[2])))

	logs := e.logs.String()
	if !strings.Contains(logs, `"path":"/auth/user/emailpass/update"`) || strings.Count(logs, `"msg":"http request"`) < 14 {
		t.Fatalf("the access log did not record the flow:\n%s", logs)
	}
	for _, s := range append(secrets, reg, login, ref, reset, login[10:40], reset[len(reset)-30:]) {
		if strings.Contains(logs, s) {
			t.Fatalf("secret %q found in the logs:\n%s", s, logs)
		}
	}
}
