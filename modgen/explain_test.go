package modgen_test

import (
	"context"
	"flag"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	blogmigrations "github.com/medusa-go/medusa/internal/testmodules/blog/migrations"
	blogmodels "github.com/medusa-go/medusa/internal/testmodules/blog/models"
	"github.com/medusa-go/medusa/modgen"
	"github.com/medusa-go/medusa/modgen/dml"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
	usermodels "github.com/medusa-go/medusa/modules/user/models"
)

var explain = flag.Bool("explain", false, "run TestExplainLists (loads 100k users and 100k posts; see docs/modgen.md; CI runs it)")

func TestMain(m *testing.M) { pgtest.Main(m) }

// recorder captures the SQL the generated service sends.
type recorder struct {
	mu   sync.Mutex
	last []capture
}

type capture struct {
	sql  string
	args []any
	mode pgx.QueryExecMode
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c := capture{sql: d.SQL}
	for _, a := range d.Args {
		if m, ok := a.(pgx.QueryExecMode); ok {
			c.mode = m
			continue
		}
		c.args = append(c.args, a)
	}
	r.mu.Lock()
	r.last = append(r.last, c)
	r.mu.Unlock()
	return ctx
}

func (r *recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A list and its count on prepared statements go out in one batch (sqlb.Find):
// its statements are captured too, in the pool's default mode.
func (r *recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (r *recorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.mu.Lock()
	r.last = append(r.last, capture{sql: d.SQL, args: d.Args})
	r.mu.Unlock()
}

func (r *recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (r *recorder) take() []capture {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.last
	r.last = nil
	return c
}

// literal renders a statement argument as SQL for EXECUTE: strings, times
// and arrays as quoted literals of unknown type (the prepared statement's
// parameter types apply), pointers as their values or NULL.
func literal(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "NULL"
		}
		return literal(rv.Elem().Interface())
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case string:
		return quote(v)
	case time.Time:
		return quote(v.Format(time.RFC3339Nano))
	}
	if rv.Kind() == reflect.Slice {
		items := make([]string, rv.Len())
		for i := range items {
			item := strings.Trim(literal(rv.Index(i).Interface()), "'")
			items[i] = `"` + strings.ReplaceAll(item, `"`, `\"`) + `"`
		}
		return quote("{" + strings.Join(items, ",") + "}")
	}
	return fmt.Sprint(v)
}

// TestExplainLists loads 100,000 users and 100,000 blog posts (10%
// soft-deleted, VACUUM ANALYZEd) and runs, through the generated services,
// every list shape the models' declarations allow (dml Model.Sortable,
// Model.Filterable), each with its count: the default list; each sortable
// field (and the primary key) ascending and descending, first page and a
// keyset page; each filterable field with eq, in and a selective and a broad
// range, in the default order; q, selective and broad. It captures the SQL
// the service sends (a pgx tracer), EXPLAIN ANALYZEs it, and fails when:
//   - a plan scans the model's table (but the count of a shape that matches
//     more than half of the rows, which reads them all whatever the plan);
//   - an equality, in, order or keyset shape reads more than a tenth of the
//     table only to filter the rows out (a walk of the primary key past an
//     unindexed filter);
//   - a selective q does not use its gram index (its trigram index when q
//     is shorter than a gram or holds a LIKE wildcard);
//   - a statement goes out in the wrong mode: one whose plan depends on its
//     values (q, ranges, keysets) as an unnamed statement, planned with them;
//     an equality-only one, whose generic plan is as good, as a prepared
//     statement; or the generic plan of a prepared one scans the table.
//
// Opt in with -explain; run with -v to see the plans (markdown).
func TestExplainLists(t *testing.T) {
	if !*explain {
		t.Skip("opt in with -explain")
	}
	ctx := context.Background()
	url := pgtest.NewURL(t, migrations.Source, blogmigrations.Source)
	loadUsers(t, url)
	loadPosts(t, url)
	rec := &recorder{}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = rec
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := container.New()
	if err := user.Register(c, pool); err != nil {
		t.Fatal(err)
	}
	if err := blog.Register(c, pool); err != nil {
		t.Fatal(err)
	}
	// Validate completes the models: the implicit created_at, updated_at
	// and deleted_at, which lists may be ordered and filtered by too.
	for _, mod := range []*dml.Module{usermodels.Module, blogmodels.Module} {
		if err := mod.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []struct {
		m *dml.Model
		e *entity.Entity
		q explainQ
	}{
		{usermodels.User, user.UserEntity, explainQ{selective: "person4242", broad: "example.com", wildcard: "person424_@"}},
		{blogmodels.Post, blog.PostEntity, explainQ{selective: "title 4242", broad: "title"}},
	} {
		shapes := listShapes(t, pool, x.m, x.e, x.q)
		t.Logf("## %s: %d list shapes\n", x.m.Name, len(shapes))
		var total int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+qi(x.m.TableName)).Scan(&total); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, sh := range shapes {
			rec.take()
			rows, n, err := x.e.List(ctx, c, sh.tree, sh.cfg, true)
			if err != nil {
				t.Fatalf("%s %s: %v", x.m.Name, sh.name, err)
			}
			if sh.keysetOf != nil {
				// The keyset page follows the first page's last row.
				if rows.Len() == 0 {
					t.Fatalf("%s %s: an empty first page", x.m.Name, sh.name)
				}
				rec.take()
				next := sh.keysetOf(rows.At(rows.Len() - 1))
				next.CountLimit = sh.cfg.CountLimit
				if _, _, err := x.e.List(ctx, c, sh.tree, next, true); err != nil {
					t.Fatalf("%s %s: %v", x.m.Name, sh.name, err)
				}
			}
			// Every list sends its page (a ranked q: in two parts) and its
			// count (past the bound, also the planner's estimate, an EXPLAIN
			// that reads no row); a capture that missed them would make the
			// checks below pass on nothing.
			captured := rec.take()
			var lists, counts int
			for _, q := range captured {
				switch {
				case strings.HasPrefix(q.sql, "EXPLAIN"):
				case isCount(q.sql):
					counts++
				default:
					lists++
				}
			}
			// A broad q (the planner expects more matches than the bound) is
			// not counted: its count is the estimate.
			wantCounts := 1
			if sh.q && sh.broad {
				wantCounts = 0
			}
			if lists == 0 || counts != wantCounts {
				t.Fatalf("%s %s: captured %d list and %d count statements, want a list and %d count", x.m.Name, sh.name, lists, counts, wantCounts)
			}
			for _, q := range captured {
				if strings.HasPrefix(q.sql, "EXPLAIN") {
					continue
				}
				kind, i := "list", 0
				if isCount(q.sql) {
					kind, i = "count", 1
				}
				key := fmt.Sprint(q.sql, q.args)
				if seen[key] {
					continue // the same count as another shape's
				}
				seen[key] = true
				// A bounded count (the routes', sqlb.FindConfig.CountLimit,
				// as every shape here has) of a filter most rows match may
				// walk the table, since it stops at the bound: it may read
				// four times the bound, never the whole table.
				scanBound := 0
				if kind == "count" && sh.cfg.CountLimit > 0 && 2*n > total {
					scanBound = 4 * (sh.cfg.CountLimit + 1)
				}
				// A selective q is read through its gram index when q is
				// long enough for a gram, else through its trigram index.
				index := ""
				if sh.q && !sh.broad {
					index = "_trgm"
					if sqlb.GramSearchable(sh.tree.Q) {
						index = "_q_grams"
					}
				}
				explainStatement(t, pool, x.m.TableName, fmt.Sprintf("%s %s — %s (count %d)", x.m.Name, sh.name, kind, n), q, sh.prepared[i], index, scanBound, sh.estimated, total/10)
			}
		}
	}
}

// explainQ are a model's q values: one that matches a handful of rows, one
// that matches most, and (with several searchable fields) one with a LIKE
// wildcard.
type explainQ struct{ selective, broad, wildcard string }

// listShape is one list a model's declarations allow: its filter and find
// config (for a keyset shape, the first page's; keysetOf gives the next
// page's config from its last row), whether its list and count statements
// should go out as prepared statements, and whether it is a q.
type listShape struct {
	name     string
	tree     sqlb.FilterTree
	cfg      sqlb.FindConfig
	keysetOf func(last any) sqlb.FindConfig
	prepared [2]bool
	q, broad bool
	// estimated: the planner chooses between the field's index and a walk
	// of the primary key on its estimate of the matching rows (a range, q).
	estimated bool
}

// listShapes lists the shapes m's declarations allow, with filter values
// read from the loaded table.
func listShapes(t *testing.T, pool *pgxpool.Pool, m *dml.Model, e *entity.Entity, q explainQ) []listShape {
	pk := m.PK().Name
	out := []listShape{{name: "default", cfg: sqlb.FindConfig{Take: 50}, prepared: [2]bool{true, true}}}
	for _, f := range m.Fields {
		if !m.IsSortable(f.Name) {
			continue
		}
		for _, desc := range []bool{false, true} {
			dir := "asc"
			if desc {
				dir = "desc"
			}
			cfg := sqlb.FindConfig{Take: 20, Order: []sqlb.Order{{Field: f.Name, Desc: desc}}}
			out = append(out, listShape{name: "order " + f.Name + " " + dir, cfg: cfg, prepared: [2]bool{true, true}})
			out = append(out, listShape{name: "order " + f.Name + " " + dir + ", keyset page", cfg: cfg, prepared: [2]bool{false, true},
				keysetOf: func(last any) sqlb.FindConfig {
					next := cfg
					next.After = []any{e.Value(last, f.Name), e.Value(last, pk)}
					if f.Name == pk {
						next.After = next.After[:1]
					}
					return next
				}})
		}
	}
	for _, f := range m.Fields {
		if !m.IsFilterable(f.Name) {
			continue
		}
		byPK, byField := "ORDER BY "+qi(pk), "ORDER BY "+qi(f.Name)
		eq := columnValues(t, pool, m, f, byPK, 0.0424)
		in := columnValues(t, pool, m, f, byPK, 0, 0.4, 0.8)
		top := columnValues(t, pool, m, f, byField+" DESC", 0.003)
		most := columnValues(t, pool, m, f, byField, 0.09)
		cond := func(op string, vs []any) sqlb.FilterTree {
			return sqlb.FilterTree{Conds: []sqlb.Cond{{Field: f.Name, Op: op, Values: vs}}}
		}
		out = append(out,
			listShape{name: "filter " + f.Name + " eq", tree: cond("$eq", eq), cfg: sqlb.FindConfig{Take: 50}, prepared: [2]bool{true, true}},
			listShape{name: "filter " + f.Name + " in", tree: cond("$in", in), cfg: sqlb.FindConfig{Take: 50}, prepared: [2]bool{true, true}},
			listShape{name: "filter " + f.Name + " gte (selective)", tree: cond("$gte", top), cfg: sqlb.FindConfig{Take: 50}, estimated: true},
			listShape{name: "filter " + f.Name + " gte (broad)", tree: cond("$gte", most), cfg: sqlb.FindConfig{Take: 50}, estimated: true},
		)
	}
	if modgen.SearchExpr(m) != "" {
		for _, x := range []struct {
			name, q string
			broad   bool
		}{{"q", q.selective, false}, {"q (broad)", q.broad, true}, {"q with a wildcard", q.wildcard, false}} {
			if x.q != "" {
				out = append(out, listShape{name: x.name, tree: sqlb.FilterTree{Q: x.q}, cfg: sqlb.FindConfig{Take: 50}, q: true, broad: x.broad, estimated: true})
			}
		}
	}
	// Deep pages by offset, read by a deferred join (sqlb.DeferredJoinOffset):
	// the default order and each sortable field's.
	deep := []listShape{{name: "default, offset 20000", cfg: sqlb.FindConfig{Take: 50, Skip: 20000}, prepared: [2]bool{true, true}}}
	for _, f := range m.Fields {
		if m.IsSortable(f.Name) && f.Name != pk {
			deep = append(deep, listShape{name: "order " + f.Name + ", offset 20000", prepared: [2]bool{true, true},
				cfg: sqlb.FindConfig{Take: 50, Skip: 20000, Order: []sqlb.Order{{Field: f.Name}}}})
		}
	}
	out = append(out, deep...)
	// Every shape counts as the admin routes do: exactly up to the bound,
	// then the planner's estimate.
	for i := range out {
		out[i].cfg.CountLimit = config.DefaultLimits.ListCountLimit
	}
	return out
}

// columnValues reads the values of f in the rows of m's table that order
// puts at the given fractions of those a list of f reads (the non-deleted
// rows with a value; every row with one for deleted_at), as a filter tree
// holds them (numbers as float64).
func columnValues(t *testing.T, pool *pgxpool.Pool, m *dml.Model, f *dml.Field, order string, at ...float64) []any {
	t.Helper()
	ctx := context.Background()
	where := qi(f.Name) + " IS NOT NULL"
	if f.Name != dml.DeletedAt {
		where += " AND deleted_at IS NULL"
	}
	from := " FROM " + qi(m.TableName) + " WHERE " + where
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*)"+from).Scan(&n); err != nil {
		t.Fatalf("rows of %s.%s: %v", m.Name, f.Name, err)
	}
	var out []any
	for _, a := range at {
		var v any
		if err := pool.QueryRow(ctx, fmt.Sprintf("SELECT %s%s %s OFFSET %d LIMIT 1", qi(f.Name), from, order, int(a*float64(n)))).Scan(&v); err != nil {
			t.Fatalf("value of %s.%s: %v", m.Name, f.Name, err)
		}
		switch x := v.(type) {
		case int32:
			v = float64(x)
		case int64:
			v = float64(x)
		}
		out = append(out, v)
	}
	return out
}

