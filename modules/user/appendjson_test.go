package user

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAppendJSONMatchesMarshalJSON checks that AppendJSON appends exactly
// MarshalJSON's bytes, for every field kind, null and not, with and without
// a field selection.
func TestAppendJSONMatchesMarshalJSON(t *testing.T) {
	s := func(v string) *string { return &v }
	now := time.Date(2026, 11, 27, 1, 2, 3, 456000000, time.FixedZone("X", 3600))
	users := []User{
		{},
		{ID: "user_1", Email: "a@example.com", FirstName: s("<b>Ann</b> & \"co\""), LastName: s("é \u2028"), AvatarURL: s(""),
			Metadata: json.RawMessage(`{ "k" : [1, "<x>"] }`), CreatedAt: now, UpdatedAt: now, DeletedAt: &now},
		{ID: "user_2", Email: "b@example.com", Metadata: json.RawMessage(`null`), CreatedAt: now, selected: []string{"id", "email", "deleted_at"}},
	}
	for _, u := range users {
		want, err := u.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := u.AppendJSON([]byte("prefix"))
		if err != nil || string(got) != "prefix"+string(want) {
			t.Errorf("user %q:\n got %s (%v)\nwant prefix%s", u.ID, got, err, want)
		}
	}
	invites := []Invite{
		{},
		{ID: "invite_1", Email: "i@example.com", Accepted: true, Token: "t.o.k", ExpiresAt: now, Metadata: json.RawMessage(`{"a":1}`), CreatedAt: now, UpdatedAt: now, DeletedAt: &now},
		{ID: "invite_2", Accepted: false, selected: []string{"id", "accepted", "expires_at"}},
	}
	for _, x := range invites {
		want, err := x.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.AppendJSON(nil)
		if err != nil || string(got) != string(want) {
			t.Errorf("invite %q:\n got %s (%v)\nwant %s", x.ID, got, err, want)
		}
	}
	// An invalid raw message fails as MarshalJSON does.
	bad := User{Metadata: json.RawMessage(`{`)}
	if _, err := bad.AppendJSON(nil); err == nil {
		t.Error("invalid metadata accepted")
	}
}
