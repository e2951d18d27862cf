package body

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/internal/parse"
	"github.com/medusa-go/medusa/framework/opt"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Kind is the JSON type a Rule expects.
type Kind uint8

// Rule kinds.
const (
	KindString Kind = iota + 1
	KindNumber
	KindBool
	KindObject
	KindArray
	KindAny
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "boolean"
	case KindObject:
		return "object"
	case KindArray:
		return "array"
	}
	return "any"
}

// Rule declares one body field: its JSON name, type, and whether it may be
// absent (Optional) or null (Nullable). Build rules with String, Number,
// Int, Bool, Object, Array and Any at start-up; the methods modify and
// return the rule.
type Rule struct {
	name     string
	kind     Kind
	integer  bool
	optional bool
	nullable bool
	elem     *Rule   // KindArray
	fields   []*Rule // KindObject with declared fields (strict); nil = any object
	strict   bool    // KindObject declared with fields
}

// String is a string field.
func String(name string) *Rule { return &Rule{name: name, kind: KindString} }

// Number is a number field.
func Number(name string) *Rule { return &Rule{name: name, kind: KindNumber} }

// Int is a number field that must be an integer.
func Int(name string) *Rule { return &Rule{name: name, kind: KindNumber, integer: true} }

// Bool is a boolean field.
func Bool(name string) *Rule { return &Rule{name: name, kind: KindBool} }

// Object is an object field. Without fields it accepts any JSON object (a
// record such as metadata); with fields it is validated strictly like the
// body itself.
func Object(name string, fields ...*Rule) *Rule {
	return &Rule{name: name, kind: KindObject, fields: fields, strict: len(fields) > 0}
}

// Array is an array field whose elements follow elem (elem's name is unused).
func Array(name string, elem *Rule) *Rule { return &Rule{name: name, kind: KindArray, elem: elem} }

// Any is a field of any JSON type (including null).
func Any(name string) *Rule { return &Rule{name: name, kind: KindAny, nullable: true} }

// Optional lets the field be absent.
func (r *Rule) Optional() *Rule { r.optional = true; return r }

// Nullable lets the field be null.
func (r *Rule) Nullable() *Rule { r.nullable = true; return r }

// Nullish is Optional and Nullable (zod's .nullish()).
func (r *Rule) Nullish() *Rule { return r.Optional().Nullable() }

// Opt holds a body field that may be absent, null or a value: Set is false
// when the field was absent; Null is true when it was null; otherwise Value
// holds it. Use it for Optional or Nullable rules. It is the services'
// opt.Optional, so a decoded body field passes to an update input as is.
type Opt[T any] = opt.Optional[T]

// Some returns a set, non-null Opt.
func Some[T any](v T) Opt[T] { return opt.Some(v) }

// Null returns a set, null Opt.
func Null[T any]() Opt[T] { return opt.Null[T]() }

// optionalElem reports whether t is an optional wrapper such as Opt[T] (or
// any struct with Set bool, Null bool and Value fields whose pointer
// implements json.Unmarshaler, like framework/opt.Optional) and returns the
// value's type.
func optionalElem(t reflect.Type) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct || !reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return nil, false
	}
	set, ok1 := t.FieldByName("Set")
	null, ok2 := t.FieldByName("Null")
	val, ok3 := t.FieldByName("Value")
	if !ok1 || !ok2 || !ok3 || set.Type.Kind() != reflect.Bool || null.Type.Kind() != reflect.Bool {
		return nil, false
	}
	return val.Type, true
}

// Body is a strict JSON body schema decoding into T, a struct whose fields
// carry json tags matching the rules. Build it once with NewBody or MustBody;
// it is safe for concurrent use.
type Body[T any] struct {
	root  *Rule
	limit int64
}

// NewBody returns the schema for T made of rules. It checks that every rule
// has a matching T field of a compatible Go type (an Optional or Nullable
// rule needs an Opt field), and that every json-tagged T field has a rule.
//
// Go types per kind: String → string; Number → float64, float32 or an
// integer type (which also requires a JSON integer); Bool → bool; Object
// without fields → map[string]any or json.RawMessage; Object with fields →
// a struct checked the same way; Array → a slice of the element's type;
// Any → any or json.RawMessage.
func NewBody[T any](rules ...*Rule) (*Body[T], error) {
	root := &Rule{kind: KindObject, fields: rules, strict: true}
	t := reflect.TypeFor[T]()
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("body: schema: %s is not a struct", t)
	}
	if err := checkRule(root, t, t.String()); err != nil {
		return nil, err
	}
	return &Body[T]{root: root, limit: httpx.DefaultBodyLimit}, nil
}

