package qs

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/internal/parse"
)

// Limits of the query-string parser. They follow the defaults of the qs
// library that Express (and so Medusa) uses, except MaxArrayIndex, which qs
// caps at 20 (larger indices silently become object keys there; here they
// are accepted up to MaxArrayIndex, larger ones are rejected).
const (
	MaxQueryParams = 1000 // parameters per query string
	MaxQueryDepth  = 5    // bracket segments after the name: a[1][2][3][4][5]
	MaxArrayIndex  = 999  // a[999]=x
)

type qkind uint8

const (
	kStr qkind = iota
	kArr
	kObj
)

// qnode is a parsed query value: a string, an array or an object, as the qs
// library builds them from "a=1&a=2", "a[]=1", "a[0]=1", "a[b]=1".
type qnode struct {
	kind                qkind
	s                   string
	items               []*qnode
	parse.Keyed[*qnode]      // an object's members, keys in first-seen order
	indexed             bool // an object built from a[0]=…, turned into an array by finish
}

func newObj() *qnode { return &qnode{kind: kObj} }

// set puts v under k, keeping k's first position.
func (n *qnode) set(k string, v *qnode) {
	if i := n.Find(k); i >= 0 {
		n.Vals[i] = v
		return
	}
	n.Add(k, v)
}

// typeName is the type zod reports for a value ("got: '…'").
func (n *qnode) typeName() string {
	switch n.kind {
	case kArr:
		return "array"
	case kObj:
		return "object"
	}
	return "string"
}

func queryErr(format string, args ...any) error {
	return merrors.New(merrors.InvalidData, "Invalid request: "+format, args...)
}

// parseQS parses a raw query string into an object tree the way qs does
// (brackets, indices, repeated keys), then applies Medusa's normalisation:
// a one-element array of a string is split on commas, and "a.b" keys become
// nested objects (two levels at most).
func parseQS(raw string) (*qnode, error) {
	root := newObj()
	if raw == "" {
		return root, nil
	}
	count := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		count++
		if count > MaxQueryParams {
			return nil, queryErr("too many query parameters (at most %d)", MaxQueryParams)
		}
		rk, rv, _ := strings.Cut(pair, "=")
		k, err1 := parse.QueryUnescape(rk)
		v, err2 := parse.QueryUnescape(rv)
		if err1 != nil || err2 != nil {
			return nil, queryErr("malformed query string: invalid percent-encoding")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, queryErr("malformed query string: not valid UTF-8")
		}
		if k == "" {
			continue
		}
		segs, ok := splitKey(k)
		if !ok {
			return nil, queryErr("query key nested more than %d levels deep: %s", MaxQueryDepth, k)
		}
		if err := insertQS(root, segs, v); err != nil {
			return nil, err
		}
	}
	finishQS(root)
	return normalizeQS(root)
}

// splitKey splits "a[b][]" into ["a", "b", ""]. A key whose brackets are not
// well formed is kept whole, as qs does. ok is false when the key has more
// than MaxQueryDepth bracket segments.
func splitKey(k string) (segs []string, ok bool) {
	i := strings.IndexByte(k, '[')
	if i <= 0 {
		return []string{k}, true
	}
	segs = []string{k[:i]}
	rest := k[i:]
	for rest != "" {
		if rest[0] != '[' {
			return []string{k}, true
		}
		j := strings.IndexByte(rest, ']')
		if j < 0 {
			return []string{k}, true
		}
		seg := rest[1:j]
		if strings.IndexByte(seg, '[') >= 0 {
			return []string{k}, true
		}
		segs = append(segs, seg)
		rest = rest[j+1:]
	}
	if len(segs)-1 > MaxQueryDepth {
		return nil, false
	}
	return segs, true
}

func isIndex(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func conflict(name string) error {
	return queryErr("conflicting values for query key '%s'", name)
}

func insertQS(parent *qnode, segs []string, val string) error {
	name := segs[0]
	child := parent.Get(name)
	if len(segs) == 1 {
		switch {
		case child == nil:
			parent.set(name, &qnode{kind: kStr, s: val})
		case child.kind == kStr:
			parent.set(name, &qnode{kind: kArr, items: []*qnode{child, {kind: kStr, s: val}}})
		case child.kind == kArr:
			child.items = append(child.items, &qnode{kind: kStr, s: val})
		default:
			return conflict(name)
		}
		return nil
	}
	next := segs[1]
	switch {
	case next == "":
		switch {
		case child == nil:
			child = &qnode{kind: kArr}
			parent.set(name, child)
		case child.kind == kStr:
			child = &qnode{kind: kArr, items: []*qnode{child}}
			parent.set(name, child)
		case child.kind != kArr:
			return conflict(name)
		}
		if len(segs) == 2 {
			child.items = append(child.items, &qnode{kind: kStr, s: val})
			return nil
		}
		o := newObj()
		child.items = append(child.items, o)
		return insertQS(o, segs[2:], val)
	case isIndex(next):
		if child == nil {
			child = newObj()
			child.indexed = true
			parent.set(name, child)
		} else if child.kind != kObj || !child.indexed {
			return conflict(name)
		}
		return insertQS(child, segs[1:], val)
	default:
		if child == nil {
			child = newObj()
			parent.set(name, child)
		} else if child.kind != kObj || child.indexed {
			return conflict(name)
		}
		return insertQS(child, segs[1:], val)
	}
}

// finishQS turns objects built from indices into arrays ordered by index
// (qs compacts sparse arrays the same way).
func finishQS(n *qnode) {
	switch n.kind {
	case kArr:
		for _, it := range n.items {
			finishQS(it)
		}
	case kObj:
		for _, k := range n.Keys {
			finishQS(n.Get(k))
		}
		if n.indexed {
			keys := slices.Clone(n.Keys)
			slices.SortFunc(keys, func(a, b string) int {
				x, _ := strconv.Atoi(a)
				y, _ := strconv.Atoi(b)
				return x - y
			})
			items := make([]*qnode, len(keys))
			for i, k := range keys {
				items[i] = n.Get(k)
			}
			*n = qnode{kind: kArr, items: items}
		}
	}
}

// normalizeQS is Medusa's query normalisation (after qs parsing): a
// one-element array holding a string is split on commas, and a key "a.b"
// becomes {a: {b: …}}; "a.b.c" is refused with invalid_argument
// "Key accessor more than 2 levels deep: a.b.c", answered with status 400
// (Medusa answers 500 because invalid_argument maps there).
func normalizeQS(root *qnode) (*qnode, error) {
	out := newObj()
	for _, k := range root.Keys {
		v := root.Get(k)
		if v.kind == kArr && len(v.items) == 1 && v.items[0].kind == kStr {
			parts := strings.Split(v.items[0].s, ",")
			items := make([]*qnode, len(parts))
			for i, p := range parts {
				items[i] = &qnode{kind: kStr, s: p}
			}
			v = &qnode{kind: kArr, items: items}
		}
		if strings.IndexByte(k, '.') >= 0 {
			parts := strings.Split(k, ".")
			if len(parts) > 2 {
				return nil, httpx.WithStatus(merrors.New(merrors.InvalidArgument, "Key accessor more than 2 levels deep: %s", k), http.StatusBadRequest)
			}
			p := out.Get(parts[0])
			if p == nil || p.kind != kObj {
				p = newObj()
				out.set(parts[0], p)
			}
			p.set(parts[1], v)
			continue
		}
		out.set(k, v)
	}
	return out, nil
}
