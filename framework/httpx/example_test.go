package httpx_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

// A route declares its body as rules over a struct; Opt tells absent, null
// and value apart.
func ExampleMustBody() {
	type UpdateUser struct {
		FirstName httpx.Opt[string]         `json:"first_name"`
		LastName  httpx.Opt[string]         `json:"last_name"`
		Metadata  httpx.Opt[map[string]any] `json:"metadata"`
	}
	updateUser := httpx.MustBody[UpdateUser](
		httpx.String("first_name").Nullish(),
		httpx.String("last_name").Nullish(),
		httpx.Object("metadata").Nullish(),
	)

	in, err := updateUser.DecodeBytes([]byte(`{"first_name":"Jane","last_name":null}`))
	fmt.Println(err)
	fmt.Println(in.FirstName.Get())
	fmt.Println(in.LastName.Set, in.LastName.Null)
	fmt.Println(in.Metadata.Set)

	_, err = updateUser.DecodeBytes([]byte(`{"first_name":1,"email":"x"}`))
	fmt.Println(err)
	// Output:
	// <nil>
	// Jane true
	// true true
	// false
	// Invalid request: Expected type: 'string' for field 'first_name', got: 'number'; Unrecognized fields: 'email'
}

// A list route declares its query once; Parse gives fields, pagination,
// order and a route-agnostic filter.
func ExampleQuerySpec_ParseRaw() {
	spec := httpx.MustQuerySpec(httpx.QueryConfig{
		Defaults:     []string{"id", "email", "first_name", "created_at"},
		List:         true,
		Search:       true,
		DefaultOrder: "id",
		Filters: []httpx.FilterField{
			{Name: "id", Array: true},
			{Name: "email", Array: true, Ops: httpx.OpsAll},
			{Name: "created_at", Type: httpx.TypeTime, Ops: httpx.OpsCompare},
		},
	})
	q, err := spec.ParseRaw("fields=email&limit=10&order=-created_at&email[$in]=a@x.io,b@x.io&created_at[$gte]=2024-01-01")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q.Fields, q.Limit, q.Offset, q.Order)
	for _, c := range q.Filter.Conds {
		fmt.Println(c.Field, c.Op, c.Values)
	}

	_, err = spec.ParseRaw("limit=-1&foo=1")
	fmt.Println(err)
	// Output:
	// [id email] 10 0 [{created_at true}]
	// email $in [a@x.io b@x.io]
	// created_at $gte [2024-01-01 00:00:00 +0000 UTC]
	// Invalid request: Value for field 'limit' too small, expected at least: '0'; Unrecognized fields: 'foo'
}

// A route behind Authenticate, on a mux wrapped in the standard middleware.
// (In an application, module.Router applies /admin's authentication by
// default.)
func ExampleAuth_Authenticate() {
	auth, _ := httpx.NewAuth(httpx.AuthConfig{JWTSecret: "example-secret"})
	root := container.New()
	mux := http.NewServeMux()
	requireUser := auth.Authenticate([]string{"user"}, []string{httpx.AuthBearer, httpx.AuthSession}, httpx.AuthOptions{})
	mux.Handle("GET /admin/users/me", requireUser(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ac, _ := httpx.AuthFrom(r.Context())
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"user": map[string]string{"id": ac.ActorID}})
	})))
	r := httpx.Chain(mux, httpx.AssignRequestID(), httpx.Recover(), httpx.LimitBody(0), httpx.ScopePerRequest(root))

	tok, _ := auth.IssueToken(httpx.AuthContext{ActorID: "user_01", ActorType: "user", AuthIdentityID: "authid_01"})
	for _, h := range []string{"Bearer " + tok, "Bearer forged", ""} {
		req := httptest.NewRequest("GET", "/admin/users/me", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 200 {"user":{"id":"user_01"}}
	// 401 {"message":"Unauthorized"}
	// 401 {"message":"Unauthorized"}
}

func ExampleWriteError() {
	for _, err := range []error{
		merrors.New(merrors.NotFound, "User with id: user_1 was not found"),
		fmt.Errorf("internal detail: %w", errors.ErrUnsupported),
		httpx.ErrUnauthorized,
	} {
		rec := httptest.NewRecorder()
		httpx.WriteError(rec, httptest.NewRequest("GET", "/", nil), err)
		fmt.Println(rec.Code, rec.Body)
	}
	// Output:
	// 404 {"type":"not_found","message":"User with id: user_1 was not found"}
	// 500 {"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}
	// 401 {"message":"Unauthorized"}
}

// Login limits: per client IP as middleware, per identifier after decoding
// the body.
func ExampleLimiter() {
	frozen := func() time.Time { return time.Unix(0, 0) } // a fixed clock, for the output
	perEmail := httpx.NewLimiter(httpx.RateLimit{Burst: 2, Every: time.Minute, Now: frozen})
	for i := 0; i < 3; i++ {
		ok, wait := perEmail.Allow(httpx.IdentifierKey(" Admin@Example.com"))
		fmt.Println(ok, wait)
	}
	// Output:
	// true 0s
	// true 0s
	// false 1m0s
}

// The middleware stack an application wraps its routes in, on a plain
// http.ServeMux (the first middleware is the outermost).
func ExampleChain() {
	root := container.New()
	logger := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /custom/hello", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"request_id": httpx.RequestID(r.Context()), "scoped": httpx.Scope(r) != nil})
	})
	h := httpx.Chain(mux,
		httpx.AssignRequestID(),     // x-request-id in/out (UUID v4 when absent or unsafe)
		httpx.AccessLog(logger),     // one slog line per request, secrets redacted
		httpx.Recover(),             // panic → 500 unknown_error, logged with stack
		httpx.LimitBody(0),          // 100 KiB (Express's default), 413 above
		httpx.ScopePerRequest(root), // httpx.Scope(r) = root.Scope()
	)

	req := httptest.NewRequest("GET", "/custom/hello", nil)
	req.Header.Set("X-Request-Id", "req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("X-Request-Id"), rec.Body)
	// Output: 200 req-1 {"request_id":"req-1","scoped":true}
}

// CORS must run before routing (a preflight OPTIONS request matches no
// route), limited to a path prefix. An application does this from its
// settings (ADMIN_CORS, AUTH_CORS, STORE_CORS).
func ExampleCORS() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/users", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]any{"users": []any{}})
	})
	h := httpx.Chain(mux,
		httpx.ForPrefix("/admin", httpx.CORS("http://localhost:7001", `/^https:\/\/[a-z]+\.example\.com$/i`)),
		httpx.ForPrefix("/auth", httpx.CORS("http://localhost:7001")),
		httpx.AssignRequestID(), /* … */
	)

	for _, origin := range []string{"https://Shop.example.com", "https://evil.example.org"} {
		req := httptest.NewRequest("OPTIONS", "/admin/users", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d %q %q\n", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), rec.Header().Get("Access-Control-Allow-Credentials"))
	}
	// Output:
	// 204 "https://Shop.example.com" "true"
	// 204 "" ""
}
