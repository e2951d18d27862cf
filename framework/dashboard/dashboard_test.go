package dashboard_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/dashboard"
)

func TestValidatePath(t *testing.T) {
	for _, ok := range []string{"/app", "/dashboard", "/x/admin", "/administrator", "/app-v2"} {
		if err := dashboard.ValidatePath(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":           "empty",
		"app":        `must start with "/"`,
		"/app/":      `must not end with "/"`,
		"/":          `must not end with "/"`,
		"/admin":     "taken by the API",
		"/admin/app": "taken by the API",
		"/store":     "taken by the API",
		"/auth":      "taken by the API",
		"/a//b":      "not clean",
		"/a/../b":    "not clean",
		"/a b":       "may not contain",
		"/a?b":       "may not contain",
	} {
		err := dashboard.ValidatePath(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to say %q", bad, err, want)
		}
	}
	if _, err := dashboard.New(dashboard.Options{Path: "/auth"}); err == nil {
		t.Error("New accepted /auth")
	}
}

func get(t *testing.T, h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// Every page path under the prefix answers the index (history routing),
// with the security headers; assets are served with their types; anything
// else is 404 or 405.
func TestServesIndexAndAssets(t *testing.T) {
	h, err := dashboard.New(dashboard.Options{Path: "/console"})
	if err != nil {
		t.Fatal(err)
	}
	var index string
	for _, p := range []string{"/console", "/console/", "/console/users", "/console/users/user_1", "/console/invite?token=abc", "/console/no/such/page"} {
		rec := get(t, h, "GET", p)
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", p, rec.Code, rec.Header().Get("Content-Type"))
		}
		if index == "" {
			index = rec.Body.String()
		} else if rec.Body.String() != index {
			t.Fatalf("%s: another body than the index", p)
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'", "base-uri 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if rec.Header().Get(k) != v {
				t.Errorf("%s: %s = %q", p, k, rec.Header().Get(k))
			}
		}
	}
	// The index has no inline script nor event-handler attribute, and
	// carries the path for the router.
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>`).MatchString(index) || regexp.MustCompile(`\son[a-z]+=`).MatchString(index) {
		t.Fatalf("inline script in the index:\n%s", index)
	}
	if !strings.Contains(index, `<meta name="admin-path" content="/console">`) {
		t.Fatalf("index lacks the path:\n%s", index)
	}
	// Each referenced asset is served, with its type, cacheable forever
	// under its hash, and none builds HTML from strings.
	refs := regexp.MustCompile(`(?:href|src)="(/console/assets/[^"]+)"`).FindAllStringSubmatch(index, -1)
	if len(refs) < 5 {
		t.Fatalf("index references %d assets:\n%s", len(refs), index)
	}
	for _, m := range refs {
		u := m[1]
		rec := get(t, h, "GET", u)
		ct := rec.Header().Get("Content-Type")
		if rec.Code != 200 || !(strings.HasPrefix(ct, "text/javascript") || strings.HasPrefix(ct, "text/css")) {
			t.Fatalf("%s: %d %q", u, rec.Code, ct)
		}
		if !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", u, rec.Header().Get("Cache-Control"))
		}
		// Imports carry the hash of the module they import, so the
		// browser fetches each module once, the preloaded URL.
		for _, imp := range regexp.MustCompile(`(?:from|import)\s*"(\./[^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
			if !strings.Contains(imp[1], ".js?v=") || !strings.Contains(index, imp[1][2:]) {
				t.Errorf("%s imports %s, not a preloaded, versioned module", u, imp[1])
			}
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
			if strings.Contains(rec.Body.String(), bad) {
				t.Errorf("%s uses %s", u, bad)
			}
		}
	}
	for p, want := range map[string]int{"/console/assets/nope.js": 404, "/console/assets/../dashboard.go": 404, "/other": 404, "/consoleX": 404} {
		if rec := get(t, h, "GET", p); rec.Code != want {
			t.Errorf("%s: %d, want %d", p, rec.Code, want)
		}
	}
	if rec := get(t, h, "POST", "/console/users"); rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: %d %q", rec.Code, rec.Header().Get("Allow"))
	}
}

// Clients that accept gzip get the precompressed body; the ETag answers
// revalidation with 304.
func TestGzipAndETag(t *testing.T) {
	h, err := dashboard.New(dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	plain := get(t, h, "GET", "/app/assets/app.css")
	if plain.Header().Get("Content-Encoding") != "" || !strings.Contains(plain.Body.String(), ":root") {
		t.Fatalf("plain: %q", plain.Header())
	}
	zipped := get(t, h, "GET", "/app/assets/app.css", "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= plain.Body.Len() {
		t.Fatalf("gzip: %q, %d bytes vs %d", zipped.Header(), zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !bytes.Equal(body, plain.Body.Bytes()) {
		t.Fatal("gzip body differs")
	}
	if rec := get(t, h, "GET", "/app/assets/app.css", "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	if rec := get(t, h, "GET", "/app/assets/app.css", "If-None-Match", plain.Header().Get("ETag")); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("revalidation: %d", rec.Code)
	}
	if rec := get(t, h, "HEAD", "/app/users"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, h, "GET", "/app/assets/app.css?v=stale"); rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("stale hash: Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
}

// BenchmarkAssetSize reports the transfer size of the dashboard's scripts
// and styles: gzip_bytes is what a browser downloads (goal: at most
// 100 kB).
func BenchmarkAssetSize(b *testing.B) {
	var raw, gz int
	for b.Loop() {
		var err error
		if raw, gz, err = dashboard.Sizes(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(raw), "raw_bytes")
	b.ReportMetric(float64(gz), "gzip_bytes")
}

// BenchmarkNew measures what building the handler (reading, rewriting and
// compressing every asset) costs a starting server:
//
//	go test ./framework/dashboard -run '^$' -bench New -benchmem
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := dashboard.New(dashboard.Options{Path: dashboard.DefaultPath}); err != nil {
			b.Fatal(err)
		}
	}
}
