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
		{"users", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "users", users, listInfo{count: 1001, offset: 50, limit: 50})
		},
			map[string]any{"users": users, "count": 1001, "offset": 50, "limit": 50}},
		{"no users", func(w *httptest.ResponseRecorder) { writeList(w, listReq, "users", []user.User{}, listInfo{limit: 50}) },
			map[string]any{"users": []user.User{}, "count": 0, "offset": 0, "limit": 50}},
		{"invites (key sorts first)", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "invites", invites, listInfo{count: 1, limit: 20})
		},
			map[string]any{"invites": invites, "count": 1, "offset": 0, "limit": 20}},
		{"fallback", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "rows", []notMarshaler{{"<"}}, listInfo{count: 1, limit: 20})
		},
			map[string]any{"rows": []notMarshaler{{"<"}}, "count": 1, "offset": 0, "limit": 20}},
		{"estimated count", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "users", users, listInfo{count: 12000, limit: 50, estimated: true})
		}, map[string]any{"users": users, "count": 12000, "offset": 0, "limit": 50, "count_estimated": true}},
		{"next cursor", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "users", users, listInfo{count: 3, limit: 2, cursor: true, next: "WyJ1c2VyOmlkIiwidXNlcl8yIl0"})
		}, map[string]any{"users": users, "count": 3, "offset": 0, "limit": 2, "next_cursor": "WyJ1c2VyOmlkIiwidXNlcl8yIl0"}},
		{"last page by cursor", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "invites", invites, listInfo{count: 1, limit: 2, cursor: true, estimated: true})
		}, map[string]any{"invites": invites, "count": 1, "offset": 0, "limit": 2, "next_cursor": nil, "count_estimated": true}},
		{"fallback with the extensions", func(w *httptest.ResponseRecorder) {
			writeList(w, listReq, "rows", []notMarshaler{{"<"}}, listInfo{count: 1, limit: 20, cursor: true, next: "x"})
		}, map[string]any{"rows": []notMarshaler{{"<"}}, "count": 1, "offset": 0, "limit": 20, "next_cursor": "x"}},
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
