package jsonw

import (
	"strings"
	"testing"
)

func TestSelection(t *testing.T) {
	all := []string{"id", "email", "n", "m"}
	for _, c := range []struct {
		selected []string
		want     string
	}{
		{nil, "id email n m"},
		{[]string{"id", "n"}, "id n"},       // a subsequence, as Columns returns
		{[]string{"m", "email"}, "email m"}, // any other order still answers right
		{[]string{}, ""},
	} {
		sel := NewSelection(c.selected)
		var got []string
		for _, f := range all {
			if sel.Has(f) {
				got = append(got, f)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%q: has %q, want %q", c.selected, got, c.want)
		}
	}
	if b := CloseObject(nil, 0); string(b) != "{}" {
		t.Errorf("empty object %s", b)
	}
	b := []byte("x")
	start := len(b)
	b = append(b, `,"a":1,"b":2`...)
	if b = CloseObject(b, start); string(b) != `x{"a":1,"b":2}` {
		t.Errorf("object %s", b)
	}
}
