package modgen_test

import (
	"context"
	"flag"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

var explain = flag.Bool("explain", false, "run TestExplainUserLists (loads 100k users; see docs/modgen.md; CI runs it)")

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

func literal(v any) string {
	switch v := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = literal(s)
		}
		return "ARRAY[" + strings.Join(q, ",") + "]"
	}
	return fmt.Sprint(v)
}

var seqScanOnUser = regexp.MustCompile(`Seq Scan on "?user"?`)

// TestExplainUserLists loads 100,000 users and shows, for the list and count
// queries the generated UserService sends for filters by id, ids, email and
// q, that the q queries are sent as unnamed statements (planned with their
// values every time), the equality ones (id, ids, email) as prepared
// statements, and that those plans use an index (for q, the one
// trigram index over the joined searchable fields, IDX_user_q_trgm). It also shows the
// forced generic plans: fine for id, ids and email (so they may be
// prepared), a table walk for q, which is why q must not get a generic plan.
// Opt in with -explain; run with -v to see the plans.
func TestExplainUserLists(t *testing.T) {
	if !*explain {
		t.Skip("opt in with -explain")
	}
	ctx := context.Background()
	url := pgtest.NewURL(t, migrations.Source)
	loadUsers(t, url)
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
	s, err := user.NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    user.UserFilter
	}{
		{"id", user.UserFilter{ID: sqlb.Eq("user_00042424")}},
		{"ids", user.UserFilter{ID: sqlb.In("user_00000001", "user_00050000", "user_00099999")}},
		{"email", user.UserFilter{Email: sqlb.Eq("person4242@example.com")}},
		{"q", user.UserFilter{Q: "person4242"}},
		// A q with a LIKE wildcard: the joined ILIKE narrows through the
		// index, the per-field OR decides.
		{"q with a wildcard", user.UserFilter{Q: "person424_@"}},
	}
	for _, c := range cases {
		rec.take()
		if _, _, err := s.ListAndCountUsers(ctx, c.f, sqlb.FindConfig{Take: 50}); err != nil {
			t.Fatal(err)
		}
		// Every filter sends its list and its count; a capture that missed
		// them would make the checks below pass on nothing.
		captured := rec.take()
		if len(captured) != 2 {
			t.Fatalf("filter %s: captured %d statements, want 2 (the list and its count)", c.name, len(captured))
		}
		for i, q := range captured {
			kind := []string{"list", "count"}[i]
			custom := explainRows(t, pool, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+q.sql, q.args...)
			lits := make([]string, len(q.args))
			for j, a := range q.args {
				lits[j] = literal(a)
			}
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []string{"DEALLOCATE ALL", "SET plan_cache_mode = force_generic_plan", "PREPARE p AS " + q.sql} {
				if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
					t.Fatal(stmt, err)
				}
			}
			exec := "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE p"
			if len(lits) > 0 {
				exec += "(" + strings.Join(lits, ", ") + ")"
			}
			generic := explainRows(t, conn, exec)
			for _, stmt := range []string{"DEALLOCATE p", "RESET plan_cache_mode"} {
				if _, err := conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
					t.Fatal(err)
				}
			}
			conn.Release()
			t.Logf("### filter %s — %s\n\n```sql\n%s\n-- args: %v\n```\n\ncustom plan:\n```\n%s\n```\nforced generic plan:\n```\n%s\n```\n", c.name, kind, q.sql, q.args, custom, generic)
			// A filter whose plan depends on its values (q) runs the custom plan:
			// an unnamed statement is planned with its values on every
			// execution. Equality filters (id, ids, email) go out as prepared
			// statements (sqlb.Where.EqualityOnly): their generic plan, shown
			// below, is the custom one. The forced generic plan shows what a
			// cached prepared statement could switch to.
			wantMode := pgx.QueryExecModeCacheDescribe
			if !strings.HasPrefix(c.name, "q") {
				wantMode = 0 // no exec-mode option: the pool's default, a prepared statement
			}
			if q.mode != wantMode {
				t.Errorf("filter %s (%s) sent with exec mode %v, want %v", c.name, kind, q.mode, wantMode)
			}
			if seqScanOnUser.MatchString(custom) {
				t.Errorf("filter %s (%s) scans the table", c.name, kind)
			}
			if strings.HasPrefix(c.name, "q") && !strings.Contains(custom, `"IDX_user_q_trgm"`) {
				t.Errorf("filter q (%s) does not use the trigram index IDX_user_q_trgm", kind)
			}
			if !strings.HasPrefix(c.name, "q") && seqScanOnUser.MatchString(generic) {
				t.Errorf("filter %s (%s): even its generic plan should use an index", c.name, kind)
			}
		}
	}
}

// loadUsers inserts 100,000 users (10% soft-deleted) into the database at
// url and analyzes the table.
func loadUsers(tb testing.TB, url string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`INSERT INTO "user" (id, email, first_name, last_name)
		SELECT 'user_' || lpad(i::text, 8, '0'), 'person' || i || '@example.com', 'First' || i, 'Last' || (i % 977)
		FROM generate_series(1, 100000) AS i`,
		`UPDATE "user" SET deleted_at = now() WHERE id LIKE '%7'`,
		`ANALYZE "user"`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkUserListFilters measures ListAndCountUsers (take 50) on 100,000
// users for the filters of TestExplainUserLists. Opt in with -explain.
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
		name string
		f    user.UserFilter
		want int
	}{
		{"id", user.UserFilter{ID: sqlb.Eq("user_00042424")}, 1},
		{"ids", user.UserFilter{ID: sqlb.In("user_00000001", "user_00050000", "user_00099999")}, 3},
		{"email", user.UserFilter{Email: sqlb.Eq("person4242@example.com")}, 1},
		{"q", user.UserFilter{Q: "person4242"}, 10},
		{"none", user.UserFilter{}, 90000},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				_, n, err := s.ListAndCountUsers(ctx, c.f, sqlb.FindConfig{Take: 50})
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
