package modgen

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modgen/dml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// sampleModule uses every field kind, relations, a cascade, a many-to-many,
// an override, a custom index, and declared (author, tag) and undeclared
// (book) sortable and filterable fields.
func sampleModule() *dml.Module {
	author := dml.Define("author",
		dml.ID().Prefix("auth").PrimaryKey(),
		dml.Text("name").Searchable(),
		dml.Text("email").Unique().CaseInsensitive(),
		dml.Number("age").Nullable(),
		dml.BigNumber("balance").Default(0),
		dml.Boolean("active").Default(true),
		dml.DateTime("born_at").Nullable(),
		dml.Enum("status", "active", "banned").Default("active"),
		dml.Array("tags").Nullable(),
		dml.JSON("metadata").Nullable(),
		dml.Text("nickname").Nullable().Default("anon"),
		dml.HasMany("books", "book"),
	).Cascades("books").Indexes(dml.Index{On: []string{"name", "age"}, Where: "age > 18"}).
		Sortable("name", "email", "age", "created_at", "deleted_at").
		Filterable("name", "email", "status", "deleted_at")
	book := dml.Define("book",
		dml.ID().Prefix("book").PrimaryKey(),
		dml.Text("title").Searchable().Index(),
		dml.BelongsTo("author", "author"),
		dml.ManyToMany("tags", "tag").MappedBy("books"),
	).Override(dml.MethodCreate)
	tag := dml.Define("tag",
		dml.ID().Prefix("tag").PrimaryKey(),
		dml.Text("value").CaseInsensitive(),
		dml.ManyToMany("books", "book").MappedBy("tags"),
	).Sortable().Filterable("value")
	return dml.NewModule("library", author, book, tag).Routes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./modgen -run Golden -update)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (run with -update if intended):\n%s", name, lineDiff(string(want), string(got)))
	}
}

// TestGolden renders every output of the sample module except sqlc's and
// compares it with testdata/golden; it also checks that rendering twice gives
// the same bytes.
func TestGolden(t *testing.T) {
	render := func() map[string][]byte {
		mod := sampleModule()
		out := map[string][]byte{}
		s, err := BuildSchema(mod)
		if err != nil {
			t.Fatal(err)
		}
		out["schema.snapshot.json"] = MarshalSnapshot(s)
		ch, err := Diff(nil, s, false)
		if err != nil {
			t.Fatal(err)
		}
		out["0001_initial.sql"], _ = RenderMigration(ch)
		for _, m := range mod.Models {
			out["queries_"+m.Name+".sql"] = QueriesSQL(mod, m)
		}
		files, err := GoFiles(mod, "example.com/app")
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range files {
			out[k] = v
		}
		out["REFERENCE.md"] = Reference(mod, s)
		out["service.go"] = gofmt(OwnedServiceFile(mod))
		out["sqlc.yaml"] = MergeSQLCConfig(MergeSQLCConfig(nil, "zeta"), "library")
		return out
	}
	a, b := render(), render()
	for name, got := range a {
		if string(b[name]) != string(got) {
			t.Errorf("%s: two renderings differ", name)
		}
		if strings.HasSuffix(name, ".go") && !strings.HasPrefix(string(got), Header) && name != "service.go" {
			t.Errorf("%s lacks the generated header", name)
		}
		golden(t, name, got)
	}
}

func TestMergeSQLCConfigKeepsOtherModules(t *testing.T) {
	c := MergeSQLCConfig(nil, "user")
	c = MergeSQLCConfig(c, "auth")
	c2 := MergeSQLCConfig(c, "user")
	if string(c) != string(c2) {
		t.Fatalf("re-merging changed the config:\n%s", lineDiff(string(c), string(c2)))
	}
	s := string(c)
	if strings.Count(s, "  # module ") != 2 || strings.Index(s, "# module auth") > strings.Index(s, "# module user") {
		t.Fatalf("blocks not kept sorted and unique:\n%s", s)
	}
}

