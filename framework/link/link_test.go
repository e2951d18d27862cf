package link_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/jsonw"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// row is the Go type of the test entities: sync and naming need no module.
type row struct{ Linked jsonw.Linked }

func (r *row) AppendJSON(b []byte) ([]byte, error) { return append(b, "{}"...), nil }

func ent(module, name string, fields ...string) *entity.Entity {
	return entity.Describe(entity.Entity{Module: module, Name: name, Entity: strings.ToUpper(name[:1]) + name[1:], Table: name,
		PrimaryKey: "id", Linkable: name + "_id", Plural: name + "s", Fields: append([]string{"id"}, fields...)},
		entity.Model[row]{
			Key:     func(*row) string { return "" },
			Value:   func(*row, string) any { return nil },
			Linked:  func(x *row) *jsonw.Linked { return &x.Linked },
			Related: func(*row, string) []any { return nil },
			Resolve: func(context.Context, *container.Container) (entity.Service[row], error) {
				return nil, errors.New("no service in this test")
			},
		})
}

var (
	product = ent("product", "product", "title")
	post    = ent("blog", "post", "title", "body")
	person  = ent("user", "user", "email")
)

func TestTableNames(t *testing.T) {
	d := link.Define(link.Of(product), link.Of(post))
	if d.Table() != "product_product_blog_post" || d.EntryPoint() != "product_post" || d.ServiceName() != "ProductProductBlogPostLink" || d.EntityName() != "LinkProductProductBlogPost" {
		t.Fatalf("names: %s %s %s %s", d.Table(), d.EntryPoint(), d.ServiceName(), d.EntityName())
	}
	if got := link.Define(link.Of(product), link.Of(post), link.Table("fixed")).Table(); got != "fixed" {
		t.Fatalf("fixed name: %s", got)
	}
	long := ent("inventory_management", "inventory_item_level")
	other := ent("inventory_management", "inventory_item_level_reservation_line")
	got := link.Define(link.Of(long), link.Of(other)).Table()
	// inventory_management_inventory_item_level_inventory_management_inventory_item_level_reservation_line:
	// repeated consecutive segments go first (none here), then every
	// segment is cut to 4 characters and the hash appended
	if len(got) != 58 || !strings.HasPrefix(got, "inve_mana_inve_item_leve_inve_mana_inve_item_lev_-") {
		t.Fatalf("compressed name %q (%d)", got, len(got))
	}
	dup := ent("user_user_user_user_user_user", "user_user_user_user_user_user")
	if got := link.Define(link.Of(dup), link.Of(person)).Table(); got != "user" {
		t.Fatalf("repeated segments: %q", got)
	}
}