// MustBody is NewBody that panics on error; for package-level declarations.
func MustBody[T any](rules ...*Rule) *Body[T] {
	b, err := NewBody[T](rules...)
	if err != nil {
		panic(err)
	}
	return b
}

// WithLimit returns a copy of b that accepts bodies of at most n bytes
// (httpx.DefaultBodyLimit by default).
func (b *Body[T]) WithLimit(n int64) *Body[T] {
	c := *b
	c.limit = n
	return &c
}

func jsonName(f reflect.StructField) (string, bool) {
	tag, ok := f.Tag.Lookup("json")
	if !ok || !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || name == "" {
		return "", false
	}
	return name, true
}

func checkRule(r *Rule, t reflect.Type, where string) error {
	if r.optional || r.nullable {
		if r.kind != KindAny || !(t.Kind() == reflect.Interface || t == reflect.TypeFor[json.RawMessage]()) {
			et, ok := optionalElem(t)
			if !ok {
				return fmt.Errorf("body: schema: %s: optional or nullable field needs a body.Opt type, not %s", where, t)
			}
			t = et
		}
	}
	switch r.kind {
	case KindString:
		if t.Kind() != reflect.String {
			return fmt.Errorf("body: schema: %s: string field needs a string, not %s", where, t)
		}
	case KindNumber:
		switch t.Kind() {
		case reflect.Float32, reflect.Float64:
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			r.integer = true
		default:
			return fmt.Errorf("body: schema: %s: number field needs a number type, not %s", where, t)
		}
	case KindBool:
		if t.Kind() != reflect.Bool {
			return fmt.Errorf("body: schema: %s: boolean field needs a bool, not %s", where, t)
		}
	case KindAny:
		if t.Kind() != reflect.Interface && t != reflect.TypeFor[json.RawMessage]() {
			return fmt.Errorf("body: schema: %s: any field needs any or json.RawMessage, not %s", where, t)
		}
	case KindArray:
		if t.Kind() != reflect.Slice || t == reflect.TypeFor[json.RawMessage]() {
			return fmt.Errorf("body: schema: %s: array field needs a slice, not %s", where, t)
		}
		if r.elem == nil {
			return fmt.Errorf("body: schema: %s: array field without element rule", where)
		}
		return checkRule(r.elem, t.Elem(), where+"[]")
	case KindObject:
		if !r.strict {
			if t == reflect.TypeFor[json.RawMessage]() || (t.Kind() == reflect.Map && t.Key().Kind() == reflect.String) {
				return nil
			}
			return fmt.Errorf("body: schema: %s: object field needs map[string]any or json.RawMessage, not %s", where, t)
		}
		if t.Kind() != reflect.Struct {
			return fmt.Errorf("body: schema: %s: object field with rules needs a struct, not %s", where, t)
		}
		byName := map[string]reflect.StructField{}
		for i := 0; i < t.NumField(); i++ {
			if n, ok := jsonName(t.Field(i)); ok {
				byName[n] = t.Field(i)
			}
		}
		seen := map[string]bool{}
		for _, fr := range r.fields {
			if fr.name == "" || seen[fr.name] {
				return fmt.Errorf("body: schema: %s: rule name %q is empty or repeated", where, fr.name)
			}
			seen[fr.name] = true
			sf, ok := byName[fr.name]
			if !ok {
				return fmt.Errorf("body: schema: %s has no field tagged json:%q", where, fr.name)
			}
			if err := checkRule(fr, sf.Type, where+"."+sf.Name); err != nil {
				return err
			}
		}
		for n := range byName {
			if !seen[n] {
				return fmt.Errorf("body: schema: %s field json:%q has no rule", where, n)
			}
		}
	default:
		return fmt.Errorf("body: schema: %s: rule without a kind", where)
	}
	return nil
}

// Decode reads, validates and decodes r's JSON body (see DecodeBytes). A
// Content-Type other than JSON is answered 415; a body above the limit 413
// (also when LimitBody's reader trips).
func (b *Body[T]) Decode(r *http.Request) (T, error) {
	data, err := readBody(r, b.limit)
	if err != nil {
		var zero T
		return zero, err
	}
	return b.DecodeBytes(data)
}

// readBody reads r's body for JSON decoding: the Content-Type, when given,
// must be JSON (415), and the body at most limit bytes (413).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = httpx.DefaultBodyLimit
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, httpx.WithStatus(merrors.New(merrors.InvalidData, "Invalid request: Content-Type must be application/json"), http.StatusUnsupportedMediaType)
		}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, httpx.TooLarge(limit)
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, httpx.TooLarge(mbe.Limit)
		}
		return nil, merrors.Wrap(merrors.InvalidData, err, "Invalid request: could not read the body")
	}
	if int64(len(data)) > limit {
		return nil, httpx.TooLarge(limit)
	}
	return data, nil
}

