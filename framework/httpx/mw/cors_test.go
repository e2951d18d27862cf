package mw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
)

func TestCORS(t *testing.T) {
	cors := mw.CORS("http://localhost:7001", ` /^https:\/\/[a-z]+\.example\.com$/ `, "", `~^http://LOCAL\.test:\d+$~i`, "/(?<=x)y/", "/a/gg")
	h := cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	for _, c := range []struct {
		name, method, origin, reqMethod, reqHeaders string
		status                                      int
		allowOrigin, allowHeaders                   string
	}{
		{"allowed exact", "GET", "http://localhost:7001", "", "", 200, "http://localhost:7001", ""},
		{"allowed regexp", "POST", "https://admin.example.com", "", "", 200, "https://admin.example.com", ""},
		{"regexp anchored", "GET", "https://admin.example.com.evil.io", "", "", 200, "", ""},
		{"other origin", "GET", "http://evil.io", "", "", 200, "", ""},
		{"no origin", "GET", "", "", "", 200, "", ""},
		{"preflight", "OPTIONS", "http://localhost:7001", "POST", "content-type,authorization", 204, "http://localhost:7001", "content-type,authorization"},
		{"preflight other origin", "OPTIONS", "http://evil.io", "POST", "authorization", 204, "", ""},
		{"plain options", "OPTIONS", "http://localhost:7001", "", "", 200, "http://localhost:7001", ""},
		{"regexp with flag", "GET", "http://local.test:8080", "", "", 200, "http://local.test:8080", ""},
		{"invalid regexp kept literally", "GET", "/(?<=x)y/", "", "", 200, "/(?<=x)y/", ""},
		{"repeated flag kept literally", "GET", "http://a", "", "", 200, "", ""},
	} {
		req := httptest.NewRequest(c.method, "/admin/users", nil)
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.reqMethod != "" {
			req.Header.Set("Access-Control-Request-Method", c.reqMethod)
		}
		if c.reqHeaders != "" {
			req.Header.Set("Access-Control-Request-Headers", c.reqHeaders)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header()
		if rec.Code != c.status || got.Get("Access-Control-Allow-Origin") != c.allowOrigin || got.Get("Access-Control-Allow-Headers") != c.allowHeaders {
			t.Errorf("%s: %d %v", c.name, rec.Code, got)
		}
		if c.allowOrigin != "" && got.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s: no credentials header", c.name)
		}
		if c.allowOrigin == "" && got.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s: credentials for a refused origin", c.name)
		}
		if got.Get("Vary") == "" {
			t.Errorf("%s: no Vary", c.name)
		}
	}
}

// TestCORSBeforeRouting: a preflight matches no route, so CORS runs around
// the router, limited to a path prefix with ForPrefix.
func TestCORSBeforeRouting(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/users", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	mux.HandleFunc("GET /administrator", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	r := httpx.Chain(mux, httpx.ForPrefix("/admin", mw.CORS("http://localhost:7001")))
	for path, want := range map[string]string{"/admin/users": "http://localhost:7001", "/admin": "http://localhost:7001", "/administrator": "", "/store/x": ""} {
		req := httptest.NewRequest("OPTIONS", path, nil)
		req.Header.Set("Origin", "http://localhost:7001")
		req.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if got := rec.Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: allow-origin %q, want %q (%d)", path, got, want, rec.Code)
		}
		if want != "" && rec.Code != 204 {
			t.Errorf("%s: preflight %d", path, rec.Code)
		}
	}
}
