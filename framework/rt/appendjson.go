package rt

import (
	"slices"
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

// OpenObject starts an object AppendJSON renders: every field goes after
// it as `,"name":value`, and CloseObject turns the first comma into the
// opening brace. It returns the offset CloseObject takes.
func OpenObject(b []byte) int { return len(b) }

// CloseObject ends the object begun at start (OpenObject).
func CloseObject(b []byte, start int) []byte {
	if len(b) == start {
		return append(b, "{}"...)
	}
	b[start] = '{'
	return append(b, '}')
}

// AppendJSONString appends s as encoding/json renders a string.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }

// AppendJSONStringPtr appends *s, or null for nil.
func AppendJSONStringPtr(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

// AppendJSONTime appends t as time.Time.MarshalJSON does; it fails for the
// times MarshalJSON refuses (year outside [0,9999], offsets of 24 h or
// more), leaving b as it was.
func AppendJSONTime(b []byte, t time.Time) ([]byte, error) { return appendJSONTime(b, t) }

// AppendJSONTimePtr appends *t (see AppendJSONTime), or null for nil.
func AppendJSONTimePtr(b []byte, t *time.Time) ([]byte, error) {
	if t == nil {
		return append(b, "null"...), nil
	}
	return appendJSONTime(b, *t)
}

// AppendJSONValue appends v as encoding/json renders it: the common column
// types (and pointers to them, which box without allocating) directly,
// anything else through json.Marshal.
func AppendJSONValue(b []byte, v any) ([]byte, error) { return appendJSONValue(b, v) }
