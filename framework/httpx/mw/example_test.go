package mw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// Login limits: per client IP as middleware, per identifier after decoding
// the body.
func ExampleLimiter() {
	frozen := func() time.Time { return time.Unix(0, 0) } // a fixed clock, for the output
	perEmail := mw.NewLimiter(mw.RateLimit{Burst: 2, Every: time.Minute, Now: frozen})
	for i := 0; i < 3; i++ {
		ok, wait := perEmail.Allow(mw.IdentifierKey(" Admin@Example.com"))
		fmt.Println(ok, wait)
	}
	// Output:
	// true 0s
	// true 0s
	// false 1m0s
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
		httpx.ForPrefix("/admin", mw.CORS("http://localhost:7001", `/^https:\/\/[a-z]+\.example\.com$/i`)),
		httpx.ForPrefix("/auth", mw.CORS("http://localhost:7001")),
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
