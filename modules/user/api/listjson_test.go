package api

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/modules/user"
)

var listReq = httptest.NewRequest("GET", "/admin/users", nil)

// TestWriteListMatchesWriteJSON checks that writeList answers the same
// status, headers and bytes as httpx.WriteJSON with the list map.
func TestWriteListMatchesWriteJSON(t *testing.T) {
	s := func(v string) *string { return &v }
	now := time.Date(2026, 11, 27, 1, 2, 3, 456000000, time.UTC)
	users := []user.User{
		{ID: "user_1", Email: "a@example.com", FirstName: s("<b>Ann</b> & \"co\""), CreatedAt: now, UpdatedAt: now},
		{ID: "user_2", Email: "b@example.com", LastName: s("é \u2028"), Metadata: json.RawMessage(`{ "k" : [1, "<x>"] }`), CreatedAt: now, UpdatedAt: now, DeletedAt: &now},
	}
	invites := []user.Invite{{ID: "invite_1", Email: "i@example.com", Token: "t.o.k", ExpiresAt: now, CreatedAt: now, UpdatedAt: now}}
	type notMarshaler struct{ A string }
	cases := []struct {
		name string
		got  func(*httptest.ResponseRecorder)
		want any
	}{
		{"users", func(w *httptest.ResponseRecorder) { writeList(w, listReq, "users", users, 1001, 50, 50) },
			map[string]any{"users": users, "count": 1001, "offset": 50, "limit": 50}},
		{"no users", func(w *httptest.ResponseRecorder) { writeList(w, listReq, "users", []user.User{}, 0, 0, 50) },
			map[string]any{"users": []user.User{}, "count": 0, "offset": 0, "limit": 50}},
		{"invites (key sorts first)", func(w *httptest.ResponseRecorder) { writeList(w, listReq, "invites", invites, 1, 0, 20) },
			map[string]any{"invites": invites, "count": 1, "offset": 0, "limit": 20}},
		{"fallback", func(w *httptest.ResponseRecorder) { writeList(w, listReq, "rows", []notMarshaler{{"<"}}, 1, 0, 20) },
			map[string]any{"rows": []notMarshaler{{"<"}}, "count": 1, "offset": 0, "limit": 20}},
	}
	for _, tc := range cases {
		got, want := httptest.NewRecorder(), httptest.NewRecorder()
		tc.got(got)
		httpx.WriteJSON(want, 200, tc.want)
		if got.Code != want.Code || got.Body.String() != want.Body.String() {
			t.Errorf("%s:\n got %d %s\nwant %d %s", tc.name, got.Code, got.Body, want.Code, want.Body)
		}
		for _, h := range []string{"Content-Type", "Content-Length"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("%s: %s %q, want %q", tc.name, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
	}
}
