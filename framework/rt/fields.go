package rt

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Columns validates a FindConfig.Select against a model's fields and returns
// the columns to read, in definition order, the primary key always
// included. An empty select means every field.
func Columns(model string, all []string, pk string, sel []string) ([]string, error) {
	if len(sel) == 0 {
		return all, nil
	}
	for _, s := range sel {
		if !slices.Contains(all, s) {
			return nil, merrors.New(merrors.InvalidData, "Invalid field %q in select for %s; valid fields: %s", s, model, strings.Join(all, ", "))
		}
	}
	out := make([]string, 0, len(sel)+1)
	for _, c := range all {
		if c == pk || slices.Contains(sel, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// NormalizeOrder validates order terms against the sortable fields and
// appends the primary key as a tie-breaker (in the direction of the last
// term). With no terms the order is the primary key ascending (Medusa's
// default).
func NormalizeOrder(model string, sortable []string, pk string, order []Order) ([]Order, error) {
	if len(order) == 0 {
		return []Order{{Field: pk}}, nil
	}
	out := make([]Order, 0, len(order)+1)
	hasPK := false
	for _, o := range order {
		if !slices.Contains(sortable, o.Field) {
			return nil, merrors.New(merrors.InvalidData, "Invalid order field %q for %s; sortable fields: %s", o.Field, model, strings.Join(sortable, ", "))
		}
		hasPK = hasPK || o.Field == pk
		out = append(out, o)
	}
	if !hasPK {
		out = append(out, Order{Field: pk, Desc: out[len(out)-1].Desc})
	}
	return out, nil
}

// appendJSONValue appends v as encoding/json renders it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case *string:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONString(b, *x), nil
	case **string:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONString(b, **x), nil
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
		return appendJSONTime(b, x)
	case *time.Time:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONTime(b, *x)
	case **time.Time:
		if x == nil || *x == nil {
			return append(b, "null"...), nil
		}
		return appendJSONTime(b, **x)
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

// appendJSONString appends s quoted; strings of printable ASCII that
// encoding/json leaves alone (no quote, backslash or HTML-escaped
// character) are copied, the others go through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
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

// appendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds); times it refuses (year outside [0,9999], zone offset of 24
// hours or more) go through json.Marshal, which reports the error.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
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

// Unique returns vs without duplicates, in first-seen order.
func Unique[T comparable](vs []T) []T { return dedup(vs) }

// Missing returns the values of want that are not in got.
func Missing[T comparable](want, got []T) []T {
	var out []T
	for _, w := range want {
		if !slices.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}

// Contains wraps q for a substring ILIKE match ("%q%").
func Contains(q string) string { return "%" + q + "%" }

// WithOrderColumns returns cols plus the order fields it lacks: they are read
// (so that Cursor works on a page read with a narrow select) but not
// rendered.
func WithOrderColumns(cols []string, order []Order) []string {
	out := cols
	for _, o := range order {
		if !slices.Contains(out, o.Field) {
			if len(out) == len(cols) {
				out = slices.Clone(cols)
			}
			out = append(out, o.Field)
		}
	}
	return out
}
