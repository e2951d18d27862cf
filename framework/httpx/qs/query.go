package qs

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx/internal/parse"
)

// Op is a filter operator of Medusa's operator maps.
type Op string

// The operators a filter may use ($and/$or are structural, see Filter).
const (
	OpEq       Op = "$eq"
	OpNe       Op = "$ne"
	OpIn       Op = "$in"
	OpNin      Op = "$nin"
	OpLike     Op = "$like"
	OpILike    Op = "$ilike"
	OpRe       Op = "$re"
	OpContains Op = "$contains"
	OpGt       Op = "$gt"
	OpGte      Op = "$gte"
	OpLt       Op = "$lt"
	OpLte      Op = "$lte"
)

// allOps is the canonical operator order; Filter conditions follow it.
var allOps = [...]Op{OpEq, OpNe, OpIn, OpNin, OpLike, OpILike, OpRe, OpContains, OpGt, OpGte, OpLt, OpLte}

// OpSet is a set of operators a filter field accepts in operator-map form
// (email[$in][]=a).
type OpSet uint16

func opBit(o Op) OpSet {
	for i, x := range allOps {
		if x == o {
			return 1 << i
		}
	}
	return 0
}

// Ops returns the set holding ops.
func Ops(ops ...Op) OpSet {
	var s OpSet
	for _, o := range ops {
		s |= opBit(o)
	}
	return s
}

// Has reports whether o is in s.
func (s OpSet) Has(o Op) bool { b := opBit(o); return b != 0 && s&b != 0 }

// Operator sets for common field kinds (bit i is allOps[i]).
const (
	// OpsAll is every operator.
	OpsAll OpSet = 1<<len(allOps) - 1
	// OpsCompare is equality, lists and ordering: for dates and numbers.
	OpsCompare OpSet = 0b1111_0000_1111
	// OpsEquality is $eq, $ne, $in and $nin.
	OpsEquality OpSet = 0b1111
)

// ValueType is the type of a filter field's values.
type ValueType uint8

// Filter value types. Cond.Values holds string, float64, bool or time.Time
// accordingly.
const (
	TypeString ValueType = iota
	TypeNumber
	TypeBool
	TypeTime
)

func (t ValueType) String() string {
	switch t {
	case TypeNumber:
		return "number"
	case TypeBool:
		return "boolean"
	case TypeTime:
		return "date"
	}
	return "string"
}

// FilterField declares a query parameter a list route filters on.
type FilterField struct {
	Name string
	Type ValueType
	// Array accepts a list: id=a&id=b, id[]=a,b, id[0]=a&id[1]=b → $in.
	Array bool
	// Ops lists the operators accepted in operator-map form
	// (created_at[$gte]=…); 0 accepts only a plain value (or a list with
	// Array).
	Ops OpSet
}

// Param declares an extra plain-string query parameter, such as the
// invite-accept route's required token.
type Param struct {
	Name     string
	Required bool
}

// QueryConfig declares what a route's query string may hold (Medusa's
// query config: fields, pagination, order, filters). The zero value accepts only "fields" over no fields.
type QueryConfig struct {
	// Defaults are the fields returned when "fields" is absent or only adds
	// and removes (+f, -f).
	Defaults []string
	// Allowed are the fields "fields" may name; nil means Defaults. Names with
	// a dot select a relation's field ("roles.name"); a name listed in
	// Relations may be selected whole with "*rel" or "rel.*".
	Allowed   []string
	Relations []string
	// List enables limit, offset, order, q and filters (list routes).
	List bool
	// DefaultLimit is the limit when absent (0 → 50); MaxLimit the largest
	// accepted (0 → 1000). Larger and negative limits are refused with 400.
	DefaultLimit int
	MaxLimit     int
	// Orderable are the fields "order" accepts; nil means Allowed.
	Orderable []string
	// DefaultOrder is used when "order" is absent, e.g. "id" or "-created_at".
	DefaultOrder string
	// Search enables "q".
	Search bool
	// Cursor enables "cursor" (a medusa-go extension): pages by keyset
	// with the opaque next_cursor of the previous page; an empty cursor
	// asks for the first page by cursor. A cursor with an offset above 0 is
	// refused.
	Cursor bool
	// Filters are the filterable fields, in the order conditions are built.
	Filters []FilterField
	// AndOr accepts $and and $or arrays of filter objects.
	AndOr bool
	// Params are extra plain parameters (see Query.Params).
	Params []Param
}

