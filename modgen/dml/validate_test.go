package dml

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateErrors checks every kind of definition error: each names the
// file, the model, the field, the problem and the fix.
func TestValidateErrors(t *testing.T) {
	cases := []struct {
		name         string
		mod          func() *Module
		field        string
		problem, fix string
	}{
		{"duplicate field", func() *Module {
			return NewModule("m", Define("a", ID().Prefix("a"), Text("x"), Text("x")))
		}, "x", `field "x" is defined twice`, "remove one definition"},
		{"implicit field redefined", func() *Module {
			return NewModule("m", Define("a", ID().Prefix("a"), DateTime("created_at")))
		}, "created_at", `Cannot define field(s) "created_at" as they are implicitly defined on every model`, "remove the field"},
		{"two ids", func() *Module {
			return NewModule("m", Define("a", ID().Prefix("a"), ID("other_id")))
		}, "other_id", "a model can have only one id", "use dml.Text"},
		{"two primary keys", func() *Module {
			return NewModule("m", Define("a", ID().PrimaryKey(), Text("code").PrimaryKey()))
		}, "code", "composite primary keys are not supported", ".Unique()"},
		{"no primary key", func() *Module {
			return NewModule("m", Define("a", Text("x")))
		}, "", "model has no primary key", "dml.ID()"},
		{"index on unknown column", func() *Module {
			return NewModule("m", Define("a", ID(), Text("x")).Indexes(Index{On: []string{"x", "nope"}}))
		}, "nope", "Cannot apply indexes on fields (nope) for model A", "index only fields defined"},
		{"relation with no inverse", func() *Module {
			return NewModule("m", Define("a", ID(), HasMany("bs", "b")), Define("b", ID()))
		}, "bs", `Missing property "a" on "B" entity. Make sure to define it as a relationship`, `dml.BelongsTo("a", "a")`},
		{"relation to unknown model", func() *Module {
			return NewModule("m", Define("a", ID(), BelongsTo("b", "b")))
		}, "b", `relation targets unknown model "b"`, `define model "b"`},
		{"enum with no values", func() *Module {
			return NewModule("m", Define("a", ID(), Enum("status")))
		}, "status", "enum has no values", `dml.Enum("status", "a", "b")`},
		{"enum default not a value", func() *Module {
			return NewModule("m", Define("a", ID(), Enum("status", "x").Default("y")))
		}, "status", `default "y" is not one of the enum values`, "pass a value"},
		{"default of the wrong type", func() *Module {
			return NewModule("m", Define("a", ID(), Boolean("ok").Default("yes")))
		}, "ok", "does not fit a boolean field", "a bool"},
		{"child to parent cascade", func() *Module {
			return NewModule("m", Define("a", ID(), HasMany("bs", "b")), Define("b", ID(), BelongsTo("a", "a")).Cascades("a"))
		}, "a", "Child to parent cascades are not allowed", "cascade from the parent"},
		{"cascade of unknown relation", func() *Module {
			return NewModule("m", Define("a", ID()).Cascades("nope"))
		}, "nope", `cascade names unknown relation "nope"`, "hasOne or hasMany"},
		{"searchable number", func() *Module {
			return NewModule("m", Define("a", ID(), Number("n").Searchable()))
		}, "n", "a number field cannot be searchable", "only text"},
		{"case-insensitive number", func() *Module {
			return NewModule("m", Define("a", ID(), Number("n").CaseInsensitive()))
		}, "n", "a number field cannot be .CaseInsensitive()", "only text fields"},
		{"case-insensitive primary key", func() *Module {
			return NewModule("m", Define("a", Text("code").PrimaryKey().CaseInsensitive()))
		}, "code", "a primary key cannot be .CaseInsensitive()", "keep the primary key exact"},
		{"not snake_case", func() *Module {
			return NewModule("m", Define("a", ID(), Text("firstName")))
		}, "firstName", "field name is not snake_case", "lower-case letters"},
		{"duplicate index name", func() *Module {
			return NewModule("m", Define("a", ID(), Text("x").Index()).Indexes(Index{On: []string{"x"}}))
		}, "", `index name "IDX_a_x" is used twice`, "another Name"},
		{"column clash with belongsTo", func() *Module {
			return NewModule("m", Define("a", ID(), HasMany("bs", "b")), Define("b", ID(), Text("a_id"), BelongsTo("a", "a")))
		}, "a", `adds column "a_id", which is also defined`, `remove the "a_id" field`},
		{"duplicate model", func() *Module {
			return NewModule("m", Define("a", ID()), Define("a", ID()))
		}, "", `model "a" is defined twice`, "rename one of the models"},
		{"sortable unknown field", func() *Module {
			return NewModule("m", Define("a", ID(), Text("x")).Sortable("x", "nope"))
		}, "nope", `Sortable names unknown field "nope"`, "name fields of the model"},
		{"sortable relation", func() *Module {
			return NewModule("m", Define("a", ID()), Define("b", ID(), BelongsTo("a", "a")).Sortable("a"))
		}, "a", `Sortable names unknown field "a"`, `name the relation's column "a_id"`},
		{"filterable json", func() *Module {
			return NewModule("m", Define("a", ID(), JSON("meta")).Filterable("meta"))
		}, "meta", "a json field cannot be in Filterable", `remove "meta" from Filterable`},
		{"sortable listed twice", func() *Module {
			return NewModule("m", Define("a", ID(), Text("x")).Sortable("x").Sortable("x"))
		}, "x", `field "x" is listed twice in Sortable`, "list each field once"},
		{"unknown override", func() *Module {
			return NewModule("m", Define("a", ID()).Override("Frobnicate"))
		}, "", `Override names unknown method "Frobnicate"`, "dml.MethodRetrieve"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.mod().Validate()
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Validate() = %v, want Errors", err)
			}
			var e *Error
			for _, x := range errs {
				if strings.Contains(x.Problem, c.problem) {
					e = x
				}
			}
			if e == nil {
				t.Fatalf("no error with problem %q in:\n%v", c.problem, err)
			}
			if !strings.HasSuffix(e.Pos.File, "validate_test.go") || e.Pos.Line == 0 {
				t.Errorf("position %v does not point at the definition", e.Pos)
			}
			if e.Field != c.field {
				t.Errorf("field %q, want %q", e.Field, c.field)
			}
			if !strings.Contains(e.Fix, c.fix) {
				t.Errorf("fix %q does not contain %q", e.Fix, c.fix)
			}
			msg := e.Error()
			if !strings.Contains(msg, "validate_test.go:") || !strings.Contains(msg, "fix: ") || (e.Model != "" && !strings.Contains(msg, `model "`+e.Model+`"`)) {
				t.Errorf("message lacks position, model or fix: %s", msg)
			}
		})
	}
}

