package module

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// TypedOptions returns a Module.Options decoder for options of type T. The
// application may give a T, a *T, nil (the zero T) or a map[string]any, as
// a configuration file would. A map is read by fromMap when it is not nil,
// else strictly as JSON into T (its json tags name the options): an unknown
// option or a value of the wrong type is an error that names the option.
// check, when not nil, validates the result.
func TypedOptions[T any](fromMap func(map[string]any) (T, error), check func(T) error) func(any) (any, error) {
	return func(given any) (any, error) {
		var o T
		switch g := given.(type) {
		case nil:
		case T:
			o = g
		case *T:
			if g != nil {
				o = *g
			}
		case map[string]any:
			var err error
			if fromMap != nil {
				o, err = fromMap(g)
			} else {
				o, err = decodeStrict[T](g)
			}
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("options must be a %T or a map[string]any, got %T", o, given)
		}
		if check != nil {
			if err := check(o); err != nil {
				return nil, err
			}
		}
		return o, nil
	}
}

// decodeStrict reads m into a T through JSON, refusing unknown options and
// values of the wrong type.
func decodeStrict[T any](m map[string]any) (T, error) {
	var o T
	b, err := json.Marshal(m)
	if err != nil {
		return o, fmt.Errorf("options: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(&o)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return o, nil
	case errors.As(err, &te):
		return o, fmt.Errorf("option %q: expected %s, got %s", te.Field, jsonKind(te.Type), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return o, fmt.Errorf("unknown option %s (options: %s)", name, strings.Join(optionNames(reflect.TypeOf(o)), ", "))
	default:
		return o, fmt.Errorf("options: %w", err)
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// optionNames lists the JSON names of a struct type's fields.
func optionNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
