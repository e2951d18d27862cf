package body

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzJSONTree checks the body parser against encoding/json: on valid UTF-8
// it accepts exactly what json.Valid accepts, except duplicate keys and
// nesting deeper than MaxBodyDepth, which it refuses on purpose.
func FuzzJSONTree(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `[1,2.5e-3,-0,"x\u00e9\n",true,false,null]`, `{"a":{"b":[{}]}}`, `{"a":1,"a":2}`, `01`, `1.`, `-`, `"\x"`, `{"a" 1}`, `[1,]`, ` {"k\"ey":"v"} `, `1e+`, `"\ud800"`, "\"a\tb\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return
		}
		_, err := parseJSONTree(data)
		valid := json.Valid(data)
		switch {
		case valid && err != nil:
			msg := err.Error()
			if !strings.Contains(msg, "Duplicate field") && !strings.Contains(msg, "nested too deeply") {
				t.Fatalf("%q: refused valid JSON: %v", data, err)
			}
		case !valid && err == nil:
			t.Fatalf("%q: accepted invalid JSON", data)
		}
	})
}

func TestJSONTreeKeysAndNumbers(t *testing.T) {
	n, err := parseJSONTree([]byte(`{"a\u0062":1.5e3,"c":[true,null,"s"],"d":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(n.Keys, ",") != "ab,c,d" || n.Get("ab").num != "1.5e3" || n.Get("c").items[1].kind != jNull || n.Get("d").kind != jObject {
		t.Errorf("%+v", n)
	}
	// Large objects switch to a map and still find duplicates.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":0,`)
	}
	b.WriteString(`"k":1}`)
	if _, err := parseJSONTree([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "Duplicate field 'k'") {
		t.Errorf("duplicate in large object: %v", err)
	}
}