// isCount reports whether sql is a list's count: exact, bounded, or the
// sum the triggers of a CountRows model keep.
func isCount(sql string) bool {
	return strings.HasPrefix(sql, "SELECT count(") || strings.Contains(sql, "FROM medusa_row_counts")
}

var rowsRemoved = regexp.MustCompile(`Rows Removed by Filter: (\d+)`)

func qi(s string) string { return `"` + s + `"` }

// explainStatement EXPLAIN ANALYZEs one captured statement, with its values
// (the custom plan) and as a prepared statement under
// plan_cache_mode = force_generic_plan, logs both, and checks them and the
// statement's mode.
func explainStatement(t *testing.T, pool *pgxpool.Pool, table, name string, q capture, prepared bool, index string, scanBound int, estimated bool, maxRemoved int) {
	t.Helper()
	ctx := context.Background()
	custom := explainRows(t, pool, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+q.sql, q.args...)
	lits := make([]string, len(q.args))
	for j, a := range q.args {
		lits[j] = literal(a)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	// (Not DEALLOCATE ALL: pgx's statement cache holds this connection's
	// prepared statements.)
	for _, stmt := range []string{"SET plan_cache_mode = force_generic_plan", "PREPARE explain_p AS " + q.sql} {
		if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(stmt, err)
		}
	}
	exec := "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE explain_p"
	if len(lits) > 0 {
		exec += "(" + strings.Join(lits, ", ") + ")"
	}
	generic := explainRows(t, conn, exec)
	for _, stmt := range []string{"DEALLOCATE explain_p", "RESET plan_cache_mode"} {
		if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatal(err)
		}
	}
	shown := make([]any, len(q.args))
	for i, a := range q.args {
		shown[i] = a
		if rv := reflect.ValueOf(a); rv.Kind() == reflect.Pointer && !rv.IsNil() {
			shown[i] = rv.Elem().Interface()
		}
	}
	t.Logf("### %s\n\n```sql\n%s\n-- args: %v\n```\n\ncustom plan:\n```\n%s\n```\nforced generic plan:\n```\n%s\n```\n", name, q.sql, shown, custom, generic)
	// A statement whose plan depends on its values runs the custom plan: an
	// unnamed statement is planned with its values on every execution.
	// Equality-only statements go out as prepared statements
	// (sqlb.Where.EqualityOnly): their generic plan, checked below, is as
	// good. The forced generic plan shows what a cached prepared statement
	// could switch to.
	wantMode := pgx.QueryExecModeCacheDescribe
	if prepared {
		wantMode = 0 // no exec-mode option: the pool's default, a prepared statement
	}
	if q.mode != wantMode {
		t.Errorf("%s: sent with exec mode %v, want %v", name, q.mode, wantMode)
	}
	seqScan := regexp.MustCompile(`Seq Scan on "?` + regexp.QuoteMeta(table) + `"? \(actual rows=(\d+)[^\n]*\n(?:\s+Filter:[^\n]*\n)?(?:\s+Rows Removed by Filter: (\d+))?`)
	// scans reports whether plan scans the table beyond scanBound rows.
	scans := func(plan string) bool {
		for _, m := range seqScan.FindAllStringSubmatch(plan+"\n", -1) {
			read, _ := strconv.Atoi(m[1])
			removed, _ := strconv.Atoi(m[2])
			if scanBound == 0 || read+removed > scanBound {
				return true
			}
			t.Logf("(%s walks the table up to its bound: %d rows read)", name, read+removed)
		}
		return false
	}
	if scans(custom) {
		t.Errorf("%s: scans the table:\n%s", name, custom)
	}
	// An index scan that reads many rows to drop them (a walk of the
	// primary key filtering on an unindexed field) is no better, unless
	// the planner chose it on an estimate (a range or q it expected to
	// match many rows; see docs/modgen.md).
	if scanBound == 0 && !estimated {
		for _, m := range rowsRemoved.FindAllStringSubmatch(custom, -1) {
			if n, _ := strconv.Atoi(m[1]); n > maxRemoved {
				t.Errorf("%s: reads %d rows only to filter them out:\n%s", name, n, custom)
			}
		}
	}
	if index != "" && !strings.Contains(custom, index) {
		t.Errorf("%s: does not use its %s index:\n%s", name, index, custom)
	}
	if prepared && scans(generic) {
		t.Errorf("%s: a prepared statement whose generic plan scans the table:\n%s", name, generic)
	}
}