// ReadJSON reads r's body with the same checks as Body.Decode but without a
// schema: JSON Content-Type (415), at most limit bytes (httpx.DefaultBodyLimit
// when limit ≤ 0; 413), valid UTF-8, one syntactically valid JSON value
// without duplicate keys or nesting deeper than MaxBodyDepth. It returns the
// body ("{}" when empty) for the caller to unmarshal; for routes that read
// only the keys they know, such as an auth provider's.
func ReadJSON(r *http.Request, limit int64) ([]byte, error) {
	data, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	data, _, err = parseBody(data)
	return data, err
}

// parseBody checks and parses a JSON body; an empty body is {}.
func parseBody(data []byte) ([]byte, *jnode, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	if !utf8.Valid(data) {
		return nil, nil, parse.Invalid("body is not valid UTF-8")
	}
	tree, err := parseJSONTree(data)
	if err != nil {
		return nil, nil, err
	}
	return data, tree, nil
}

// DecodeBytes validates data against the schema and decodes it into a T.
// An empty body counts as {}. Errors are invalid_data "Invalid request: …"
// with zod-style issues (Medusa's wording, first three joined by "; "):
//
//	Field 'email' is required
//	Expected type: 'string' for field 'email', got: 'number'
//	Unrecognized fields: 'foo, bar'
//
// and messages for invalid UTF-8, invalid JSON, trailing data, duplicate
// keys and nesting deeper than MaxBodyDepth.
func (b *Body[T]) DecodeBytes(data []byte) (T, error) {
	var out T
	data, tree, err := parseBody(data)
	if err != nil {
		return out, err
	}
	var is parse.Issues
	validate(b.root, tree, "", &is)
	if err := is.Err(); err != nil {
		return out, err
	}
	if err := json.Unmarshal(data, &out); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			field := strings.ReplaceAll(ute.Field, ".", ", ")
			if k := ute.Type.Kind(); strings.HasPrefix(ute.Value, "number") && k >= reflect.Int && k <= reflect.Float64 {
				return out, parse.Invalid(fmt.Sprintf("Value for field '%s' is out of range for %s", field, ute.Type))
			}
			return out, parse.Invalid(fmt.Sprintf("Expected type: '%s' for field '%s', got: '%s'", ute.Type, field, ute.Value))
		}
		return out, parse.Invalid("body could not be decoded")
	}
	return out, nil
}

func validate(r *Rule, n *jnode, path string, is *parse.Issues) {
	if n.kind == jNull {
		if !r.nullable {
			parse.TypeIssue(is, r.kind.String(), path, "null")
		}
		return
	}
	switch r.kind {
	case KindAny:
		return
	case KindString:
		if n.kind != jString {
			parse.TypeIssue(is, "string", path, n.typeName())
		}
	case KindBool:
		if n.kind != jBool {
			parse.TypeIssue(is, "boolean", path, n.typeName())
		}
	case KindNumber:
		if n.kind != jNumber {
			parse.TypeIssue(is, "number", path, n.typeName())
			return
		}
		f, err := strconv.ParseFloat(string(n.num), 64)
		switch {
		case err != nil:
			is.Add("Value for field '%s' is out of range", path)
		case r.integer && f != math.Trunc(f):
			parse.TypeIssue(is, "integer", path, "float")
		}
	case KindArray:
		if n.kind != jArray {
			parse.TypeIssue(is, "array", path, n.typeName())
			return
		}
		for i, it := range n.items {
			validate(r.elem, it, parse.JoinPath(path, strconv.Itoa(i)), is)
		}
	case KindObject:
		if n.kind != jObject {
			parse.TypeIssue(is, "object", path, n.typeName())
			return
		}
		if !r.strict {
			return
		}
		for _, fr := range r.fields {
			v := n.Get(fr.name)
			if v == nil {
				if !fr.optional {
					is.Add("Field '%s' is required", parse.JoinPath(path, fr.name))
				}
				continue
			}
			validate(fr, v, parse.JoinPath(path, fr.name), is)
		}
		var unknown []string
		for _, k := range n.Keys {
			if !r.has(k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			is.Add("Unrecognized fields: '%s'", parse.JoinNames(unknown))
		}
	}
}

func (r *Rule) has(name string) bool {
	for _, f := range r.fields {
		if f.name == name {
			return true
		}
	}
	return false
}