func TestRegistryErrors(t *testing.T) {
	stranger := ent("shop", "item")
	for _, c := range []struct {
		defs []*link.Definition
		want string
	}{
		{[]*link.Definition{link.Define(link.Of(nil), link.Of(person))}, "Invalid linkable passed for the argument 1"},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(stranger))}, "Service shop was not found"},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person).As("title"))}, `You need to provide an alias for user.user_id: "title" already names a field of post`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person)), link.Define(link.Of(post).List(), link.Of(person), link.Table("likes"))}, `"user" already names the link`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person)), link.Define(link.Of(post), link.Of(person).As("x"))}, `table "blog_post_user_user" is also the table of link`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(post))}, `both sides are keyed by "post_id"`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person), link.Extra(link.Column{Name: "deleted_at", Type: link.Text}))}, `extra column "deleted_at" is one of the link table's own columns`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person), link.Extra(link.Column{Name: "n", Type: "int"}))}, `column "n": unknown type "int"`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person), link.Extra(link.Column{Name: "s", Type: link.Enum}))}, `column "s": an enum needs Options`},
		{[]*link.Definition{link.Define(link.Of(post), link.Of(person), link.Extra(link.Column{Name: "n", Type: link.Integer, Default: "x"}))}, `column "n": default x (string) does not suit type integer`},
	} {
		_, err := link.NewRegistry([]*entity.Entity{product, post, person}, c.defs...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.defs, err, c.want)
		}
	}
	if _, err := link.NewRegistry([]*entity.Entity{post, ent("other", "post")}); err == nil || !strings.Contains(err.Error(), `entity "post" is defined by modules "blog" and "other"`) {
		t.Errorf("duplicate entity name: %v", err)
	}
	reg, err := link.NewRegistry([]*entity.Entity{product, post, person}, link.Define(link.Of(post).List(), link.Of(person).As("author")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Entity("psot"); err == nil || err.Error() != `Service with alias "psot" was not found. Did you mean "post"?` {
		t.Errorf("unknown entity: %v", err)
	}
	a, ok := reg.Link(post, "author")
	b, ok2 := reg.Link(person, "posts")
	if !ok || !ok2 || a.List || !b.List || a.FromColumn != "post_id" || b.FromColumn != "user_id" || a.To != person {
		t.Fatalf("ends %+v %+v", a, b)
	}
}

func newPool(t *testing.T) *pgxpool.Pool { return pgtest.NewPool(t) }

type column struct{ name, typ, null, def string }

func columns(t *testing.T, pool *pgxpool.Pool, table string) []column {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT column_name, data_type, is_nullable, coalesce(column_default, '') FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.typ, &c.null, &c.def); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func kinds(as []link.Action) (out []string) {
	for _, a := range as {
		out = append(out, string(a.Kind)+" "+a.Table)
	}
	return out
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t)
	ents := []*entity.Entity{product, post, person}
	sync := func(opts link.SyncOptions, defs ...*link.Definition) ([]link.Action, error) {
		t.Helper()
		reg, err := link.NewRegistry(ents, defs...)
		if err != nil {
			t.Fatal(err)
		}
		return link.Sync(ctx, pool, reg, opts)
	}
	author := link.Define(link.Of(post).List(), link.Of(person))
	likes := func(cols ...link.Column) *link.Definition {
		return link.Define(link.Of(post).List().As("liked_posts"), link.Of(person).List().As("likers"), link.Table("post_like"), link.Extra(cols...))
	}
	weight := link.Column{Name: "weight", Type: link.Integer, Default: 1}

	acts, err := sync(link.SyncOptions{}, author, likes(weight))
	if err != nil || !slices.Equal(kinds(acts), []string{"create blog_post_user_user", "create post_like"}) {
		t.Fatalf("first sync: %v, %v", kinds(acts), err)
	}
	got := columns(t, pool, "blog_post_user_user")
	want := []column{
		{"id", "character varying", "NO", ""}, {"post_id", "character varying", "NO", ""}, {"user_id", "character varying", "NO", ""},
		{"created_at", "timestamp with time zone", "NO", "CURRENT_TIMESTAMP"}, {"updated_at", "timestamp with time zone", "NO", "CURRENT_TIMESTAMP"},
		{"deleted_at", "timestamp with time zone", "YES", ""},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("columns\n got %v\nwant %v", got, want)
	}
	var pk string
	if err := pool.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'blog_post_user_user_pkey'`).Scan(&pk); err != nil || pk != "PRIMARY KEY (post_id, user_id)" {
		t.Fatalf("primary key %q, %v", pk, err)
	}
	var ixs []string
	rows, _ := pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'blog_post_user_user' AND indexname LIKE 'IDX_%' ORDER BY 1`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		ixs = append(ixs, s)
	}
	rows.Close()
	// the DJB2 hash of "blog_post_user_user" (5381, ×33 + byte), as a signed 32-bit number
	if h := "-6a7ecfd6"; !slices.Equal(ixs, []string{"IDX_deleted_at_" + h, "IDX_id_" + h, "IDX_post_id_" + h, "IDX_user_id_" + h}) {
		t.Fatalf("indexes %v", ixs)
	}
	var desc string
	if err := pool.QueryRow(ctx, `SELECT link_descriptor::text FROM link_module_migrations WHERE table_name = 'blog_post_user_user'`).Scan(&desc); err != nil || desc != `{"toModel": "user", "toModule": "user", "fromModel": "post", "fromModule": "blog"}` {
		t.Fatalf("tracking row %s, %v", desc, err)
	}

	if acts, err := sync(link.SyncOptions{}, author, likes(weight)); err != nil || len(acts) != 0 {
		t.Fatalf("second sync: %v, %v", kinds(acts), err)
	}

	// adding a column is safe
	note := link.Column{Name: "note", Type: link.Text, Nullable: true}
	if acts, err := sync(link.SyncOptions{}, author, likes(weight, note)); err != nil || !slices.Equal(kinds(acts), []string{"update post_like"}) || !acts[0].Applied {
		t.Fatalf("add column: %v, %v", kinds(acts), err)
	}
	// dropping or changing one is not, unless allowed
	weightText := link.Column{Name: "weight", Type: link.Text, Nullable: true}
	acts, err = sync(link.SyncOptions{}, author, likes(weightText))
	if !errors.Is(err, link.ErrDestructive) || !strings.Contains(err.Error(), "alter post_like: column weight: type text, was integer") || !strings.Contains(err.Error(), "drop column note") {
		t.Fatalf("destructive change: %v, %v", kinds(acts), err)
	}
	if len(columns(t, pool, "post_like")) != 8 {
		t.Fatal("a refused sync changed the table")
	}
	acts, err = sync(link.SyncOptions{SafeOnly: true}, author, likes(weightText))
	if err != nil || len(acts) != 1 || acts[0].Applied || len(columns(t, pool, "post_like")) != 8 {
		t.Fatalf("safe only: %v, %v", acts, err)
	}
	if acts, err = sync(link.SyncOptions{AllowDestructive: true}, author, likes(weightText)); err != nil || !slices.Equal(kinds(acts), []string{"alter post_like"}) {
		t.Fatalf("allowed destructive change: %v, %v", kinds(acts), err)
	}
	if c := columns(t, pool, "post_like"); len(c) != 7 || c[3] != (column{"weight", "text", "YES", ""}) {
		t.Fatalf("altered columns %v", c)
	}

	// a link renamed (its fixed table) keeps its rows
	if _, err := pool.Exec(ctx, `INSERT INTO post_like (id, post_id, user_id) VALUES ('l1', 'p1', 'u1')`); err != nil {
		t.Fatal(err)
	}
	renamed := link.Define(link.Of(post).List().As("liked_posts"), link.Of(person).List().As("likers"), link.Table("post_likes"), link.Extra(weightText))
	if acts, err = sync(link.SyncOptions{}, author, renamed); err != nil || !slices.Equal(kinds(acts), []string{"rename post_likes"}) {
		t.Fatalf("rename: %v, %v", kinds(acts), err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM post_likes`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("rows after rename: %d, %v", n, err)
	}

	// a link no longer defined: its table is dropped only when allowed
	if _, err = sync(link.SyncOptions{}, author); !errors.Is(err, link.ErrDestructive) || !strings.Contains(err.Error(), "drop post_likes: no link definition holds it any more") {
		t.Fatalf("removed link: %v", err)
	}
	if acts, err = sync(link.SyncOptions{AllowDestructive: true}, author); err != nil || !slices.Equal(kinds(acts), []string{"drop post_likes"}) {
		t.Fatalf("removed link, allowed: %v, %v", kinds(acts), err)
	}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('post_likes') IS NOT NULL`).Scan(&exists); err != nil || exists {
		t.Fatalf("dropped table exists: %v, %v", exists, err)
	}
	reg, _ := link.NewRegistry(ents, author)
	if acts, err := link.Plan(ctx, pool, reg); err != nil || len(acts) != 0 {
		t.Fatalf("plan after sync: %v, %v", kinds(acts), err)
	}
}