// loadUsers inserts 100,000 users (10% soft-deleted; created_at,
// updated_at and deleted_at spread over time) into the database at url and
// vacuums and analyzes the table.
func loadUsers(tb testing.TB, url string) {
	tb.Helper()
	load(tb, url, `INSERT INTO "user" (id, email, first_name, last_name, created_at, updated_at, deleted_at)
		SELECT 'user_' || lpad(i::text, 8, '0'), 'person' || i || '@example.com', 'First' || i, 'Last' || (i % 977),
			t, t + (i % 613) * interval '1 hour', CASE WHEN i % 10 = 7 THEN t + interval '30 days' END
		FROM generate_series(1, 100000) AS i, LATERAL (SELECT timestamptz '2026-01-01' + i * interval '1 minute' AS t) AS x`,
		`VACUUM ANALYZE "user"`)
}

// loadPosts inserts 100,000 blog posts (10% soft-deleted, views and times
// spread) into the database at url and vacuums and analyzes the table.
func loadPosts(tb testing.TB, url string) {
	tb.Helper()
	load(tb, url, `INSERT INTO post (id, title, body, views, created_at, updated_at, deleted_at)
		SELECT 'post_' || lpad(i::text, 8, '0'), 'title ' || i, 'body of post ' || i, (i * 7919) % 100003,
			t, t + (i % 613) * interval '1 hour', CASE WHEN i % 10 = 7 THEN t + interval '30 days' END
		FROM generate_series(1, 100000) AS i, LATERAL (SELECT timestamptz '2026-01-01' + i * interval '1 minute' AS t) AS x`,
		`VACUUM ANALYZE post`)
}

