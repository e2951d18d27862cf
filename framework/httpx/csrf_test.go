package httpx_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx"
)

// CSRF refuses cookie-authenticated, state-changing requests a browser
// marks as cross-origin, and lets through everything that cannot be forged:
// safe methods, requests without the session cookie (bearer tokens, API
// keys, non-browser clients), same-origin requests and trusted origins.
func TestCSRF(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := httpx.CSRF("connect.sid", "https://admin.example.com", "/^https:\\/\\/.+\\.trusted\\.test$/")(ok)
	cookie := &http.Cookie{Name: "connect.sid", Value: "x"}
	for _, tc := range []struct {
		name    string
		method  string
		cookie  bool
		headers map[string]string
		want    int
	}{
		{"cross-site POST with the cookie", "POST", true, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}, 403},
		{"same-site (other subdomain) DELETE with the cookie", "DELETE", true, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.example.com"}, 403},
		{"old browser: foreign Origin, no Sec-Fetch-Site", "POST", true, map[string]string{"Origin": "https://evil.test"}, 403},
		{"same-origin POST with the cookie", "POST", true, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://api.test"}, 204},
		{"Origin equal to the host, no Sec-Fetch-Site", "POST", true, map[string]string{"Origin": "http://api.test"}, 204},
		{"cross-site GET with the cookie", "GET", true, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test"}, 204},
		{"cross-site POST without the cookie (bearer)", "POST", false, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test", "Authorization": "Bearer x"}, 204},
		{"non-browser client with the cookie", "POST", true, nil, 204},
		{"trusted exact origin", "POST", true, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://admin.example.com"}, 204},
		{"trusted pattern origin", "POST", true, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://a.trusted.test"}, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://api.test/admin/users/user_1", nil)
			if tc.cookie {
				r.AddCookie(cookie)
			}
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			if tc.want == 403 && (!strings.Contains(rec.Body.String(), `"type":"not_allowed"`) || !strings.Contains(rec.Header().Get("Content-Type"), "json")) {
				t.Fatalf("403 body %s", rec.Body)
			}
		})
	}
}

// A session created over TLS gets a Secure cookie, one over plain HTTP
// (development) does not.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, httpx.SessionConfig{})
	ac := httpx.AuthContext{ActorID: "u", ActorType: "user", AuthIdentityID: "a"}
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
