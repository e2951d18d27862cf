package rt

import (
	"encoding/json"
	"errors"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

func TestFilterApply(t *testing.T) {
	w := NewWhere()
	f := In("a", "b", "a").And(Ne("c"))
	f.ILike = new(string)
	*f.ILike = "%x%"
	if err := f.Apply(w, `"email"`, true); err != nil {
		t.Fatal(err)
	}
	if got, want := w.SQL(), `"email" <> $1 AND "email" = ANY($2) AND "email" ILIKE $3`; got != want {
		t.Fatalf("SQL %q, want %q", got, want)
	}
	if got := w.Args(); len(got) != 3 || len(got[1].([]string)) != 2 {
		t.Fatalf("args %v: In must be deduplicated", got)
	}
	w = NewWhere()
	if err := In[string]().Apply(w, `"id"`, true); err != nil || w.SQL() != "false" {
		t.Fatalf("empty In = %q, %v; want false", w.SQL(), err)
	}
	w = NewWhere()
	if err := Like("x").Apply(w, `"n"`, false); !errors.Is(err, ErrLikeOnNonText) {
		t.Fatalf("like on a number: %v", err)
	}
	w = NewWhere()
	if err := (Filter[int]{}).Apply(w, `"n"`, false); err != nil || !w.Empty() || w.SQL() != "true" {
		t.Fatalf("zero filter added %q", w.SQL())
	}
}

func TestWhereGroups(t *testing.T) {
	w := NewWhere()
	a, b := w.Sub(), w.Sub()
	_ = Eq("1").Apply(a, `"id"`, true)
	_ = Gte(3).Apply(b, `"n"`, false)
	w.AnyOf(a, b)
	if got, want := w.SQL(), `(("id" = $1) OR ("n" >= $2))`; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestKeyset(t *testing.T) {
	w := NewWhere()
	if err := Keyset(w, []Order{{Field: "created_at", Desc: true}, {Field: "id", Desc: true}}, []any{1, "x"}); err != nil {
		t.Fatal(err)
	}
	if got, want := w.SQL(), `("created_at", "id") < ($1, $2)`; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
	if err := Keyset(NewWhere(), []Order{{Field: "a"}, {Field: "id", Desc: true}}, []any{1, 2}); err == nil {
		t.Fatal("mixed directions accepted")
	}
	if err := Keyset(NewWhere(), []Order{{Field: "a"}}, []any{1, 2}); err == nil {
		t.Fatal("wrong cursor length accepted")
	}
}

func TestColumnsAndOrder(t *testing.T) {
	all := []string{"id", "email", "name"}
	cols, err := Columns("user", all, "id", []string{"name"})
	if err != nil || len(cols) != 2 || cols[0] != "id" || cols[1] != "name" {
		t.Fatalf("Columns = %v, %v", cols, err)
	}
	if _, err := Columns("user", all, "id", []string{"nope"}); !merrors.Is(err, merrors.InvalidData) {
		t.Fatalf("unknown select: %v", err)
	}
	o, err := NormalizeOrder("user", all, "id", []Order{{Field: "email", Desc: true}})
	if err != nil || len(o) != 2 || o[1] != (Order{Field: "id", Desc: true}) {
		t.Fatalf("NormalizeOrder = %v, %v", o, err)
	}
	if _, err := NormalizeOrder("user", all, "id", []Order{{Field: "metadata"}}); !merrors.Is(err, merrors.InvalidData) {
		t.Fatalf("unknown order: %v", err)
	}
	s := Select{Table: `"user"`, Columns: []string{`"id"`}, Where: NewWhere(), Order: o, Limit: 5, Offset: 10}
	if got, want := s.SQL(), `SELECT "id" FROM "user" WHERE true ORDER BY "email" DESC, "id" DESC LIMIT 5 OFFSET 10`; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestOptionalJSON(t *testing.T) {
	var v struct {
		A Optional[string] `json:"a,omitzero"`
		B Optional[string] `json:"b,omitzero"`
		C Optional[string] `json:"c,omitzero"`
	}
	if err := json.Unmarshal([]byte(`{"a":"x","b":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Set || v.A.Null || v.A.Value != "x" || !v.B.Set || !v.B.Null || v.C.Set {
		t.Fatalf("decoded %+v", v)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"a":"x","b":null}` {
		t.Fatalf("encoded %s", b)
	}
	if Ptr[string](nil) != Null[string]() || *Some(3).Pointer() != 3 || Null[int]().Pointer() != nil {
		t.Fatal("constructors")
	}
}

func TestMarshalSelected(t *testing.T) {
	vals := map[string]any{"id": "1", "email": "a@b", "n": nil}
	get := func(f string) any { return vals[f] }
	b, _ := MarshalSelected([]string{"id", "email", "n"}, []string{"id"}, get)
	if string(b) != `{"id":"1"}` {
		t.Fatalf("%s", b)
	}
	b, _ = MarshalSelected([]string{"id", "email", "n"}, nil, get)
	if string(b) != `{"id":"1","email":"a@b","n":null}` {
		t.Fatalf("%s", b)
	}
}

func TestNewID(t *testing.T) {
	id := NewID("user")
	if len(id) != len("user_")+26 || id[:5] != "user_" || NewID("user") == id {
		t.Fatalf("NewID = %q", id)
	}
}
