package jsonw

import (
	"slices"
	"testing"
)

type jrow struct {
	ID     string
	Linked Linked
}

func (x *jrow) AppendJSON(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, `,"id":`...)
	b = AppendJSONString(b, x.ID)
	b, err := x.Linked.AppendJSON(b)
	if err != nil {
		return nil, err
	}
	return CloseObject(b, start), nil
}

func TestLinkedJSON(t *testing.T) {
	var r jrow
	r.ID = "p1"
	r.Linked.Set("author", One[jrow, *jrow]{V: &jrow{ID: "u1"}})
	r.Linked.Set("tags", Many[jrow, *jrow]{V: []jrow{{ID: "t1"}, {ID: "t2"}}})
	r.Linked.Set("none", One[jrow, *jrow]{})
	r.Linked.Set("empty", Many[jrow, *jrow]{V: []jrow{}})
	r.Linked.Set("author", One[jrow, *jrow]{V: &jrow{ID: "u2"}}) // replaces
	b, err := r.AppendJSON(nil)
	if want := `{"id":"p1","author":{"id":"u2"},"tags":[{"id":"t1"},{"id":"t2"}],"none":null,"empty":[]}`; err != nil || string(b) != want {
		t.Fatalf("%s (%v), want %s", b, err, want)
	}
	if v, ok := r.Linked.Get("tags"); !ok || len(v.Value().([]jrow)) != 2 {
		t.Fatalf("Get tags = %v, %v", v, ok)
	}
	if _, ok := (Linked{}).Get("x"); ok || (Linked{}).Names() != nil {
		t.Fatal("the zero Linked holds something")
	}
	if !slices.Equal(r.Linked.Names(), []string{"author", "tags", "none", "empty"}) {
		t.Fatalf("names %v", r.Linked.Names())
	}
}