// QuerySpec is a compiled QueryConfig. It is immutable and safe for
// concurrent use; build it once at start-up.
type QuerySpec struct {
	cfg       QueryConfig
	defaults  []string
	allowed   map[string]bool
	relations map[string]bool
	orderable map[string]bool
	filters   map[string]*FilterField
	params    map[string]*Param
	defOrder  []Order
}

// NewQuerySpec validates and compiles cfg.
func NewQuerySpec(cfg QueryConfig) (*QuerySpec, error) {
	s := &QuerySpec{cfg: cfg, allowed: map[string]bool{}, relations: map[string]bool{}, orderable: map[string]bool{}, filters: map[string]*FilterField{}, params: map[string]*Param{}}
	if s.cfg.DefaultLimit == 0 {
		s.cfg.DefaultLimit = 50
	}
	if s.cfg.MaxLimit == 0 {
		s.cfg.MaxLimit = 1000
	}
	if s.cfg.DefaultLimit < 0 || s.cfg.MaxLimit < s.cfg.DefaultLimit {
		return nil, fmt.Errorf("qs: query spec: default limit %d must be within 0..max limit %d", s.cfg.DefaultLimit, s.cfg.MaxLimit)
	}
	allowed := cfg.Allowed
	if allowed == nil {
		allowed = cfg.Defaults
	}
	for _, f := range allowed {
		s.allowed[f] = true
	}
	for _, f := range cfg.Defaults {
		if !s.allowed[f] {
			return nil, fmt.Errorf("qs: query spec: default field %q is not allowed", f)
		}
	}
	s.defaults = slices.Clone(cfg.Defaults)
	for _, r := range cfg.Relations {
		s.relations[r] = true
	}
	orderable := cfg.Orderable
	if orderable == nil {
		orderable = allowed
	}
	for _, f := range orderable {
		s.orderable[f] = true
	}
	reserved := map[string]bool{"fields": true, "limit": true, "offset": true, "order": true, "q": true, "cursor": true, "$and": true, "$or": true}
	for i := range cfg.Filters {
		f := &s.cfg.Filters[i]
		if f.Name == "" || reserved[f.Name] || s.filters[f.Name] != nil {
			return nil, fmt.Errorf("qs: query spec: filter field %q is empty, reserved or repeated", f.Name)
		}
		s.filters[f.Name] = f
	}
	for i := range cfg.Params {
		p := &s.cfg.Params[i]
		if p.Name == "" || reserved[p.Name] || s.filters[p.Name] != nil || s.params[p.Name] != nil {
			return nil, fmt.Errorf("qs: query spec: param %q is empty, reserved or repeated", p.Name)
		}
		s.params[p.Name] = p
	}
	if cfg.DefaultOrder != "" {
		o, ok := s.parseOrder(cfg.DefaultOrder)
		if !ok {
			return nil, fmt.Errorf("qs: query spec: default order %q is not orderable", cfg.DefaultOrder)
		}
		s.defOrder = []Order{o}
	}
	return s, nil
}

// MustQuerySpec is NewQuerySpec that panics on error; for package-level
// route declarations.
func MustQuerySpec(cfg QueryConfig) *QuerySpec {
	s, err := NewQuerySpec(cfg)
	if err != nil {
		panic(err)
	}
	return s
}

// Order is one ordering: Field ascending, or descending when Desc.
type Order struct {
	Field string
	Desc  bool
}

// Cond is one condition: Field Op Values. Values has one element except for
// $in and $nin; its elements are string, float64, bool or time.Time
// according to the field's ValueType.
type Cond struct {
	Field  string
	Op     Op
	Values []any
}

// Filter is a route-agnostic filter tree: all Conds hold, every filter in
// And holds, and (when Or is not empty) at least one filter in Or holds.
type Filter struct {
	Conds []Cond
	And   []Filter
	Or    []Filter
}

// Empty reports whether f filters nothing.
func (f Filter) Empty() bool { return len(f.Conds) == 0 && len(f.And) == 0 && len(f.Or) == 0 }

