package linktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/qs"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/query"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules/user"
)

func graphJSON(t *testing.T, e *env, in query.Input) string {
	t.Helper()
	r, err := e.q.Graph(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQueryGraph(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	fixture(t, e)

	t.Run("fields across modules", func(t *testing.T) {
		got := graphJSON(t, e, query.Input{Entity: "post", Fields: []string{"id", "title", "author.email", "comments.body", "tags.value", "likers.id"}})
		want := `{"data":[` +
			`{"id":"p1","title":"Go links","comments":[{"id":"c1","body":"one"},{"id":"c2","body":"two"}],"tags":[{"id":"t1","value":"go"}],"author":{"id":"u1","email":"u1@example.com"},"likers":[{"id":"u2"}]},` +
			`{"id":"p2","title":"Query in Go","comments":[{"id":"c3","body":"three"}],"tags":[],"author":{"id":"u2","email":"u2@example.com"},"likers":[{"id":"u1"}]}]}`
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("the other way, two levels", func(t *testing.T) {
		got := graphJSON(t, e, query.Input{Entity: "user", Fields: []string{"email", "posts.title", "posts.comments.body", "liked_posts.author.email"}, Filters: map[string]any{"id": "u1"}})
		want := `{"data":[{"id":"u1","email":"u1@example.com","posts":[{"id":"p1","title":"Go links","comments":[{"id":"c1","body":"one"},{"id":"c2","body":"two"}]}],"liked_posts":[{"id":"p2","author":{"id":"u2","email":"u2@example.com"}}]}]}`
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("a link under an in-module relation", func(t *testing.T) {
		got := graphJSON(t, e, query.Input{Entity: "comment", Fields: []string{"body", "post.title", "post.author.email"}, Filters: map[string]any{"id": []string{"c1", "c3"}}})
		want := `{"data":[{"id":"c1","body":"one","post":{"id":"p1","title":"Go links","author":{"id":"u1","email":"u1@example.com"}}},{"id":"c3","body":"three","post":{"id":"p2","title":"Query in Go","author":{"id":"u2","email":"u2@example.com"}}}]}`
		if got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
	t.Run("typed", func(t *testing.T) {
		posts, md, err := query.GraphOf[blog.Post](ctx, e.q, query.Input{Entity: "post", Fields: []string{"title", "author.*", "comments.body", "likers.email"}})
		if err != nil || md != nil || len(posts) != 2 {
			t.Fatalf("%v %v %v", posts, md, err)
		}
		a, ok := query.One[user.User](posts[0].Linked, "author")
		if !ok || a.Email != "u1@example.com" || a.CreatedAt.IsZero() {
			t.Fatalf("author %+v, %v", a, ok)
		}
		if likers := query.Many[user.User](posts[1].Linked, "likers"); len(likers) != 1 || likers[0].Email != "u1@example.com" {
			t.Fatalf("likers %+v", likers)
		}
		if len(posts[0].Comments) != 2 || posts[0].Comments[1].Body != "two" {
			t.Fatalf("comments %+v", posts[0].Comments)
		}
		if _, ok := query.One[blog.Post](posts[0].Linked, "author"); ok {
			t.Fatal("One of the wrong type reported a record")
		}
		if _, _, err := query.GraphOf[user.User](ctx, e.q, query.Input{Entity: "post"}); err == nil || !strings.Contains(err.Error(), "blog.Post, not user.User") {
			t.Fatalf("GraphOf of the wrong type: %v", err)
		}
	})
	t.Run("filters, order, pagination", func(t *testing.T) {
		got := graphJSON(t, e, query.Input{Entity: "post", Fields: []string{"title"}, Filters: map[string]any{"title": map[string]any{"$ilike": "%go%"}},
			Pagination: query.Page(1, 1, sqlb.Order{Field: "title", Desc: true})})
		if want := `{"data":[{"id":"p1","title":"Go links"}],"metadata":{"count":2,"skip":1,"take":1}}`; got != want {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
		take := 1
		got = graphJSON(t, e, query.Input{Entity: "post", Fields: []string{"id"}, Pagination: &query.Pagination{Take: &take}})
		if want := `{"data":[{"id":"p1"}]}`; got != want {
			t.Fatalf("take alone: %s", got)
		}
		got = graphJSON(t, e, query.Input{Entity: "post", Pagination: query.Page(0, 0)})
		if want := `{"data":[],"metadata":{"count":2,"skip":0,"take":0}}`; got != want {
			t.Fatalf("count only: %s", got)
		}
		got = graphJSON(t, e, query.Input{Entity: "post", Fields: []string{"id"}, Filters: map[string]any{"$or": []any{map[string]any{"id": "p2"}, map[string]any{"views": map[string]any{"$gt": 10}}}}})
		if want := `{"data":[{"id":"p2"}]}`; got != want {
			t.Fatalf("$or: %s", got)
		}
	})
	t.Run("soft-deleted rows", func(t *testing.T) {
		if _, err := e.blog.SoftDeleteComments(ctx, "c2"); err != nil {
			t.Fatal(err)
		}
		in := query.Input{Entity: "post", Fields: []string{"comments.id"}, Filters: map[string]any{"id": "p1"}}
		if got := graphJSON(t, e, in); got != `{"data":[{"id":"p1","comments":[{"id":"c1"}]}]}` {
			t.Fatalf("live: %s", got)
		}
		in.WithDeleted = true
		if got := graphJSON(t, e, in); got != `{"data":[{"id":"p1","comments":[{"id":"c1"},{"id":"c2"}]}]}` {
			t.Fatalf("with deleted: %s", got)
		}
	})
	t.Run("bad input is refused with the nearest valid name", func(t *testing.T) {
		for _, c := range []struct {
			in   query.Input
			typ  merrors.Type
			want string
		}{
			{query.Input{Entity: "psot"}, merrors.NotFound, `Service with alias "psot" was not found. Did you mean "post"?`},
			{query.Input{Entity: "post", Fields: []string{"titel"}}, merrors.InvalidData, `Invalid field "titel": post has no field "titel"; did you mean "title"?`},
			{query.Input{Entity: "post", Fields: []string{"autor.email"}}, merrors.InvalidData, `Invalid field "autor.email": post has no relation or link "autor"; did you mean "author"?`},
			{query.Input{Entity: "post", Fields: []string{"author.emial"}}, merrors.InvalidData, `Invalid field "author.emial": user has no field "emial"; did you mean "email"?`},
			{query.Input{Entity: "post", Fields: []string{"coments.body"}}, merrors.InvalidData, `did you mean "comments"?`},
			{query.Input{Entity: "post", Filters: map[string]any{"titel": "x"}}, merrors.InvalidData, `Invalid filter field "titel" for post; did you mean "title"?`},
			{query.Input{Entity: "post", Filters: map[string]any{"author": map[string]any{"email": "x"}}}, merrors.InvalidData, `Cannot filter post on "author": it is a link to another module`},
			{query.Input{Entity: "post", Filters: map[string]any{"title": map[string]any{"$eqq": "x"}}}, merrors.InvalidData, `unknown operator $eqq (did you mean $eq?)`},
			{query.Input{Entity: "post", Pagination: &query.Pagination{Order: []sqlb.Order{{Field: "tilte"}}}}, merrors.InvalidData, `Invalid order field "tilte" for post`},
			{query.Input{Entity: "post", Filters: map[string]any{"id": []string{"p1", "nope"}}, ThrowIfKeyNotFound: true}, merrors.NotFound, "Post id not found: nope"},
		} {
			e.wc.Statements.Store(0)
			_, err := e.q.Graph(ctx, c.in)
			if er, ok := merrors.As(err); !ok || er.Type != c.typ || !strings.Contains(er.Message, c.want) {
				t.Errorf("%+v: %v, want %s %q", c.in, err, c.typ, c.want)
			}
			if n := e.wc.Statements.Load(); n > 0 && c.typ != merrors.NotFound && !strings.Contains(c.want, "order") && !strings.Contains(c.want, "filter field") {
				t.Errorf("%+v: %d statements before the error", c.in, n)
			}
		}
	})
}

// TestQueryStatementsBounded counts the statements of a two-level graph
// over 1,000 posts: one per module and level, whatever the number of rows.
func TestQueryStatementsBounded(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	users := e.newUsers(t, 50)
	titles := make([]string, 1000)
	for i := range titles {
		titles[i] = fmt.Sprintf("post %04d", i)
	}
	posts := e.newPosts(t, titles...)
	var comments []blog.CreateCommentInput
	var authors []link.Pair
	for i, p := range posts {
		comments = append(comments, blog.CreateCommentInput{Body: "a", PostID: p}, blog.CreateCommentInput{Body: "b", PostID: p})
		authors = append(authors, PostAuthor.Pair(p, users[i%len(users)]))
	}
	if _, err := e.blog.CreateComments(ctx, comments...); err != nil {
		t.Fatal(err)
	}
	if _, err := e.blog.CreateTags(ctx, blog.CreateTagInput{ID: "t1", Value: "go"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range posts[:500] {
		if err := e.blog.AttachPostTags(ctx, p, "t1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.links.Create(ctx, authors...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   query.Input
		rows int
		want int64
	}{
		// root, posts (link table joined to post), comments, tags
		{"users → posts → comments, tags", query.Input{Entity: "user", Fields: []string{"email", "posts.title", "posts.comments.body", "posts.tags.value"}}, 50, 4},
		// root and its count (one round trip), authors (link table joined to user), comments
		{"posts (paged, counted) → author, comments", query.Input{Entity: "post", Fields: []string{"title", "author.email", "comments.body"}, Pagination: query.Page(0, 1000)}, 1000, 4},
		{"the same over 10 posts", query.Input{Entity: "post", Fields: []string{"title", "author.email", "comments.body"}, Pagination: query.Page(0, 10)}, 10, 4},
	} {
		e.wc.Statements.Store(0)
		e.wc.RoundTrips.Store(0)
		r, err := e.q.Graph(ctx, c.in)
		if err != nil {
			t.Fatal(err)
		}
		stmts, trips := e.wc.Statements.Load(), e.wc.RoundTrips.Load()
		t.Logf("%s: %d rows, %d statements, %d round trips", c.name, r.Rows.Len(), stmts, trips)
		if r.Rows.Len() != c.rows || stmts != c.want {
			t.Fatalf("%s: %d rows, %d statements; want %d rows, %d statements", c.name, r.Rows.Len(), stmts, c.rows, c.want)
		}
	}
	us, _, err := query.GraphOf[user.User](ctx, e.q, query.Input{Entity: "user", Fields: []string{"posts.comments.id"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range us {
		for _, p := range query.Many[blog.Post](u.Linked, "posts") {
			n += len(p.Comments)
		}
	}
	if n != 2000 {
		t.Fatalf("%d comments under the users' posts, want 2000", n)
	}
}

// TestQueryHTTPFields serves Query on a list route: Medusa's "fields"
// (fields=*author, author.email) reach Graph through httpx's parsing.
func TestQueryHTTPFields(t *testing.T) {
	e := setup(t)
	fixture(t, e)
	allowed, rels, err := e.q.Allowed("post")
	if err != nil {
		t.Fatal(err)
	}
	spec := qs.MustQuerySpec(qs.QueryConfig{
		Defaults: []string{"id", "title"}, Allowed: allowed, Relations: rels, List: true, Orderable: blog.PostEntity.Sortable, Search: true,
		Filters: []qs.FilterField{{Name: "title", Type: qs.TypeString, Array: true, Ops: qs.Ops(qs.OpILike, qs.OpEq)}},
	})
	r := http.NewServeMux()
	r.HandleFunc("GET /admin/posts", func(w http.ResponseWriter, req *http.Request) {
		hq, err := spec.Parse(req)
		if err != nil {
			httpx.WriteError(w, req, err)
			return
		}
		res, err := e.q.Graph(req.Context(), query.FromHTTP("post", hq, true))
		if err != nil {
			httpx.WriteError(w, req, err)
			return
		}
		b := []byte(`{"posts":`)
		if b, err = res.AppendData(b); err != nil {
			httpx.WriteError(w, req, err)
			return
		}
		b = fmt.Appendf(b, `,"count":%d,"offset":%d,"limit":%d}`, res.Metadata.Count, hq.Offset, hq.Limit)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	})
	get := func(target string) (int, string) {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/admin/posts?fields=*author&limit=1&order=-title"); code != 200 || !strings.HasPrefix(body, `{"posts":[{"id":"p2","title":"Query in Go","author":{"id":"u2","first_name":null,"last_name":null,"email":"u2@example.com",`) || !strings.HasSuffix(body, `"count":2,"offset":0,"limit":1}`) {
		t.Fatalf("fields=*author: %d %s", code, body)
	}
	if code, body := get("/admin/posts?fields=title,author.email,comments.body&title[$ilike]=%25links%25"); code != 200 || body != `{"posts":[{"id":"p1","title":"Go links","comments":[{"id":"c1","body":"one"},{"id":"c2","body":"two"}],"author":{"id":"u1","email":"u1@example.com"}}],"count":1,"offset":0,"limit":50}` {
		t.Fatalf("dotted fields: %d %s", code, body)
	}
	if code, body := get("/admin/posts?fields=author.nope"); code != 400 || !strings.Contains(body, "Requested fields [author.nope] are not valid") {
		t.Fatalf("bad field: %d %s", code, body)
	}
}

var graphWorkflow = workflows.New("read-posts", func(wc *workflows.Context, in query.Input) (query.StepResult, error) {
	return query.UseQueryGraphStep.Run(wc, in)
})

func TestUseQueryGraphStep(t *testing.T) {
	e := setup(t)
	fixture(t, e)
	got, err := graphWorkflow.Run(context.Background(), e.c, query.Input{Entity: "post", Fields: []string{"title", "author.email"}, Pagination: query.Page(0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if want := `{"data":[{"author":{"email":"u1@example.com","id":"u1"},"id":"p1","title":"Go links"}],"metadata":{"count":2,"skip":0,"take":1}}`; string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	if _, err := graphWorkflow.Run(context.Background(), e.c, query.Input{Entity: "nope"}); err == nil || !strings.Contains(err.Error(), `Service with alias "nope" was not found.`) {
		t.Fatalf("bad entity: %v", err)
	}
}
