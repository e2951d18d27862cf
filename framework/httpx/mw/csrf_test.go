package mw_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// CSRF refuses cookie-authenticated, state-changing requests a browser
// marks as cross-origin, and lets through everything that cannot be forged:
// safe methods, requests without the session cookie (bearer tokens, API
// keys, non-browser clients), same-origin requests and trusted origins.
func TestCSRF(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := mw.CSRF("connect.sid", "https://admin.example.com", "/^https:\\/\\/.+\\.trusted\\.test$/")(ok)
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
