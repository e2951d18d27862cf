package httpx_test

import (
	"bytes"
	"encoding/json"
	"github.com/medusa-go/medusa/framework/httpx/internal/adminspec"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/body"
	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// The test route set: small versions of the admin users and invites routes,
// built only with httpx, used by the malformed-request table and the
// end-to-end tests of this package.

var (
	updateUser        = adminspec.UpdateUser
	createInvite      = adminspec.CreateInvite
	listUsersQuery    = adminspec.ListUsersQuery
	listInvitesQuery  = adminspec.ListInvitesQuery
	retrieveUserQuery = adminspec.RetrieveUserQuery
	acceptQuery       = adminspec.AcceptQuery
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var login = body.MustBody[loginBody](body.String("email"), body.String("password"))

const testSecret = "test-secret-not-for-production"

type testApp struct {
	handler http.Handler
	auth    *httpauth.Auth
	logs    *bytes.Buffer
	ipLimit *mw.Limiter
	idLimit *mw.Limiter
}

// newTestApp wires the test routes. sessions may be nil.
func newTestApp(t testing.TB, sessions *httpauth.SessionStore) *testApp {
	t.Helper()
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	auth, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: testSecret, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	root := container.New()
	app := &testApp{auth: auth, logs: logs,
		ipLimit: mw.NewLimiter(mw.RateLimit{Burst: 3, Every: time.Hour}),
		idLimit: mw.NewLimiter(mw.RateLimit{Burst: 2, Every: time.Hour}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", httpx.NotFound)
	r := routeGroup{mux: mux}
	admin := routeGroup{mux: mux, prefix: "/admin", mw: []httpx.Middleware{auth.Authenticate([]string{"user"}, []string{httpauth.AuthBearer, httpauth.AuthSession}, httpauth.AuthOptions{})}}

	admin.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		q, err := listUsersQuery.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"users": []any{}, "count": 0, "offset": q.Offset, "limit": q.Limit, "query": q})
	})
	admin.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		q, err := retrieveUserQuery.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		if r.PathValue("id") == "missing" {
			httpx.WriteError(w, r, merrors.New(merrors.NotFound, "User with id: %s was not found", r.PathValue("id")))
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"user": map[string]any{"id": r.PathValue("id")}, "fields": q.Fields})
	})
	admin.HandleFunc("POST /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := retrieveUserQuery.Parse(r); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		in, err := updateUser.Decode(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"user": in})
	})
	admin.HandleFunc("GET /invites", func(w http.ResponseWriter, r *http.Request) {
		q, err := listInvitesQuery.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"invites": []any{}, "count": 0, "offset": q.Offset, "limit": q.Limit})
	})
	admin.HandleFunc("POST /invites", func(w http.ResponseWriter, r *http.Request) {
		in, err := createInvite.Decode(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"invite": in})
	})
	admin.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom: secret internals") })
	admin.HandleFunc("GET /internal", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, r, io.ErrUnexpectedEOF)
	})
	admin.HandleFunc("GET /scope", func(w http.ResponseWriter, r *http.Request) {
		ac, _ := httpauth.AuthFrom(r.Context())
		httpx.WriteJSON(w, 200, map[string]any{"scoped": httpx.Scope(r) != nil && httpx.Scope(r).Parent() == root, "actor_id": ac.ActorID})
	})

	// Invite accept: unregistered identities allowed, token required.
	r.HandleFunc("POST /admin/invites/accept", func(w http.ResponseWriter, r *http.Request) {
		q, err := acceptQuery.Parse(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		ac, _ := httpauth.AuthFrom(r.Context())
		if ac.ActorID != "" {
			httpx.WriteError(w, r, merrors.New(merrors.InvalidData, "The user is already authenticated and cannot accept an invite."))
			return
		}
		httpx.WriteJSON(w, 200, map[string]any{"token": len(q.Params["token"]) > 0})
	}, auth.Authenticate([]string{"user"}, []string{httpauth.AuthBearer, httpauth.AuthSession}, httpauth.AuthOptions{AllowUnregistered: true}))

	// Login: per-IP limit as middleware, per-identifier limit after decoding.
	r.HandleFunc("POST /auth/user/emailpass", func(w http.ResponseWriter, r *http.Request) {
		in, err := login.Decode(r)
		if err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		if ok, wait := app.idLimit.Allow(mw.IdentifierKey(in.Email)); !ok {
			httpx.WriteError(w, r, httpx.TooManyRequests(wait))
			return
		}
		httpx.WriteError(w, r, merrors.New(merrors.Unauthorized, "Invalid email or password"))
	}, app.ipLimit.Middleware(httpx.ClientIP))

	r.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	app.handler = httpx.Chain(mux, httpx.AssignRequestID(), httpx.AccessLog(logger), httpx.Recover(), httpx.LimitBody(4<<10), httpx.ScopePerRequest(root))
	return app
}

// routeGroup registers routes under a path prefix, each wrapped in the
// group's middleware and then its own.
type routeGroup struct {
	mux    *http.ServeMux
	prefix string
	mw     []httpx.Middleware
}

func (g routeGroup) HandleFunc(pattern string, h http.HandlerFunc, mw ...httpx.Middleware) {
	method, path, _ := strings.Cut(pattern, " ")
	g.mux.Handle(method+" "+g.prefix+path, httpx.Chain(h, append(append([]httpx.Middleware{}, g.mw...), mw...)...))
}

// userToken is a valid admin token.
func (a *testApp) userToken(t testing.TB) string {
	t.Helper()
	tok, err := a.auth.IssueToken(authtoken.AuthContext{ActorID: "user_1", ActorType: "user", AuthIdentityID: "authid_1"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (a *testApp) do(req *http.Request) response {
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func newReq(method, target string, body []byte, token string) *http.Request {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}
