package jsonw

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestAppendHelpersMatchEncodingJSON checks the helpers the generated
// AppendJSON methods call against encoding/json value by value, including
// the strings encoding/json escapes and the times it refuses: AppendJSONValue
// for every value and a pointer to it (the generated code passes pointers),
// and the typed helpers for their types.
func TestAppendHelpersMatchEncodingJSON(t *testing.T) {
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
	render := func(v any) (string, error) {
		b, err := AppendJSONValue([]byte("x"), v)
		if err == nil && (len(b) == 0 || b[0] != 'x') {
			t.Fatalf("%#v: b's contents lost: %s", v, b)
		}
		if err != nil {
			return "", err
		}
		return string(b[1:]), nil
	}
	for _, v := range values {
		want, wantErr := json.Marshal(v)
		got, gotErr := render(v)
		if (wantErr != nil) != (gotErr != nil) || got != string(want) && wantErr == nil {
			t.Errorf("%#v: %s (%v), encoding/json %s (%v)", v, got, gotErr, want, wantErr)
		}
		if v == nil {
			continue
		}
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		got, gotErr = render(p.Interface())
		if (wantErr != nil) != (gotErr != nil) || got != string(want) && wantErr == nil {
			t.Errorf("pointer to %#v: %s (%v), encoding/json %s (%v)", v, got, gotErr, want, wantErr)
		}
		// The typed helpers, for the types they take.
		var typed []byte
		var typedErr error
		switch x := v.(type) {
		case string:
			typed = AppendJSONString(nil, x)
		case *string:
			typed = AppendJSONStringPtr(nil, x)
		case time.Time:
			typed, typedErr = AppendJSONTime(nil, x)
		case *time.Time:
			typed, typedErr = AppendJSONTimePtr(nil, x)
		default:
			continue
		}
		if (wantErr != nil) != (typedErr != nil) || string(typed) != string(want) && wantErr == nil {
			t.Errorf("typed helper, %#v: %s (%v), encoding/json %s (%v)", v, typed, typedErr, want, wantErr)
		}
	}
	// A nil pointer to a nullable field's pointer is null, like a nil pointer.
	for _, p := range []any{(**string)(nil), new(*string), (**time.Time)(nil), new(*time.Time), new(*bool), new(*int), (*json.RawMessage)(nil), new(json.RawMessage), new(bool), new(int)} {
		want, _ := json.Marshal(p)
		got, err := render(p)
		if err != nil || got != string(want) {
			t.Errorf("%T: got %s (%v), want %s", p, got, err, want)
		}
	}
	// An invalid raw message is an error, as with encoding/json.
	if _, err := render(json.RawMessage(`{`)); err == nil {
		t.Fatal("invalid raw message accepted")
	}
	// A refused time leaves b as it was.
	if b, err := AppendJSONTime([]byte("x"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil || string(b) != "x" {
		t.Fatalf("year 10000: %q, %v", b, err)
	}
}

// BenchmarkAppendHelpers renders a user row's fields as the generated
// AppendJSON does (a typed call per field, no boxing of strings and times).
func BenchmarkAppendHelpers(b *testing.B) {
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
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		start := len(buf)
		buf = AppendJSONString(append(buf, `,"id":`...), row.ID)
		buf = AppendJSONStringPtr(append(buf, `,"first_name":`...), row.FirstName)
		buf = AppendJSONStringPtr(append(buf, `,"last_name":`...), row.LastName)
		buf = AppendJSONString(append(buf, `,"email":`...), row.Email)
		buf = AppendJSONStringPtr(append(buf, `,"avatar_url":`...), row.AvatarURL)
		buf, _ = AppendJSONValue(append(buf, `,"metadata":`...), &row.Metadata)
		buf, _ = AppendJSONTime(append(buf, `,"created_at":`...), row.CreatedAt)
		buf, _ = AppendJSONTime(append(buf, `,"updated_at":`...), row.UpdatedAt)
		buf, _ = AppendJSONTimePtr(append(buf, `,"deleted_at":`...), row.DeletedAt)
		buf = CloseObject(buf, start)
	}
}
