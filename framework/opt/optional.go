package opt

import (
	"bytes"
	"encoding/json"
)

// Optional is an update input field that tells "absent" (Set false: leave
// the column alone) from "set to null" (Set and Null) and "set to a value"
// (Set, Value). In JSON, a missing key is absent and null is null.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// Some returns an Optional set to v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// Null returns an Optional set to null.
func Null[T any]() Optional[T] { return Optional[T]{Set: true, Null: true} }

// Ptr returns an Optional set to *p, or to null when p is nil.
func Ptr[T any](p *T) Optional[T] {
	if p == nil {
		return Null[T]()
	}
	return Some(*p)
}

// Get returns the value and true when the field was given and not null.
func (o Optional[T]) Get() (T, bool) { return o.Value, o.Set && !o.Null }

// IsZero reports whether o is absent (for encoding/json's omitzero).
func (o Optional[T]) IsZero() bool { return !o.Set }

// Pointer returns nil for null or absent, else a pointer to the value.
func (o Optional[T]) Pointer() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.Value
	return &v
}

// MarshalJSON implements json.Marshaler (null when null or absent).
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON implements json.Unmarshaler: null sets Null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		var zero T
		o.Value = zero
		return nil
	}
	o.Null = false
	return json.Unmarshal(b, &o.Value)
}
