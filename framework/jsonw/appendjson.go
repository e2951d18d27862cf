package jsonw

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// The helpers below are what the generated models' AppendJSON methods are
// made of (modgen writes one per model): each field is rendered by a typed
// call instead of a lookup by name and a type switch. Every helper renders
// exactly what encoding/json renders for the same value
// (TestAppendHelpersMatchEncodingJSON).

// Selection walks the fields a row holds while its AppendJSON renders them
// in definition order. The selected fields of a row read by Find are a
// subsequence of the model's fields in that order (Columns), so Has almost
// always compares one string; any other list still gives the right answer.
type Selection struct {
	fields []string
	next   int
}

// NewSelection returns the Selection of selected (nil: every field).
func NewSelection(selected []string) Selection { return Selection{fields: selected} }

// Has reports whether field is selected. Call it for the fields in
// definition order.
func (s *Selection) Has(field string) bool {
	if s.fields == nil {
		return true
	}
	if s.next < len(s.fields) && s.fields[s.next] == field {
		s.next++
		return true
	}
	return slices.Contains(s.fields, field)
}

// CloseObject ends an object AppendJSON rendered from offset start of b:
// every field went there as `,"name":value`, and CloseObject turns the
// first comma into the opening brace ({} when no field was written).
func CloseObject(b []byte, start int) []byte {
	if len(b) == start {
		return append(b, "{}"...)
	}
	b[start] = '{'
	return append(b, '}')
}

// AppendJSONStringPtr appends *s, or null for nil.
func AppendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return AppendJSONString(b, *s)
}

// AppendJSONTimePtr appends *t (see AppendJSONTime), or null for nil.
func AppendJSONTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return AppendJSONTime(b, *t)
}

// AppendJSONValue appends v as encoding/json renders it: the common column
// types (and pointers to them, which box without allocating) directly,
// anything else through json.Marshal.
func AppendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendJSONString(b, x), nil
	case *string:
		if x == nil {
			return append(b, "null"...), nil
		}
		return AppendJSONString(b, *x), nil
	case **string:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return AppendJSONString(b, **x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case *bool:
		if x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendBool(b, *x), nil
	case **bool:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendBool(b, **x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case *int:
		if x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendInt(b, int64(*x), 10), nil
	case **int:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return strconv.AppendInt(b, int64(**x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case time.Time:
		return AppendJSONTime(b, x)
	case *time.Time:
		if x == nil {
			return append(b, "null"...), nil
		}
		return AppendJSONTime(b, *x)
	case **time.Time:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return AppendJSONTime(b, **x)
	case json.RawMessage:
		if x == nil {
			return append(b, "null"...), nil
		}
	case *json.RawMessage:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
	}
	m, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, m...), nil
}

// AppendJSONString appends s quoted; strings of printable ASCII that
// encoding/json leaves alone (no quote, backslash or HTML-escaped
// character) are copied, the others go through json.Marshal.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if !jsonPlain[s[i]] {
			m, _ := json.Marshal(s)
			return append(b, m...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// jsonPlain marks the bytes encoding/json copies as they are into a string
// (printable ASCII but '"', '\\' and the HTML characters '<', '>', '&').
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// AppendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds); times it refuses (year outside [0,9999], zone offset of 24
// hours or more) go through json.Marshal, which reports the error, and b is
// left as it was.
func AppendJSONTime(b []byte, t time.Time) ([]byte, error) {
	n0 := len(b)
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	ts := b[n0+1:]
	ok := len(ts) > 4 && ts[4] == '-'
	if ok && ts[len(ts)-1] != 'Z' {
		c := ts[len(ts)-len("Z07:00")]
		h := ts[len(ts)-len("07:00"):]
		ok = (c == '+' || c == '-') && 10*(h[0]-'0')+(h[1]-'0') < 24
	}
	if !ok {
		m, err := json.Marshal(t)
		if err != nil {
			return b[:n0], err
		}
		return append(b[:n0], m...), nil
	}
	return append(b, '"'), nil
}
