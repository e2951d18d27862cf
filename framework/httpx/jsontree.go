package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// decides the order of validation issues.
type jnode struct {
	kind  jkind
	num   json.Number
	items []*jnode
	keys  []string
	kids  map[string]*jnode
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

// parseJSONTree parses exactly one JSON value from data, refusing trailing
// data, duplicate object keys and nesting deeper than MaxBodyDepth. data must
// already be valid UTF-8.
func parseJSONTree(data []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("body is not valid JSON: unexpected data after the top-level value")
	}
	return n, nil
}

func jsonSyntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalid(fmt.Sprintf("body is not valid JSON: %s (at byte %d)", se.Error(), se.Offset))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return invalid("body is not valid JSON: unexpected end of input")
	}
	return invalid("body is not valid JSON")
}

func readJSON(dec *json.Decoder, depth int) (*jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntax(err)
	}
	switch t := tok.(type) {
	case nil:
		return &jnode{kind: jNull}, nil
	case bool:
		return &jnode{kind: jBool}, nil
	case json.Number:
		return &jnode{kind: jNumber, num: t}, nil
	case string:
		return &jnode{kind: jString}, nil
	case json.Delim:
		if depth >= MaxBodyDepth {
			return nil, invalid(fmt.Sprintf("body is nested too deeply (at most %d levels)", MaxBodyDepth))
		}
		switch t {
		case '[':
			n := &jnode{kind: jArray}
			for dec.More() {
				it, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, it)
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonSyntax(err)
			}
			return n, nil
		case '{':
			n := &jnode{kind: jObject, kids: map[string]*jnode{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, jsonSyntax(err)
				}
				k, _ := kt.(string)
				if _, dup := n.kids[k]; dup {
					return nil, invalid(fmt.Sprintf("Duplicate field '%s'", k))
				}
				v, err := readJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.kids[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, jsonSyntax(err)
			}
			return n, nil
		}
	}
	return nil, invalid("body is not valid JSON")
}
