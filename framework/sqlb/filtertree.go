package sqlb

import (
	"fmt"
	"github.com/medusa-go/medusa/framework/names"
	"reflect"
	"slices"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// FilterTree is a filter in a model-agnostic form: every Cond holds, every
// filter in And holds, and (when Or is not empty) at least one in Or does;
// Q is the free-text search. Generated code turns it into a model's typed
// filter (naming the nearest field when one is unknown); ParseFilters
// builds it from Medusa's filter object.
type FilterTree struct {
	Q     string
	Conds []Cond
	And   []FilterTree
	Or    []FilterTree
}

// Cond is one condition: Field Op Values, with Op one of "$eq", "$ne",
// "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$like", "$ilike" (see
// SetOp). Values has one element except for $in and $nin; numbers are
// float64.
type Cond struct {
	Field  string
	Op     string
	Values []any
}

var filterOps = []string{"$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$like", "$ilike"}

// ParseFilters turns a filter object in Medusa's form into a FilterTree:
//
//	{"id": "a"}                        id = a
//	{"id": ["a", "b"]}                 id in (a, b)
//	{"created_at": {"$gte": t}}        an operator map ($eq $ne $in $nin $gt $gte $lt $lte $like $ilike)
//	{"$or": [{...}, {...}], "$and": [...]}
//	{"q": "text"}                      free-text search
//
// Values are strings, booleans, numbers (any Go integer or float kind) or
// time.Time; lists are any slice of them. Anything else, an unknown
// operator, or an empty field name fails with invalid_data, and the field
// path in the message.
func ParseFilters(m map[string]any) (FilterTree, error) {
	return parseFilters(m, "")
}

func parseFilters(m map[string]any, path string) (FilterTree, error) {
	var t FilterTree
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable SQL text (and plan) for the same filter
	for _, k := range keys {
		v := m[k]
		p := path + k
		switch k {
		case "":
			return t, badFilter(p, "empty field name")
		case "q":
			s, ok := v.(string)
			if !ok {
				return t, badFilter(p, fmt.Sprintf("expected a string, got %T", v))
			}
			t.Q = s
		case "$and", "$or":
			subs, ok := v.([]map[string]any)
			if !ok {
				list, isList := v.([]any)
				if !isList {
					return t, badFilter(p, fmt.Sprintf("expected a list of filter objects, got %T", v))
				}
				for i, x := range list {
					sm, ok := x.(map[string]any)
					if !ok {
						return t, badFilter(fmt.Sprintf("%s[%d]", p, i), fmt.Sprintf("expected a filter object, got %T", x))
					}
					subs = append(subs, sm)
				}
			}
			for i, sm := range subs {
				st, err := parseFilters(sm, fmt.Sprintf("%s[%d].", p, i))
				if err != nil {
					return t, err
				}
				if k == "$and" {
					t.And = append(t.And, st)
				} else {
					t.Or = append(t.Or, st)
				}
			}
		default:
			if ops, ok := v.(map[string]any); ok {
				given := make([]string, 0, len(ops))
				for op := range ops {
					given = append(given, op)
				}
				slices.Sort(given)
				for _, op := range given {
					if !slices.Contains(filterOps, op) {
						msg := fmt.Sprintf("unknown operator %s", op)
						if n := names.Nearest(op, filterOps); n != "" {
							msg += fmt.Sprintf(" (did you mean %s?)", n)
						}
						return t, badFilter(p, msg)
					}
					vals, err := filterValues(ops[op], p+"."+op, op == "$in" || op == "$nin")
					if err != nil {
						return t, err
					}
					t.Conds = append(t.Conds, Cond{Field: k, Op: op, Values: vals})
				}
				continue
			}
			vals, err := filterValues(v, p, true)
			if err != nil {
				return t, err
			}
			op := "$eq"
			if isList(v) {
				op = "$in"
			}
			t.Conds = append(t.Conds, Cond{Field: k, Op: op, Values: vals})
		}
	}
	return t, nil
}

func badFilter(path, msg string) error {
	return merrors.New(merrors.InvalidData, "Invalid filter %s: %s", path, msg)
}

func isList(v any) bool {
	if v == nil {
		return false
	}
	k := reflect.TypeOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

// filterValues normalises a filter value (or, when list, a list of them)
// to strings, bools, float64 and time.Time.
func filterValues(v any, path string, list bool) ([]any, error) {
	if isList(v) {
		if !list {
			return nil, badFilter(path, "takes one value, not a list")
		}
		rv := reflect.ValueOf(v)
		out := make([]any, rv.Len())
		for i := range out {
			x, err := filterValue(rv.Index(i).Interface(), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	x, err := filterValue(v, path)
	if err != nil {
		return nil, err
	}
	return []any{x}, nil
}

func filterValue(v any, path string) (any, error) {
	switch x := v.(type) {
	case string, bool, float64, time.Time:
		return x, nil
	case *time.Time:
		if x != nil {
			return *x, nil
		}
	case float32:
		return float64(x), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return reflect.ValueOf(x).Convert(reflect.TypeFor[float64]()).Interface(), nil
	}
	return nil, badFilter(path, fmt.Sprintf("unsupported value %v (%T): use a string, number, boolean or time", v, v))
}

// UnknownFilter is the invalid_data error of a filter on a field the model
// does not filter on, naming the nearest one it does.
func UnknownFilter(model, field string, filterable []string) error {
	return unknown("filter field", field, model, filterable)
}
