package linktest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/query"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	blogmig "github.com/medusa-go/medusa/internal/testmodules/blog/migrations"
	"github.com/medusa-go/medusa/modules/user"
	usermig "github.com/medusa-go/medusa/modules/user/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The application's links: a post has one author (a user), a user has many
// posts, soft-deleted with them (the post side is deleteCascade); users
// like posts (many-to-many, with extra columns).
var (
	PostAuthor = link.Define(link.Of(blog.PostEntity).List().DeleteCascade(), link.Of(user.UserEntity).As("author"))
	PostLikes  = link.Define(link.Of(blog.PostEntity).List().As("liked_posts"), link.Of(user.UserEntity).List().As("likers"),
		link.Table("blog_post_like"),
		link.Extra(link.Column{Name: "weight", Type: link.Integer, Default: 1}, link.Column{Name: "note", Type: link.Text, Nullable: true}))
)

// env is an application of the two modules, its links and Query, on a
// database of its own, with a pool that counts statements.
type env struct {
	pool  *pgxpool.Pool
	wc    *pgtest.WireCounter
	c     *container.Container
	reg   *link.Registry
	users *user.Service
	blog  *blog.Service
	links *link.Service
	q     *query.Query
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setup builds the application; userOpts are added to the User Module's
// options (user.WithCascader(nil) turns its link hook off).
func setup(t testing.TB, userOpts ...user.Option) *env {
	t.Helper()
	pool, wc := pgtest.NewCountedPool(t, pgtest.NewURL(t, usermig.Source, blogmig.Source), nil)
	return build(t, pool, wc, userOpts...)
}

// setupPlain is setup on a pool without the statement counter (whose
// tracing costs each statement an allocation), for benchmarks.
func setupPlain(t testing.TB) *env {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewURL(t, usermig.Source, blogmig.Source))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return build(t, pool, nil)
}

func build(t testing.TB, pool *pgxpool.Pool, wc *pgtest.WireCounter, userOpts ...user.Option) *env {
	t.Helper()
	ctx := context.Background()
	reg, err := link.NewRegistry(slices.Concat(user.Entities, blog.Entities), PostAuthor, PostLikes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := link.Sync(ctx, pool, reg, link.SyncOptions{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	c := container.New()
	for _, err := range []error{
		user.RegisterModule(c, pool, user.Options{JWTSecret: "test-secret"}, userOpts...),
		blog.Register(c, pool),
		link.Register(c, pool, reg),
		query.Register(c, reg),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	e := &env{pool: pool, wc: wc, c: c, reg: reg}
	e.users = container.MustResolve(c, user.Key)
	e.blog = container.MustResolve(c, blog.Key)
	e.links = container.MustResolve(c, link.Key)
	e.q = container.MustResolve(c, query.Key)
	return e
}

func (e *env) newUsers(t testing.TB, n int) []string {
	t.Helper()
	in := make([]user.CreateUserInput, n)
	for i := range in {
		in[i] = user.CreateUserInput{ID: fmt.Sprintf("u%d", i+1), Email: fmt.Sprintf("u%d@example.com", i+1)}
	}
	out, err := e.users.CreateUsers(context.Background(), in...)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(out))
	for i, u := range out {
		ids[i] = u.ID
	}
	return ids
}

func (e *env) newPosts(t testing.TB, titles ...string) []string {
	t.Helper()
	in := make([]blog.CreatePostInput, len(titles))
	for i, title := range titles {
		in[i] = blog.CreatePostInput{ID: fmt.Sprintf("p%d", i+1), Title: title}
	}
	out, err := e.blog.CreatePosts(context.Background(), in...)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(out))
	for i, p := range out {
		ids[i] = p.ID
	}
	return ids
}

// live lists the live links of one definition as "left-right" strings.
func (e *env) live(t testing.TB, d *link.Definition) []string {
	t.Helper()
	ps, err := e.links.List(context.Background(), d.Pair("", ""))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.From.ID+"-"+p.To.ID)
	}
	return out
}
