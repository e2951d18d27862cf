package sqlb

import (
	"fmt"
	"math"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/opt"
)

// SetOp applies one query-string operator ("$eq", "$ne", "$in", "$nin",
// "$gt", "$gte", "$lt", "$lte", "$like", "$ilike") with its values to f,
// converting each value with conv. Generated admin routes use it to turn
// httpx's route-agnostic filter into a typed one.
func SetOp[T comparable](f *Filter[T], field, op string, vals []any, conv func(any) (T, error)) error {
	bad := func(err error) error {
		return merrors.New(merrors.InvalidData, "Invalid request: %s: %v", field, err)
	}
	typed := make([]T, 0, len(vals))
	if op != "$like" && op != "$ilike" {
		for _, v := range vals {
			t, err := conv(v)
			if err != nil {
				return bad(err)
			}
			typed = append(typed, t)
		}
	}
	one := func() (*T, error) {
		if len(typed) != 1 {
			return nil, bad(fmt.Errorf("%s takes one value", op))
		}
		return &typed[0], nil
	}
	var err error
	switch op {
	case "$eq":
		f.Eq, err = one()
	case "$ne":
		f.Ne, err = one()
	case "$gt":
		f.Gt, err = one()
	case "$gte":
		f.Gte, err = one()
	case "$lt":
		f.Lt, err = one()
	case "$lte":
		f.Lte, err = one()
	case "$in":
		f.SetIn(append(f.In, typed...))
	case "$nin":
		f.Nin = append(f.Nin, typed...)
	case "$like", "$ilike":
		if len(vals) != 1 {
			return bad(fmt.Errorf("%s takes one value", op))
		}
		s, ok := vals[0].(string)
		if !ok {
			return bad(fmt.Errorf("%s takes a string", op))
		}
		if op == "$like" {
			f.Like = &s
		} else {
			f.ILike = &s
		}
	default:
		return bad(fmt.Errorf("operator %s is not supported", op))
	}
	return err
}

// AsString, AsInt, AsFloat, AsBool and AsTime convert a parsed query value
// (string, float64, bool or time.Time) to a field's Go type.
func AsString(v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", fmt.Errorf("expected a string, got %T", v)
}

func AsInt(v any) (int, error) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("expected an integer, got %v", v)
	}
	return int(f), nil
}

func AsFloat(v any) (float64, error) {
	if f, ok := v.(float64); ok {
		return f, nil
	}
	return 0, fmt.Errorf("expected a number, got %T", v)
}

func AsBool(v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, fmt.Errorf("expected a boolean, got %T", v)
}

func AsTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case time.Time:
		return t, nil
	case string:
		return time.Parse(time.RFC3339Nano, t)
	}
	return time.Time{}, fmt.Errorf("expected a date, got %T", v)
}

// TimeOptional turns a body field holding an RFC 3339 string (absent, null
// or a value) into an Optional time; a malformed value is invalid_data.
func TimeOptional(field string, set, null bool, v string) (opt.Optional[time.Time], error) {
	if !set || null {
		return opt.Optional[time.Time]{Set: set, Null: null}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return opt.Optional[time.Time]{}, merrors.New(merrors.InvalidData, "Invalid request: Expected type: 'date' for field '%s', got: '%s'", field, v)
	}
	return opt.Some(t), nil
}