func schemaOf(t *testing.T, m ...*dml.Model) *Schema {
	t.Helper()
	s, err := BuildSchema(dml.NewModule("m", m...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func migrationText(t *testing.T, old, cur *Schema, destructive bool) (string, string) {
	t.Helper()
	ch, err := Diff(old, cur, destructive)
	if err != nil {
		t.Fatal(err)
	}
	b, name := RenderMigration(ch)
	return string(b), name
}

func TestDiff(t *testing.T) {
	v1 := func() *dml.Model {
		return dml.Define("post", dml.ID().Prefix("post"), dml.Text("title"), dml.Text("body").Nullable(), dml.Number("views").Default(0))
	}
	base := schemaOf(t, v1())

	t.Run("no change", func(t *testing.T) {
		ch, err := Diff(base, schemaOf(t, v1()), false)
		if err != nil || len(ch) != 0 {
			t.Fatalf("changes %v, %v", ch, err)
		}
	})
	t.Run("add column and index", func(t *testing.T) {
		cur := schemaOf(t, dml.Define("post", dml.ID().Prefix("post"), dml.Text("title"), dml.Text("body").Nullable(), dml.Number("views").Default(0), dml.Text("slug").Nullable().Unique()))
		sql, name := migrationText(t, base, cur, false)
		for _, want := range []string{
			`ALTER TABLE "post" ADD COLUMN IF NOT EXISTS "slug" text NULL;`,
			`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_post_slug_unique" ON "post" ("slug") WHERE deleted_at IS NULL;`,
			"-- migrate:down\nDROP INDEX IF EXISTS \"IDX_post_slug_unique\";\nALTER TABLE \"post\" DROP COLUMN IF EXISTS \"slug\";",
		} {
			if !strings.Contains(sql, want) {
				t.Errorf("missing %q in:\n%s", want, sql)
			}
		}
		if name != "add_post_slug_index_idx_post_slug_unique" {
			t.Errorf("name %q", name)
		}
	})
	t.Run("nullability and default", func(t *testing.T) {
		cur := schemaOf(t, dml.Define("post", dml.ID().Prefix("post"), dml.Text("title").Nullable(), dml.Text("body"), dml.Number("views").Default(1)))
		sql, _ := migrationText(t, base, cur, false)
		for _, want := range []string{
			`ALTER TABLE "post" ALTER COLUMN "title" DROP NOT NULL;`,
			`ALTER TABLE "post" ALTER COLUMN "body" SET NOT NULL;`,
			`ALTER TABLE "post" ALTER COLUMN "views" SET DEFAULT 1;`,
			`ALTER TABLE "post" ALTER COLUMN "views" SET DEFAULT 0;`,
			`ALTER TABLE "post" ALTER COLUMN "title" SET NOT NULL;`,
		} {
			if !strings.Contains(sql, want) {
				t.Errorf("missing %q in:\n%s", want, sql)
			}
		}
	})
	t.Run("changed index is dropped and recreated", func(t *testing.T) {
		cur := schemaOf(t, v1().Indexes(dml.Index{Name: "IDX_x", On: []string{"title"}}))
		next := schemaOf(t, v1().Indexes(dml.Index{Name: "IDX_x", On: []string{"title"}, Unique: true}))
		sql, _ := migrationText(t, cur, next, false)
		// A unique index on an existing table first checks the rows (see
		// the case-insensitive test below).
		if !strings.Contains(sql, `DROP INDEX IF EXISTS "IDX_x";`+"\nDO $medusa$") || !strings.Contains(sql, "$medusa$;\n"+`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_x"`) {
			t.Errorf("index change:\n%s", sql)
		}
	})
	t.Run("case-insensitive unique index checks the rows first", func(t *testing.T) {
		cur := schemaOf(t, v1().Indexes(dml.Index{On: []string{"title"}, Unique: true}))
		next := schemaOf(t, dml.Define("post", dml.ID().Prefix("post"), dml.Text("title").CaseInsensitive(), dml.Text("body").Nullable(), dml.Number("views").Default(0)).Indexes(dml.Index{On: []string{"title"}, Unique: true}))
		sql, name := migrationText(t, cur, next, false)
		up, down, _ := strings.Cut(sql, "-- migrate:down")
		for _, want := range []string{
			`DROP INDEX IF EXISTS "IDX_post_title_unique";` + "\nDO $medusa$",
			`FROM "post"` + "\n" + `    WHERE "title" IS NOT NULL AND (deleted_at IS NULL)` + "\n" + `    GROUP BY lower("title")`,
			`RAISE EXCEPTION 'cannot create the unique index IDX_post_title_unique on table post (lower("title")): rows already share a key: %.`,
			"$medusa$;\n" + `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_post_title_unique" ON "post" (lower("title")) WHERE deleted_at IS NULL;`,
		} {
			if !strings.Contains(up, want) {
				t.Errorf("missing %q in the up section:\n%s", want, up)
			}
		}
		if !strings.Contains(down, `CREATE UNIQUE INDEX IF NOT EXISTS "IDX_post_title_unique" ON "post" ("title") WHERE deleted_at IS NULL;`) || strings.Contains(down, "DO $medusa$") {
			t.Errorf("down section:\n%s", down)
		}
		if name != "reindex_idx_post_title_unique" {
			t.Errorf("name %q", name)
		}
		// A new table has no rows to check.
		created, _ := migrationText(t, nil, next, false)
		if strings.Contains(created, "DO $medusa$") || !strings.Contains(created, `ON "post" (lower("title"))`) {
			t.Errorf("a new table's case-insensitive index:\n%s", created)
		}
	})
	t.Run("sortable and filterable add list indexes", func(t *testing.T) {
		cur := schemaOf(t, v1().Sortable("title", "deleted_at").Filterable("title", "views"))
		sql, name := migrationText(t, base, cur, false)
		want := `-- migrate:up
CREATE INDEX IF NOT EXISTS "IDX_post_id" ON "post" ("id") WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS "IDX_post_title_id" ON "post" ("title", "id") WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS "IDX_post_deleted_at_id" ON "post" ("deleted_at", "id");
CREATE INDEX IF NOT EXISTS "IDX_post_views_id" ON "post" ("views", "id") WHERE deleted_at IS NULL;

-- migrate:down
DROP INDEX IF EXISTS "IDX_post_views_id";
DROP INDEX IF EXISTS "IDX_post_deleted_at_id";
DROP INDEX IF EXISTS "IDX_post_title_id";
DROP INDEX IF EXISTS "IDX_post_id";
`
		if !strings.HasSuffix(sql, want) {
			t.Errorf("migration:\n%s\nwant it to end with:\n%s", sql, want)
		}
		if name != "index_idx_post_id_index_idx_post_title_id_more" {
			t.Errorf("name %q", name)
		}
		// A field left out of Sortable keeps the index its Filterable needs
		// (the same one); left out of both, its index is dropped.
		if ch, err := Diff(cur, schemaOf(t, v1().Sortable("deleted_at").Filterable("title", "views")), false); err != nil || len(ch) != 0 {
			t.Errorf("title still filterable: changes %v, %v", ch, err)
		}
		less := schemaOf(t, v1().Sortable("deleted_at").Filterable("views"))
		if sql, _ := migrationText(t, cur, less, false); !strings.Contains(sql, "-- migrate:up\nDROP INDEX IF EXISTS \"IDX_post_title_id\";\n\n") {
			t.Errorf("title neither sortable nor filterable:\n%s", sql)
		}
	})
	t.Run("row counts on and off", func(t *testing.T) {
		counted := schemaOf(t, v1().CountRows())
		sql, name := migrationText(t, base, counted, false)
		up, down, _ := strings.Cut(sql, "-- migrate:down")
		for _, want := range []string{
			"CREATE TABLE IF NOT EXISTS medusa_row_counts",
			"CREATE OR REPLACE FUNCTION medusa_row_count()",
			`LOCK TABLE "post" IN SHARE ROW EXCLUSIVE MODE;`,
			`INSERT INTO medusa_row_counts (table_name, live, total) SELECT 'post', count(*) FILTER (WHERE deleted_at IS NULL), count(*) FROM "post";`,
			`CREATE TRIGGER medusa_row_count_insert AFTER INSERT ON "post" REFERENCING NEW TABLE AS medusa_new_rows FOR EACH STATEMENT`,
			`CREATE TRIGGER medusa_row_count_update AFTER UPDATE ON "post" REFERENCING OLD TABLE AS medusa_old_rows NEW TABLE AS medusa_new_rows`,
			`CREATE TRIGGER medusa_row_count_truncate AFTER TRUNCATE ON "post"`,
		} {
			if !strings.Contains(up, want) {
				t.Errorf("missing %q in the up section:\n%s", want, up)
			}
		}
		if !strings.Contains(down, `DROP TRIGGER IF EXISTS medusa_row_count_insert ON "post";`) || !strings.Contains(down, `DELETE FROM medusa_row_counts WHERE table_name = 'post';`) {
			t.Errorf("down section:\n%s", down)
		}
		if name != "row_count_post" {
			t.Errorf("name %q", name)
		}
		off, _ := migrationText(t, counted, base, false)
		if up, _, _ := strings.Cut(off, "-- migrate:down"); !strings.Contains(up, `DROP TRIGGER IF EXISTS medusa_row_count_update ON "post";`) || strings.Contains(up, "CREATE TRIGGER") {
			t.Errorf("turning counts off:\n%s", off)
		}
		if ch, err := Diff(counted, schemaOf(t, v1().CountRows()), false); err != nil || len(ch) != 0 {
			t.Errorf("unchanged counted model: %v, %v", ch, err)
		}
		created, err := Diff(nil, counted, false)
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := RenderMigration(created); !strings.Contains(string(body), `CREATE TRIGGER medusa_row_count_delete AFTER DELETE ON "post"`) {
			t.Errorf("a new counted table gets no triggers:\n%s", body)
		}
	})
	for name, cur := range map[string]*Schema{
		"drop column": schemaOf(t, dml.Define("post", dml.ID().Prefix("post"), dml.Text("title"), dml.Number("views").Default(0))),
		"drop table":  schemaOf(t, dml.Define("other", dml.ID())),
		"change type": schemaOf(t, dml.Define("post", dml.ID().Prefix("post"), dml.Text("title"), dml.Text("body").Nullable(), dml.Text("views").Default("0"))),
	} {
		t.Run(name+" is destructive", func(t *testing.T) {
			_, err := Diff(base, cur, false)
			if !errors.Is(err, ErrDestructive) || !strings.Contains(err.Error(), "-allow-destructive") {
				t.Fatalf("Diff = %v, want ErrDestructive naming the flag", err)
			}
			sql, _ := migrationText(t, base, cur, true)
			if !strings.Contains(sql, "DROP") && !strings.Contains(sql, "TYPE") {
				t.Fatalf("allowed destructive migration:\n%s", sql)
			}
		})
	}
}

// TestSearchIndex checks the one trigram index per model that serves q: on
// the column for one searchable field, on the joined expression for several,
// and the migration from per-field indexes to it.
func TestSearchIndex(t *testing.T) {
	one := schemaOf(t, dml.Define("tag", dml.ID(), dml.Text("value").Searchable()))
	if sql, _ := migrationText(t, nil, one, false); !strings.Contains(sql, `CREATE INDEX IF NOT EXISTS "IDX_tag_value_trgm" ON "tag" USING gin ("value" gin_trgm_ops) WHERE deleted_at IS NULL;`) {
		t.Errorf("one searchable field:\n%s", sql)
	}
	two := dml.Define("person", dml.ID(), dml.Text("name").Nullable().Searchable(), dml.Text("email").Searchable(), dml.Text("note").Nullable())
	if got, want := SearchExpr(two), `coalesce("name", '') || E'\x1f' || "email"`; got != want {
		t.Errorf("SearchExpr = %s, want %s", got, want)
	}
	cur := schemaOf(t, two)
	old := schemaOf(t, dml.Define("person", dml.ID(), dml.Text("name").Nullable().Searchable(), dml.Text("email").Searchable(), dml.Text("note").Nullable()))
	old.Tables[0].Indexes = slices.DeleteFunc(old.Tables[0].Indexes, func(ix IndexDef) bool { return ix.Expr != "" })
	for _, c := range []string{"name", "email"} {
		old.Tables[0].Indexes = append(old.Tables[0].Indexes, IndexDef{Name: "IDX_person_" + c + "_trgm", Columns: []string{c}, Using: "gin", Ops: TrgmOps, Where: "deleted_at IS NULL"})
	}
	sql, _ := migrationText(t, old, cur, false)
	for _, want := range []string{
		`DROP INDEX IF EXISTS "IDX_person_name_trgm";`,
		`DROP INDEX IF EXISTS "IDX_person_email_trgm";`,
		`CREATE INDEX IF NOT EXISTS "IDX_person_q_trgm" ON "person" USING gin ((coalesce("name", '') || E'\x1f' || "email") gin_trgm_ops);`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %q in:\n%s", want, sql)
		}
	}
}

// TestSearchAtScale checks what a searchable model gets for q on big
// tables: the gram index (after the function it is built with, created
// once per migration), the statistics target of its search expression (the
// column's with one searchable field, the trigram index's with several),
// neither for a Small model, and the migration of a target alone.
func TestSearchAtScale(t *testing.T) {
	mod := &dml.Module{Name: "shop", Models: []*dml.Model{
		dml.Define("tag", dml.ID(), dml.Text("value").Searchable()),
		dml.Define("person", dml.ID(), dml.Text("name").Nullable().Searchable(), dml.Text("email").Searchable()),
		dml.Define("code", dml.ID(), dml.Text("value").Searchable()).Small(),
	}}
	cur, err := BuildSchema(mod)
	if err != nil {
		t.Fatal(err)
	}
	sql, _ := migrationText(t, nil, cur, false)
	fn := strings.Index(sql, "CREATE OR REPLACE FUNCTION "+sqlb.GramsFunc+"(t text)")
	for _, want := range []string{
		`ALTER TABLE "tag" ALTER COLUMN "value" SET STATISTICS 1000;`,
		`CREATE INDEX IF NOT EXISTS "IDX_tag_q_grams" ON "tag" USING gin ((medusa_search_grams("value"))) WHERE deleted_at IS NULL;`,
		"CREATE INDEX IF NOT EXISTS \"IDX_person_q_trgm\" ON \"person\" USING gin ((coalesce(\"name\", '') || E'\\x1f' || \"email\") gin_trgm_ops);\nALTER INDEX \"IDX_person_q_trgm\" ALTER COLUMN 1 SET STATISTICS 1000;",
		`CREATE INDEX IF NOT EXISTS "IDX_person_q_grams" ON "person" USING gin ((medusa_search_grams(coalesce("name", '') || E'\x1f' || "email"))) WHERE deleted_at IS NULL;`,
	} {
		if i := strings.Index(sql, want); i < 0 || fn < 0 || i < fn && strings.Contains(want, "q_grams") {
			t.Errorf("missing %q (after the function) in:\n%s", want, sql)
		}
	}
	if n := strings.Count(sql, "FUNCTION "+sqlb.GramsFunc); n != 1 {
		t.Errorf("the function is created %d times", n)
	}
	if strings.Contains(sql, "IDX_code_q_grams") || strings.Contains(sql, `"code" ALTER COLUMN "value" SET STATISTICS`) {
		t.Errorf("a Small model got a gram index or a statistics target:\n%s", sql)
	}
	// A schema from before the targets: the migration sets them alone.
	old, err := BuildSchema(mod)
	if err != nil {
		t.Fatal(err)
	}
	for i := range old.Tables {
		for j := range old.Tables[i].Columns {
			old.Tables[i].Columns[j].Statistics = 0
		}
		for j := range old.Tables[i].Indexes {
			old.Tables[i].Indexes[j].Statistics = 0
		}
	}
	sql, _ = migrationText(t, old, cur, false)
	for _, want := range []string{
		"-- migrate:up\nALTER TABLE \"tag\" ALTER COLUMN \"value\" SET STATISTICS 1000;\nALTER INDEX \"IDX_person_q_trgm\" ALTER COLUMN 1 SET STATISTICS 1000;\n",
		"-- migrate:down\nALTER INDEX \"IDX_person_q_trgm\" ALTER COLUMN 1 SET STATISTICS -1;\nALTER TABLE \"tag\" ALTER COLUMN \"value\" SET STATISTICS -1;\n",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %q in:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "CREATE") {
		t.Errorf("a change of statistics targets creates something:\n%s", sql)
	}
}

func TestScaffoldRefusesBadNames(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Scaffold(root, "Bad-Name"); err == nil || !strings.Contains(err.Error(), "snake_case") {
		t.Fatalf("bad name: %v", err)
	}
	created, err := Scaffold(root, "blog")
	if err != nil || len(created) != 6 {
		t.Fatalf("scaffold = %v, %v", created, err)
	}
	b, _ := os.ReadFile(filepath.Join(root, "modules/blog/models/gen/main.go"))
	if !strings.Contains(string(b), `"example.com/app/modules/blog/models"`) {
		t.Fatalf("gen program imports:\n%s", b)
	}
	if _, err := Scaffold(root, "blog"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second scaffold: %v", err)
	}
}

func TestGenerateRefusesInvalidModels(t *testing.T) {
	mod := dml.NewModule("m", dml.Define("a", dml.ID(), dml.Text("x"), dml.Text("x")))
	_, err := Generate(t.Context(), mod, Options{Root: t.TempDir()})
	var errs dml.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Generate = %v, want dml.Errors", err)
	}
}
