package modgen

import (
	"strings"
	"testing"

	"github.com/medusa-go/medusa/modgen/dml"
)

// TestIndexWarnings: generate warns about each field a model's lists may
// be ordered (or its routes filtered) by that no index serves, naming the
// model, the field and the fix, and not about declared fields (their
// indexes exist) or fields an index serves.
func TestIndexWarnings(t *testing.T) {
	post := dml.Define("post",
		dml.ID().Prefix("post"),
		dml.Text("title").Unique(),      // served: a unique index on the field
		dml.Text("body").Nullable(),     // not served
		dml.Number("views").Default(0),  // served by the model-level (views, id)
		dml.Text("slug").Index(),        // a filter is served; an order is not (no id)
		dml.JSON("metadata").Nullable(), // never orderable
		dml.BelongsTo("blog", "blog"),   // blog_id: its foreign key index serves filters
	).Indexes(dml.Index{On: []string{"views", "id"}})
	declared := dml.Define("blog", dml.ID().Prefix("blog"), dml.Text("name"), dml.Text("note").Nullable()).
		Sortable("name").Filterable("name")
	mod := dml.NewModule("m", post, declared)
	if err := mod.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range IndexWarnings(mod) {
		got = append(got, w.Model+"."+w.Field)
		if w.Model == "post" && w.Field == "body" {
			s := w.String()
			for _, want := range []string{
				"warning: ", "warnings_test.go:", `model "post", field "body": lists may be ordered by body (the model declares no Sortable), but no index serves ORDER BY body, id`,
				`fix: declare what lists may be ordered by with .Sortable(...) on model "post": naming "body" creates its index, leaving it out makes lists refuse that order`,
			} {
				if !strings.Contains(s, want) {
					t.Errorf("warning %q lacks %q", s, want)
				}
			}
		}
	}
	want := "post.body post.slug post.blog_id post.created_at post.updated_at post.deleted_at"
	if strings.Join(got, " ") != want {
		t.Fatalf("warnings for %v, want %s", got, want)
	}

	// With routes, unserved filters are warned about too.
	mod.WithRoutes = true
	got = got[:0]
	for _, w := range IndexWarnings(mod) {
		if strings.Contains(w.Problem, "routes filter") {
			got = append(got, w.Model+"."+w.Field)
		}
	}
	if want := "post.body post.created_at post.updated_at post.deleted_at"; strings.Join(got, " ") != want {
		t.Fatalf("filter warnings for %v, want %s", got, want)
	}

	// Declaring them silences the warnings: the indexes are created.
	post.Sortable("title", "body", "views", "created_at").Filterable("body", "created_at")
	if ws := IndexWarnings(mod); len(ws) != 0 {
		t.Fatalf("declared model still warned about: %v", ws)
	}
	s, err := BuildSchema(mod)
	if err != nil {
		t.Fatal(err)
	}
	sql, _ := migrationText(t, nil, s, false)
	for _, want := range []string{
		`CREATE INDEX IF NOT EXISTS "IDX_post_body_id" ON "post" ("body", "id") WHERE deleted_at IS NULL;`,
		`CREATE INDEX IF NOT EXISTS "IDX_post_created_at_id" ON "post" ("created_at", "id") WHERE deleted_at IS NULL;`,
		`CREATE INDEX IF NOT EXISTS "IDX_blog_name_id" ON "blog" ("name", "id") WHERE deleted_at IS NULL;`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %q in:\n%s", want, sql)
		}
	}
	// title: its unique index; views: the model-level (views, id).
	if strings.Contains(sql, "IDX_post_title_id") || strings.Count(sql, "CREATE INDEX IF NOT EXISTS \"IDX_post_views_id\"") != 1 {
		t.Errorf("an index was created for a field an index already serves:\n%s", sql)
	}
}
