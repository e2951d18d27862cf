package body

import (
	"encoding/json"
	"fmt"

	"github.com/medusa-go/medusa/framework/httpx/internal/parse"
)

// MaxBodyDepth is how deeply arrays and objects may nest in a JSON body.
const MaxBodyDepth = 32

type jkind uint8

const (
	jNull jkind = iota
	jBool
	jNumber
	jString
	jArray
	jObject
)

// jnode is a parsed JSON value that keeps the order of object keys, which
// decides the order of validation issues. Strings are not decoded (only
// object keys are); numbers keep their text.
type jnode struct {
	kind                jkind
	num                 string
	items               []*jnode
	parse.Keyed[*jnode] // an object's members
}

// typeName is the type name zod reports ("got: '…'").
func (n *jnode) typeName() string {
	switch n.kind {
	case jNull:
		return "null"
	case jBool:
		return "boolean"
	case jNumber:
		return "number"
	case jString:
		return "string"
	case jArray:
		return "array"
	}
	return "object"
}

// jparser is a small RFC 8259 parser: it accepts exactly what
// encoding/json accepts (for valid UTF-8 input), and additionally refuses
// duplicate object keys and nesting deeper than MaxBodyDepth.
//
// Why not a json/v2 jsontext.Decoder, which reads tokens once and refuses
// duplicate names itself: Go 1.26's encoding/json/jsontext is built only
// with GOEXPERIMENT=jsonv2, which an application should not need; and
// github.com/go-json-experiment/json/jsontext (the same code as a module)
// building this tree was no faster and allocated more (2026-12-06,
// benchstat of 6 runs each on a shared 2-core machine: the small update
// body 2.7 µs, 688 B, 15 allocs here against 2.5 µs, 1296 B, 25 allocs;
// with 1 KB of metadata 14.6 µs, 9.1 KiB against 27.6 µs, 11.0 KiB, 122
// allocs both), would add a module to every application, and would not
// remove the second pass either (the typed decode into T, which also runs
// Opt's UnmarshalJSON). The fuzz test FuzzJSONTree holds this parser to
// encoding/json's grammar.
type jparser struct {
	data []byte
	pos  int
}

// parseJSONTree parses exactly one JSON value from data (which must already
// be valid UTF-8), refusing trailing data, duplicate object keys and nesting
// deeper than MaxBodyDepth.
func parseJSONTree(data []byte) (*jnode, error) {
	p := &jparser{data: data}
	p.ws()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos < len(p.data) {
		return nil, parse.Invalid(fmt.Sprintf("body is not valid JSON: unexpected data after the top-level value (at byte %d)", p.pos))
	}
	return n, nil
}

func (p *jparser) ws() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) fail() error {
	if p.pos >= len(p.data) {
		return parse.Invalid("body is not valid JSON: unexpected end of input")
	}
	return parse.Invalid(fmt.Sprintf("body is not valid JSON: unexpected %q at byte %d", rune(p.data[p.pos]), p.pos))
}

func (p *jparser) lit(s string) bool {
	if len(p.data)-p.pos >= len(s) && string(p.data[p.pos:p.pos+len(s)]) == s {
		p.pos += len(s)
		return true
	}
	return false
}

func (p *jparser) value(depth int) (*jnode, error) {
	if p.pos >= len(p.data) {
		return nil, p.fail()
	}
	switch c := p.data[p.pos]; {
	case c == '{' || c == '[':
		if depth >= MaxBodyDepth {
			return nil, parse.Invalid(fmt.Sprintf("body is nested too deeply (at most %d levels)", MaxBodyDepth))
		}
		if c == '{' {
			return p.object(depth)
		}
		return p.array(depth)
	case c == '"':
		if _, err := p.str(); err != nil {
			return nil, err
		}
		return &jnode{kind: jString}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		if err := p.number(); err != nil {
			return nil, err
		}
		return &jnode{kind: jNumber, num: string(p.data[start:p.pos])}, nil
	case p.lit("true"), p.lit("false"):
		return &jnode{kind: jBool}, nil
	case p.lit("null"):
		return &jnode{kind: jNull}, nil
	}
	return nil, p.fail()
}

func (p *jparser) object(depth int) (*jnode, error) {
	p.pos++ // {
	n := &jnode{kind: jObject}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, p.fail()
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if n.Get(k) != nil {
			return nil, parse.Invalid(fmt.Sprintf("Duplicate field '%s'", k))
		}
		p.ws()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, p.fail()
		}
		p.pos++
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.Add(k, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return n, nil
		default:
			return nil, p.fail()
		}
	}
}

func (p *jparser) array(depth int) (*jnode, error) {
	p.pos++ // [
	n := &jnode{kind: jArray}
	p.ws()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		p.ws()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
		p.ws()
		if p.pos >= len(p.data) {
			return nil, p.fail()
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return n, nil
		default:
			return nil, p.fail()
		}
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// str scans a string and returns its decoded value (decoding only when it
// holds escapes).
func (p *jparser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	escaped := false
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.data[start:p.pos]
			if !escaped {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", parse.Invalid("body is not valid JSON: bad string")
			}
			return s, nil
		case c == '\\':
			escaped = true
			if p.pos+1 >= len(p.data) {
				p.pos = len(p.data)
				return "", p.fail()
			}
			switch p.data[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if p.pos+6 > len(p.data) || !isHex(p.data[p.pos+2]) || !isHex(p.data[p.pos+3]) || !isHex(p.data[p.pos+4]) || !isHex(p.data[p.pos+5]) {
					p.pos++
					return "", p.fail()
				}
				p.pos += 6
			default:
				p.pos++
				return "", p.fail()
			}
		case c < 0x20:
			return "", p.fail()
		default:
			p.pos++
		}
	}
	return "", p.fail()
}

func (p *jparser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}

func (p *jparser) number() error {
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(p.data) {
		return p.fail()
	}
	if p.data[p.pos] == '0' {
		p.pos++
	} else if !p.digits() {
		return p.fail()
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return p.fail()
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return p.fail()
		}
	}
	return nil
}
