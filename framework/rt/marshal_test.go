package rt

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestMarshalSelectedMatchesEncodingJSON checks the reflection-free paths
// of MarshalSelected against encoding/json value by value, including the
// strings encoding/json escapes and the times it refuses.
func TestMarshalSelectedMatchesEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	tm := func(t time.Time) *time.Time { return &t }
	ist := time.FixedZone("IST", 5*3600+1800)
	values := []any{
		nil, "", "user_01ABC", "a@b.example", `quote " and \ backslash`, "<script>&amp;</script>",
		"tab\tnew\nline\x00", "é ünïcode 日本", "\u2028\u2029", "bad utf8 \xff\xfe", "del\x7f",
		str("x"), (*string)(nil), str("<b>"), true, false, 0, -42, int32(7), int64(1) << 60,
		time.Date(2026, 11, 27, 1, 2, 3, 456789000, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, ist),
		time.Time{}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 24*3600)), time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("S", -(3*3600+7))),
		tm(time.Date(2026, 11, 27, 0, 0, 0, 1, time.UTC)), (*time.Time)(nil),
		json.RawMessage(nil), json.RawMessage(`{ "a" : [1, 2], "h": "<x>" }`), json.RawMessage(`null`),
		map[string]any{"k": 1.5}, []string{"a"}, 3.25, uint8(9),
	}
	for _, v := range values {
		want, wantErr := json.Marshal(map[string]any{"f": v})
		got, gotErr := MarshalSelected([]string{"f"}, nil, func(string) any { return v })
		if (wantErr != nil) != (gotErr != nil) {
			t.Errorf("%#v: error %v, encoding/json %v", v, gotErr, wantErr)
			continue
		}
		if wantErr != nil {
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
		}
		// AppendSelected with a pointer to the value (what the generated
		// models' dest returns) renders the same bytes, after what b holds.
		if v == nil {
			continue
		}
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		got, gotErr = AppendSelected([]byte("x"), []string{"f"}, nil, func(string) any { return p.Interface() })
		if gotErr != nil || string(got) != "x"+string(want) {
			t.Errorf("pointer to %#v:\n got %s (%v)\nwant x%s", v, got, gotErr, want)
		}
	}
	// A nil pointer to a nullable field's pointer is null, like a nil pointer.
	for _, p := range []any{(**string)(nil), new(*string), (**time.Time)(nil), new(*time.Time), new(*bool), new(*int), (*json.RawMessage)(nil), new(json.RawMessage), new(bool), new(int)} {
		want, _ := json.Marshal(map[string]any{"f": p})
		got, err := AppendSelected(nil, []string{"f"}, nil, func(string) any { return p })
		if err != nil || string(got) != string(want) {
			t.Errorf("%T: got %s (%v), want %s", p, got, err, want)
		}
	}
	// Field names are quoted like values.
	got, err := MarshalSelected([]string{"a", `b"<`}, nil, func(f string) any { return strings.ToUpper(f) })
	if err != nil || string(got) != `{"a":"A","b\"\u003c":"B\"\u003c"}` {
		t.Fatalf("names: %s, %v", got, err)
	}
	// An invalid raw message is an error, as with encoding/json.
	if _, err := MarshalSelected([]string{"m"}, nil, func(string) any { return json.RawMessage(`{`) }); err == nil {
		t.Fatal("invalid raw message accepted")
	}
}

// BenchmarkAppendSelected renders a user row from pointers to its fields,
// as the generated AppendJSON does (no boxing of strings and times).
func BenchmarkAppendSelected(b *testing.B) {
	fn, ln := "First", "Last"
	now := time.Now().UTC()
	var row struct {
		ID, Email                      string
		FirstName, LastName, AvatarURL *string
		Metadata                       json.RawMessage
		CreatedAt, UpdatedAt           time.Time
		DeletedAt                      *time.Time
	}
	row.ID, row.Email, row.FirstName, row.LastName, row.CreatedAt, row.UpdatedAt = "user_01M8D86FDMZ4D4CR8QVDSWVM28", "seed1@example.com", &fn, &ln, now, now
	dest := func(f string) any {
		switch f {
		case "id":
			return &row.ID
		case "first_name":
			return &row.FirstName
		case "last_name":
			return &row.LastName
		case "email":
			return &row.Email
		case "avatar_url":
			return &row.AvatarURL
		case "metadata":
			return &row.Metadata
		case "created_at":
			return &row.CreatedAt
		case "updated_at":
			return &row.UpdatedAt
		case "deleted_at":
			return &row.DeletedAt
		}
		return nil
	}
	all := []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendSelected(buf[:0], all, nil, dest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalSelected(b *testing.B) {
	fn, ln := "First", "Last"
	now := time.Now().UTC()
	vals := map[string]any{
		"id": "user_01M8D86FDMZ4D4CR8QVDSWVM28", "first_name": &fn, "last_name": &ln, "email": "seed1@example.com",
		"avatar_url": (*string)(nil), "metadata": json.RawMessage(nil), "created_at": now, "updated_at": now, "deleted_at": (*time.Time)(nil),
	}
	all := []string{"id", "first_name", "last_name", "email", "avatar_url", "metadata", "created_at", "updated_at", "deleted_at"}
	get := func(f string) any { return vals[f] }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MarshalSelected(all, nil, get); err != nil {
			b.Fatal(err)
		}
	}
}