// Query is a parsed, validated query string.
type Query struct {
	// Fields are the fields to return: the defaults adjusted by "fields",
	// always including "id" (when allowed) once "fields" is given. Whole
	// relations appear as "rel.*".
	Fields []string
	// Limit and Offset (list routes only; zero otherwise).
	Limit, Offset int
	// Order is the requested order, else the spec's DefaultOrder (may be empty).
	Order []Order
	// Q is the free-text search ("" when absent).
	Q string
	// Cursor is the keyset cursor (QueryConfig.Cursor) and CursorSet
	// whether the parameter was given, empty (the first page by cursor)
	// or not: the response then carries next_cursor.
	Cursor    string
	CursorSet bool
	// Filter holds the filter conditions.
	Filter Filter
	// Params holds the declared extra parameters that were given.
	Params map[string]string
}

// Parse parses and validates r's query string.
func (s *QuerySpec) Parse(r *http.Request) (*Query, error) {
	return s.ParseRaw(r.URL.RawQuery)
}

// ParseRaw parses and validates a raw (still percent-encoded) query string.
// Every error is an *merrors.Error answered with a 4xx by WriteError:
// invalid_data "Invalid request: …" for schema problems (unknown
// parameters, wrong types, bad operators, limits), invalid_data
// "Order field x is not valid" and "Requested fields [x] are not valid", and
// invalid_argument "Key accessor more than 2 levels deep: a.b.c" (status 400).
func (s *QuerySpec) ParseRaw(raw string) (*Query, error) {
	root, err := parseQS(raw)
	if err != nil {
		return nil, err
	}
	q := &Query{}
	var is parse.Issues
	var unknown []string

	// Known keys in schema order, then unknown keys (zod strict).
	fieldsStr, hasFields := s.stringParam(root, "fields", &is)
	var orderStr string
	if s.cfg.List {
		q.Offset = s.intParam(root, "offset", 0, math.MaxInt32, &is)
		q.Limit = s.intParam(root, "limit", s.cfg.DefaultLimit, s.cfg.MaxLimit, &is)
		orderStr, _ = s.stringParam(root, "order", &is)
		if s.cfg.Search {
			q.Q, _ = s.stringParam(root, "q", &is)
		}
		if s.cfg.Cursor {
			q.Cursor, q.CursorSet = s.stringParam(root, "cursor", &is)
			if q.CursorSet && q.Offset > 0 {
				is.Add("cursor cannot be combined with an offset: page with next_cursor, or with offset alone")
			}
		}
	}
	for _, p := range s.cfg.Params {
		v, ok := s.stringParam(root, p.Name, &is)
		if !ok {
			if p.Required && root.Get(p.Name) == nil {
				is.Add("Field '%s' is required", p.Name)
			}
			continue
		}
		if q.Params == nil {
			q.Params = map[string]string{}
		}
		q.Params[p.Name] = v
	}
	if s.cfg.List {
		q.Filter = s.filter(root, "", &is)
	}
	for _, k := range root.Keys {
		if !s.known(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		is.Add("Unrecognized fields: '%s'", parse.JoinNames(unknown))
	}
	if err := is.Err(); err != nil {
		return nil, err
	}

	if s.cfg.List {
		if orderStr != "" {
			o, ok := s.parseOrder(orderStr)
			if !ok {
				return nil, merrors.New(merrors.InvalidData, "Order field %s is not valid", o.Field)
			}
			q.Order = []Order{o}
		} else {
			q.Order = slices.Clone(s.defOrder)
		}
	}
	fields, err := s.fields(fieldsStr, hasFields && fieldsStr != "")
	if err != nil {
		return nil, err
	}
	q.Fields = fields
	return q, nil
}

func (s *QuerySpec) known(k string) bool {
	switch k {
	case "fields":
		return true
	case "limit", "offset", "order":
		return s.cfg.List
	case "q":
		return s.cfg.List && s.cfg.Search
	case "cursor":
		return s.cfg.List && s.cfg.Cursor
	case "$and", "$or":
		return s.cfg.List && s.cfg.AndOr
	}
	if s.params[k] != nil {
		return true
	}
	return s.cfg.List && s.filters[k] != nil
}

func (s *QuerySpec) stringParam(root *qnode, name string, is *parse.Issues) (string, bool) {
	v := root.Get(name)
	if v == nil {
		return "", false
	}
	if v.kind != kStr {
		parse.TypeIssue(is, "string", name, v.typeName())
		return "", false
	}
	return v.s, true
}

// intParam parses a non-negative integer parameter the way Medusa's
// parseInt preprocess does, but strictly: "12abc" and "1.5" are refused.
func (s *QuerySpec) intParam(root *qnode, name string, def, maxv int, is *parse.Issues) int {
	v := root.Get(name)
	if v == nil {
		return def
	}
	if v.kind != kStr {
		parse.TypeIssue(is, "number", name, v.typeName())
		return def
	}
	if v.s == "" {
		parse.TypeIssue(is, "number", name, "string")
		return def
	}
	digits := strings.TrimPrefix(v.s, "-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		parse.TypeIssue(is, "number", name, "nan")
		return def
	}
	n, err := strconv.ParseInt(v.s, 10, 64)
	switch {
	case err != nil && v.s[0] == '-', err == nil && n < 0:
		is.Add("Value for field '%s' too small, expected at least: '0'", name)
		return def
	case err != nil, n > int64(maxv):
		is.Add("Value for field '%s' too big, expected at most: '%d'", name, maxv)
		return def
	}
	return int(n)
}

func (s *QuerySpec) parseOrder(v string) (Order, bool) {
	o := Order{Field: v}
	if strings.HasPrefix(v, "-") {
		o = Order{Field: v[1:], Desc: true}
	}
	return o, s.orderable[o.Field]
}

// fields applies Medusa's "fields" rules: entries prefixed with "+" or " "
// add to the defaults, "-" removes, "*rel" (or "rel.*") selects a whole
// relation; any entry without a prefix replaces the defaults.
func (s *QuerySpec) fields(v string, given bool) ([]string, error) {
	if !given {
		return slices.Clone(s.defaults), nil
	}
	var add, remove, explicit, bad []string
	replace := false
	for _, e := range strings.Split(v, ",") {
		if e == "" {
			continue
		}
		var name string
		switch e[0] {
		case '+', ' ':
			name = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(e), "+"))
			if !s.selectable(name) {
				bad = append(bad, name)
				continue
			}
			add = append(add, name)
		case '-':
			name = strings.TrimSpace(e[1:])
			if !s.selectable(name) {
				bad = append(bad, name)
				continue
			}
			remove = append(remove, name)
		case '*':
			name = e[1:]
			if !s.relations[name] {
				bad = append(bad, e)
				continue
			}
			add = append(add, name+".*")
		default:
			replace = true
			if !s.selectable(e) {
				bad = append(bad, e)
				continue
			}
			explicit = append(explicit, e)
		}
	}
	if len(bad) > 0 {
		return nil, merrors.New(merrors.InvalidData, "Requested fields [%s] are not valid", parse.JoinNames(bad))
	}
	var out []string
	seen := map[string]bool{}
	push := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if s.allowed["id"] {
		push("id")
	}
	if replace {
		for _, f := range explicit {
			push(f)
		}
	} else {
		for _, f := range s.defaults {
			push(f)
		}
	}
	for _, f := range add {
		push(f)
	}
	if len(remove) > 0 {
		out = slices.DeleteFunc(out, func(f string) bool { return slices.Contains(remove, f) && f != "id" })
	}
	return out, nil
}