func TestValidateCompletesModels(t *testing.T) {
	a := Define("a", ID().Prefix("a"), Text("x").Unique(), HasMany("bs", "b")).Cascades("bs")
	b := Define("b", ID().Prefix("b"), BelongsTo("a", "a").Nullable())
	mod := NewModule("m", a, b)
	if err := mod.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := mod.Validate(); err != nil {
		t.Fatalf("second Validate: %v", err)
	}
	if a.PK() == nil || a.PK().Name != "id" {
		t.Fatalf("lone id did not become the primary key")
	}
	for _, n := range []string{"created_at", "updated_at", "deleted_at"} {
		if f := a.Field(n); f == nil || !f.Implicit() {
			t.Fatalf("implicit field %s missing", n)
		}
	}
	if len(a.Fields) != 5 {
		t.Fatalf("validating twice duplicated fields: %d", len(a.Fields))
	}
	fk := b.Field("a_id")
	if fk == nil || fk.FK == nil || !fk.IsNullable {
		t.Fatalf("belongsTo column: %+v", fk)
	}
	var names []string
	for _, ix := range AllIndexes(a) {
		names = append(names, ix.Name+" WHERE "+ix.Where)
	}
	want := "IDX_a_x_unique WHERE deleted_at IS NULL,IDX_a_deleted_at WHERE deleted_at IS NULL"
	if strings.Join(names, ",") != want {
		t.Fatalf("indexes %v, want %s", names, want)
	}
}

