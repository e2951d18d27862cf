package sqlb

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestKeysetParts checks the parts of the rows after a cursor: one row
// comparison where an index serves it, and parts of their own for the
// NULLs a row comparison drops, mixed directions and a search rank.
func TestKeysetParts(t *testing.T) {
	col := func(name string, desc, nullable bool) term { return term{col: name, desc: desc, nullable: nullable} }
	id, idDesc := col("id", false, false), col("id", true, false)
	render := func(parts []part) string {
		var out []string
		for _, p := range parts {
			w := NewWhere()
			for _, c := range p.preds {
				w.Add(c.sql(w, func(*Where) string { return "R" }))
			}
			out = append(out, fmt.Sprintf("%s %v [%d]", w.SQL(), w.Args(), p.rank))
		}
		return strings.Join(out, " | ")
	}
	for _, c := range []struct {
		name  string
		terms []term
		after []any
		want  string
	}{
		{"primary key", []term{id}, []any{"x"}, `"id" > $1 [x] [-1]`},
		{"one direction", []term{col("created_at", true, false), idDesc}, []any{1, "x"}, `("created_at", "id") < ($1, $2) [1 x] [-1]`},
		{"nullable, a value", []term{col("name", false, true), id}, []any{"Ann", "x"},
			`("name", "id") > ($1, $2) [Ann x] [-1] | "name" IS NULL [] [-1]`},
		{"nullable, NULL", []term{col("name", false, true), id}, []any{(*string)(nil), "x"}, `"name" IS NULL AND "id" > $1 [x] [-1]`},
		{"nullable descending, a value", []term{col("name", true, true), idDesc}, []any{"Ann", "x"}, `("name", "id") < ($1, $2) [Ann x] [-1]`},
		{"nullable descending, NULL", []term{col("name", true, true), idDesc}, []any{nil, "x"},
			`"name" IS NULL AND "id" < $1 [x] [-1] | "name" IS NOT NULL [] [-1]`},
		{"mixed directions", []term{col("n", false, false), idDesc}, []any{3, "x"}, `"n" = $1 AND "id" < $2 [3 x] [-1] | "n" > $1 [3] [-1]`},
		{"two nullable", []term{col("a", false, true), col("b", false, true), id}, []any{1, 2, "x"},
			`"a" = $1 AND ("b", "id") > ($2, $3) [1 2 x] [-1] | "a" = $1 AND "b" IS NULL [1] [-1] | "a" > $1 [1] [-1] | "a" IS NULL [] [-1]`},
		{"rank, exact", []term{{}, id}, []any{true, "x"}, `R AND "id" > $1 [x] [1] | R IS NOT TRUE [] [0]`},
		{"rank, the rest", []term{{}, id}, []any{false, "x"}, `R IS NOT TRUE AND "id" > $1 [x] [0]`},
	} {
		parts, err := keysetParts(c.terms, c.after)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := render(parts); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name  string
		terms []term
		after []any
	}{
		{"wrong length", []term{id}, []any{"x", "y"}},
		{"NULL in a column that cannot be NULL", []term{col("n", false, false), id}, []any{nil, "x"}},
		{"rank not a boolean", []term{{}, id}, []any{"yes", "x"}},
	} {
		if _, err := keysetParts(c.terms, c.after); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if got := render(startParts([]term{{}, id})); got != `R [] [1] | R IS NOT TRUE [] [0]` {
		t.Errorf("ranked start: %s", got)
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

// TestApplyFolded checks the SQL of a case-insensitive column's filter:
// equalities compare lower-cased sides, the rest is Apply's.
func TestApplyFolded(t *testing.T) {
	for _, c := range []struct {
		f    Filter[string]
		want string
	}{
		{Eq("A@x"), `lower("email") = lower($1)`},
		{Ne("A@x"), `lower("email") <> lower($1)`},
		{In("A@x"), `lower("email") = lower($1)`},
		{In("A@x", "b@x", "A@x"), `lower("email") = ANY(ARRAY(SELECT lower(v) FROM unnest($1::text[]) AS v))`},
		{In[string](), `false`},
		{Nin("A@x"), `NOT (lower("email") = ANY(ARRAY(SELECT lower(v) FROM unnest($1::text[]) AS v)))`},
		{Like("A%"), `"email" LIKE $1`},
		{Eq("A@x").And(ILike("%x")), `lower("email") = lower($1) AND "email" ILIKE $2`},
		{IsNull[string](true), `"email" IS NULL`},
	} {
		w := NewWhere()
		if err := ApplyFolded(c.f, w, `"email"`); err != nil {
			t.Fatal(err)
		}
		if got := w.SQL(); got != c.want {
			t.Errorf("ApplyFolded = %s, want %s", got, c.want)
		}
	}
}

// TestEqualityOnly checks which predicates Find may send as a prepared
// statement: none bound, or equalities written by Filter.Apply (Eq, In).
func TestEqualityOnly(t *testing.T) {
	where := func(build func(w *Where)) *Where { w := NewWhere(); build(w); return w }
	cases := []struct {
		name string
		w    *Where
		want bool
	}{
		{"empty", NewWhere(), true},
		{"deleted_at", where(func(w *Where) { w.Add(`"deleted_at" IS NULL`) }), true},
		{"eq", where(func(w *Where) { _ = Eq("a").Apply(w, `"id"`, true); w.Add(`"deleted_at" IS NULL`) }), true},
		{"in one", where(func(w *Where) { _ = In("a").Apply(w, `"id"`, true) }), true},
		{"in many", where(func(w *Where) { _ = In("a", "b").Apply(w, `"email"`, true) }), true},
		{"in none", where(func(w *Where) { _ = In[string]().Apply(w, `"id"`, true) }), true},
		{"two columns", where(func(w *Where) { _ = Eq("a").Apply(w, `"id"`, true); _ = Eq(true).Apply(w, `"accepted"`, false) }), true},
		{"is null", where(func(w *Where) { _ = IsNull[string](false).Apply(w, `"avatar_url"`, true) }), true},
		{"ne", where(func(w *Where) { _ = Ne("a").Apply(w, `"id"`, true) }), false},
		{"nin", where(func(w *Where) { _ = Nin("a", "b").Apply(w, `"id"`, true) }), false},
		{"gte", where(func(w *Where) { _ = Gte(3).Apply(w, `"n"`, false) }), false},
		{"ilike", where(func(w *Where) { _ = ILike("%a%").Apply(w, `"email"`, true) }), false},
		{"like", where(func(w *Where) { _ = Like("a%").Apply(w, `"email"`, true) }), false},
		{"or", where(func(w *Where) {
			a, b := w.Sub(), w.Sub()
			_ = Eq("a").Apply(a, `"id"`, true)
			_ = Eq("b").Apply(b, `"email"`, true)
			w.AnyOf(a, b)
		}), false},
		{"keyset", where(func(w *Where) { w.Add(cond{kind: condAfter, cols: []string{`"id"`}, vals: []any{"x"}}.sql(w, nil)) }), false},
		{"expression", where(func(w *Where) { w.Add(`lower("email") = ` + w.Arg("a")) }), false},
		{"quoted quote", where(func(w *Where) { w.Add(`"a""b" = ` + w.Arg("a")) }), false},
		{"folded eq", where(func(w *Where) { _ = ApplyFolded(Eq("A"), w, `"email"`) }), true},
		{"folded in one", where(func(w *Where) { _ = ApplyFolded(In("A"), w, `"email"`) }), true},
		{"folded in many", where(func(w *Where) { _ = ApplyFolded(In("A", "b"), w, `"email"`) }), true},
		{"folded ne", where(func(w *Where) { _ = ApplyFolded(Ne("A"), w, `"email"`) }), false},
		{"folded nin", where(func(w *Where) { _ = ApplyFolded(Nin("A", "b"), w, `"email"`) }), false},
		{"folded like", where(func(w *Where) { _ = ApplyFolded(Like("A%"), w, `"email"`) }), false},
		{"lower of another value", where(func(w *Where) { w.Add(`lower("email") = lower(` + w.Arg("a") + `) || 'x'`) }), false},
	}
	for _, c := range cases {
		if got := c.w.EqualityOnly(); got != c.want {
			t.Errorf("%s (%s): EqualityOnly = %v, want %v", c.name, c.w.SQL(), got, c.want)
		}
	}
}

// EncodeCursor makes the cursor a list of that order reads back: the same
// signature and values, times in RFC 3339; a cursor of another order or a
// value count that does not match the order is refused.
func TestEncodeCursor(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 5000, time.UTC)
	order := []Order{{Field: "created_at", Desc: true}, {Field: "id", Desc: true}}
	c, err := EncodeCursor("user", order, []any{at, "user_1"})
	if err != nil {
		t.Fatal(err)
	}
	vals, err := decodeCursor(c, "user:-created_at,-id", 2)
	if err != nil || len(vals) != 2 || vals[0] != at.Format(time.RFC3339Nano) || vals[1] != "user_1" {
		t.Fatalf("decoded %v, %v", vals, err)
	}
	if _, err := decodeCursor(c, "user:created_at,id", 2); err == nil {
		t.Error("a cursor of another order was read")
	}
	if _, err := EncodeCursor("user", order, []any{"user_1"}); err == nil {
		t.Error("one value for two order fields was encoded")
	}
}