func (s *QuerySpec) selectable(name string) bool {
	if name == "" {
		return false
	}
	if s.allowed[name] {
		return true
	}
	if rel, ok := strings.CutSuffix(name, ".*"); ok {
		return s.relations[rel]
	}
	return false
}

// filter validates the filter keys of obj (the top-level query, or one
// element of $and/$or) and builds a Filter. path prefixes issue paths.
func (s *QuerySpec) filter(obj *qnode, path string, is *parse.Issues) Filter {
	var f Filter
	for i := range s.cfg.Filters {
		ff := &s.cfg.Filters[i]
		v := obj.Get(ff.Name)
		if v == nil {
			continue
		}
		f.Conds = append(f.Conds, s.conds(ff, v, parse.JoinPath(path, ff.Name), is)...)
	}
	if s.cfg.AndOr {
		for _, op := range [...]string{"$and", "$or"} {
			v := obj.Get(op)
			if v == nil {
				continue
			}
			p := parse.JoinPath(path, op)
			if v.kind != kArr {
				parse.TypeIssue(is, "array", p, v.typeName())
				continue
			}
			for i, it := range v.items {
				ip := parse.JoinPath(p, strconv.Itoa(i))
				if it.kind != kObj {
					parse.TypeIssue(is, "object", ip, it.typeName())
					continue
				}
				var unk []string
				sub := s.filter(it, ip, is)
				for _, k := range it.Keys {
					if s.filters[k] == nil && k != "$and" && k != "$or" {
						unk = append(unk, k)
					}
				}
				if len(unk) > 0 {
					is.Add("Unrecognized fields: '%s'", parse.JoinNames(unk))
				}
				if op == "$and" {
					f.And = append(f.And, sub)
				} else {
					f.Or = append(f.Or, sub)
				}
			}
		}
	}
	return f
}