func TestSoftDeleteWhere(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "deleted_at IS NULL",
		"status = 'x'":           "(status = 'x') AND deleted_at IS NULL",
		"deleted_at IS NOT NULL": "deleted_at IS NOT NULL",
	} {
		if got := SoftDeleteWhere(in); got != want {
			t.Errorf("SoftDeleteWhere(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	for in, want := range map[string]string{"avatar_url": "AvatarURL", "id": "ID", "provider_identity": "ProviderIdentity", "user_id": "UserID"} {
		if got := Pascal(in); got != want {
			t.Errorf("Pascal(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"User": "Users", "Category": "Categories", "Box": "Boxes", "Key": "Keys"} {
		if got := Pluralize(in); got != want {
			t.Errorf("Pluralize(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Camel("provider_identity"); got != "providerIdentity" {
		t.Errorf("Camel = %q", got)
	}
}

// TestListIndexes checks the indexes Sortable and Filterable create: (field,
// pk) among non-deleted rows, as stored for ordering, lower() for the
// filters of a case-insensitive field, every row for deleted_at, and none
// where an index of the model already serves the list.
func TestListIndexes(t *testing.T) {
	a := Define("a", ID().Prefix("a"),
		Text("name"),
		Text("email").CaseInsensitive().Unique(),
		Text("code").CaseInsensitive(),
		Number("rank").Unique(),
		Text("kind").Index(),
		Text("slug"),
		JSON("meta").Nullable(),
		BelongsTo("b", "b"),
	).Indexes(Index{On: []string{"slug", "id"}}).
		Sortable("name", "email", "rank", "kind", "slug", "created_at", "deleted_at").
		Filterable("name", "email", "code", "kind", "b_id", "deleted_at")
	mod := NewModule("m", a, Define("b", ID()))
	if err := mod.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ix := range AllIndexes(a)[6:] {
		s := ix.Name + " (" + strings.Join(ix.On, ", ") + ")"
		if ix.Exact {
			s += " exact"
		}
		if ix.Where != "" {
			s += " WHERE " + ix.Where
		}
		got = append(got, s)
	}
	want := []string{
		// the default order among non-deleted rows (deep offsets).
		"IDX_a_id (id) WHERE deleted_at IS NULL",
		// rank: its unique index serves the order; slug: (slug, id).
		"IDX_a_name_id (name, id) WHERE deleted_at IS NULL",
		"IDX_a_email_id (email, id) exact WHERE deleted_at IS NULL",
		"IDX_a_kind_id (kind, id) WHERE deleted_at IS NULL",
		"IDX_a_created_at_id (created_at, id) WHERE deleted_at IS NULL",
		"IDX_a_deleted_at_id (deleted_at, id)",
		// name, kind, deleted_at: their order indexes lead with them;
		// email: its unique index on lower(email); b_id: the foreign key's.
		"IDX_a_code_id_lower (code, id) WHERE deleted_at IS NULL",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("list indexes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for name, want := range map[string][2]bool{
		"id": {true, true}, "name": {true, true}, "code": {false, true}, "meta": {false, false}, "b_id": {false, true}, "updated_at": {false, false}, "nope": {false, false},
	} {
		if s, f := a.IsSortable(name), a.IsFilterable(name); s != want[0] || f != want[1] {
			t.Errorf("%s: sortable %v filterable %v, want %v", name, s, f, want)
		}
	}
	// Without declarations every scalar field is sortable and filterable,
	// and no list index is added.
	c := Define("c", ID(), Text("x"), JSON("j").Nullable())
	if err := NewModule("n", c).Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.IsSortable("x") || !c.IsFilterable("created_at") || c.IsSortable("j") || len(AllIndexes(c)) != 1 {
		t.Fatalf("undeclared model: sortable x %v, filterable created_at %v, sortable j %v, indexes %v", c.IsSortable("x"), c.IsFilterable("created_at"), c.IsSortable("j"), AllIndexes(c))
	}
	// Sortable() leaves only the primary key.
	d := Define("d", ID(), Text("x")).Sortable()
	if err := NewModule("o", d).Validate(); err != nil {
		t.Fatal(err)
	}
	if !d.IsSortable("id") || d.IsSortable("x") || !d.IsFilterable("x") {
		t.Fatalf("Sortable(): id %v, x %v, filterable x %v", d.IsSortable("id"), d.IsSortable("x"), d.IsFilterable("x"))
	}
}

// A Small model keeps its declarations (what lists may order and filter
// by) but gets no list index; the same model without Small gets them.
func TestSmallModelHasNoListIndexes(t *testing.T) {
	def := func(small bool) *Model {
		m := Define("inv", ID().Prefix("inv"), Text("email"), DateTime("expires_at")).
			Sortable("email", "expires_at").Filterable("email")
		if small {
			m.Small()
		}
		if err := NewModule("m", m).Validate(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	listIdx := func(m *Model) (n int) {
		for _, ix := range AllIndexes(m) {
			if strings.HasSuffix(ix.Name, "_id") {
				n++
			}
		}
		return n
	}
	if n := listIdx(def(false)); n != 3 {
		t.Errorf("without Small: %d list indexes, want 3 (id, email, expires_at)", n)
	}
	small := def(true)
	if n := listIdx(small); n != 0 {
		t.Errorf("Small: %d list indexes, want none", n)
	}
	if !small.IsSortable("expires_at") || small.IsSortable("created_at") || !small.IsFilterable("email") {
		t.Error("Small changed what lists may order and filter by")
	}
}