func load(tb testing.TB, url string, stmts ...string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkUserListFilters measures ListAndCountUsers (take 50) on 100,000
// users for some filters of TestExplainLists. Opt in with -explain.
func BenchmarkUserListFilters(b *testing.B) {
	if !*explain {
		b.Skip("opt in with -explain")
	}
	ctx := context.Background()
	url := pgtest.NewURL(b, migrations.Source)
	loadUsers(b, url)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	s, err := user.NewService(pool)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		f     user.UserFilter
		order string
		want  int
	}{
		{"id", user.UserFilter{ID: sqlb.Eq("user_00042424")}, "", 1},
		{"ids", user.UserFilter{ID: sqlb.In("user_00000001", "user_00050000", "user_00099999")}, "", 3},
		{"email", user.UserFilter{Email: sqlb.Eq("person4242@example.com")}, "", 1},
		{"q", user.UserFilter{Q: "person4242"}, "", 10},
		{"none", user.UserFilter{}, "", 90000},
		// Sortable and Filterable shapes (their list indexes).
		{"order first_name", user.UserFilter{}, "first_name", 90000},
		{"order -created_at", user.UserFilter{}, "-created_at", 90000},
		{"last_name", user.UserFilter{LastName: sqlb.Eq("Last42")}, "", 93},
	} {
		cfg := sqlb.FindConfig{Take: 50}
		if c.order != "" {
			field, desc := strings.CutPrefix(c.order, "-")
			cfg.Order = []sqlb.Order{{Field: field, Desc: desc}}
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				_, n, err := s.ListAndCountUsers(ctx, c.f, cfg)
				if err != nil || n != c.want {
					b.Fatalf("count %d, %v; want %d", n, err, c.want)
				}
			}
		})
	}
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func explainRows(t *testing.T, q querier, sql string, args ...any) string {
	t.Helper()
	if len(args) == 0 {
		args = []any{pgx.QueryExecModeSimpleProtocol}
	}
	rows, err := q.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