func (s *QuerySpec) conds(ff *FilterField, v *qnode, path string, is *parse.Issues) []Cond {
	switch v.kind {
	case kStr:
		val, ok := parseValue(ff.Type, v.s, path, is)
		if !ok {
			return nil
		}
		return []Cond{{Field: ff.Name, Op: OpEq, Values: []any{val}}}
	case kArr:
		if !ff.Array && !ff.Ops.Has(OpIn) {
			parse.TypeIssue(is, ff.Type.String(), path, "array")
			return nil
		}
		vals, ok := listValues(ff.Type, v, path, is)
		if !ok {
			return nil
		}
		return []Cond{{Field: ff.Name, Op: OpIn, Values: vals}}
	}
	if ff.Ops == 0 {
		parse.TypeIssue(is, ff.Type.String(), path, "object")
		return nil
	}
	var out []Cond
	var unk []string
	for _, k := range v.Keys {
		if !ff.Ops.Has(Op(k)) {
			unk = append(unk, k)
		}
	}
	if len(unk) > 0 {
		is.Add("Unrecognized fields: '%s'", parse.JoinNames(unk))
		return nil
	}
	for _, op := range allOps {
		ov := v.Get(string(op))
		if ov == nil {
			continue
		}
		p := parse.JoinPath(path, string(op))
		if (op == OpLike || op == OpILike || op == OpRe || op == OpContains) && ff.Type != TypeString {
			is.Add("Operator '%s' is not supported for field '%s'", op, path)
			continue
		}
		if op == OpIn || op == OpNin {
			var vals []any
			var ok bool
			switch ov.kind {
			case kStr:
				vals, ok = listValues(ff.Type, &qnode{kind: kArr, items: splitComma(ov.s)}, p, is)
			case kArr:
				vals, ok = listValues(ff.Type, ov, p, is)
			default:
				parse.TypeIssue(is, "array", p, ov.typeName())
			}
			if ok {
				out = append(out, Cond{Field: ff.Name, Op: op, Values: vals})
			}
			continue
		}
		if ov.kind != kStr {
			parse.TypeIssue(is, ff.Type.String(), p, ov.typeName())
			continue
		}
		val, ok := parseValue(ff.Type, ov.s, p, is)
		if ok {
			out = append(out, Cond{Field: ff.Name, Op: op, Values: []any{val}})
		}
	}
	return out
}

func splitComma(s string) []*qnode {
	parts := strings.Split(s, ",")
	out := make([]*qnode, len(parts))
	for i, p := range parts {
		out[i] = &qnode{kind: kStr, s: p}
	}
	return out
}

// listValues converts a list. A one-element list of a string is split on
// commas (Medusa splits top-level lists so; here nested ones such as
// email[$in][]=a,b are split too).
func listValues(t ValueType, v *qnode, path string, is *parse.Issues) ([]any, bool) {
	if len(v.items) == 1 && v.items[0].kind == kStr {
		v = &qnode{kind: kArr, items: splitComma(v.items[0].s)}
	}
	vals := make([]any, 0, len(v.items))
	for i, it := range v.items {
		if it.kind != kStr {
			parse.TypeIssue(is, t.String(), parse.JoinPath(path, strconv.Itoa(i)), it.typeName())
			return nil, false
		}
		val, ok := parseValue(t, it.s, parse.JoinPath(path, strconv.Itoa(i)), is)
		if !ok {
			return nil, false
		}
		vals = append(vals, val)
	}
	return vals, true
}

// Time layouts accepted for TypeTime values.
var timeLayouts = [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"}

func parseValue(t ValueType, s, path string, is *parse.Issues) (any, bool) {
	switch t {
	case TypeNumber:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			parse.TypeIssue(is, "number", path, "nan")
			return nil, false
		}
		return f, true
	case TypeBool:
		switch s {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		parse.TypeIssue(is, "boolean", path, "string")
		return nil, false
	case TypeTime:
		for _, l := range timeLayouts {
			if tm, err := time.Parse(l, s); err == nil {
				return tm, true
			}
		}
		parse.TypeIssue(is, "date", path, "string")
		return nil, false
	}
	return s, true
}
