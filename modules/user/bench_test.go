package user

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	userdb "github.com/medusa-go/medusa/modules/user/db"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// BenchmarkCreateUsers creates 10,000 users in one CreateUsers call per
// iteration (DTOs returned, one module event per user emitted after commit)
// and reports rows/s. docs/perf/user.md has the numbers.
func BenchmarkCreateUsers(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, migrations.Source)
	bus := &recordingBus{Local: events.NewLocal()}
	s, err := New(pool, Options{JWTSecret: "bench"}, WithEventBus(bus))
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	batch := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		batch++
		in := make([]CreateUserInput, n)
		for i := range in {
			first := fmt.Sprint("First", i)
			in[i] = CreateUserInput{Email: fmt.Sprintf("b%d-%d@example.com", batch, i), FirstName: &first}
		}
		b.StartTimer()
		out, err := s.CreateUsers(ctx, in...)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if calls := bus.take(); len(out) != n || len(calls) != 1 || len(calls[0]) != n {
			b.Fatalf("%d DTOs, %d Emit calls", len(out), len(calls))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*batch)/b.Elapsed().Seconds(), "rows/s")
}

// sqlTracer captures the statements a pool sends.
type sqlTracer struct {
	mu   sync.Mutex
	last []capturedSQL
}

type capturedSQL struct {
	sql  string
	args []any
}

func (r *sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c := capturedSQL{sql: d.SQL}
	for _, a := range d.Args {
		if _, ok := a.(pgx.QueryExecMode); !ok {
			c.args = append(c.args, a)
		}
	}
	r.mu.Lock()
	r.last = append(r.last, c)
	r.mu.Unlock()
	return ctx
}

func (r *sqlTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *sqlTracer) take() []capturedSQL {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.last
	r.last = nil
	return c
}

// BenchmarkListAndCountUsers measures ListAndCountUsers (take 50, the admin
// default) on 100,000 users (10% soft-deleted) with q and with an email
// filter, and logs the EXPLAIN ANALYZE of the list and count statements the
// service sends (run with -v to see them).
func BenchmarkListAndCountUsers(b *testing.B) {
	ctx := context.Background()
	tr := &sqlTracer{}
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(b, migrations.Source))
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	for _, sql := range []string{
		`INSERT INTO "user" (id, email, first_name, last_name)
		 SELECT 'user_' || lpad(i::text, 8, '0'), 'person' || i || '@example.com', 'First' || i, 'Last' || (i % 977)
		 FROM generate_series(1, 100000) AS i`,
		`UPDATE "user" SET deleted_at = now() WHERE id LIKE '%7'`,
		`VACUUM ANALYZE "user"`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	s, err := NewService(pool)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		f     UserFilter
		count int
	}{
		{"q=person4242", UserFilter{Q: "person4242"}, 10},
		{"q=Last97", UserFilter{Q: "Last97"}, 735},
		{"q=example.com", UserFilter{Q: "example.com"}, 90000},
		{"email", UserFilter{Email: sqlb.Eq("person4242@example.com")}, 1},
		{"email-in-3", UserFilter{Email: sqlb.In("person1@example.com", "person50000@example.com", "person99999@example.com")}, 3},
	} {
		b.Run(c.name, func(b *testing.B) {
			tr.take()
			_, n, err := s.ListAndCountUsers(ctx, c.f, sqlb.FindConfig{Take: 50})
			if err != nil || n != c.count {
				b.Fatalf("count %d, want %d: %v", n, c.count, err)
			}
			for i, q := range tr.take() {
				rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) "+q.sql, q.args...)
				if err != nil {
					b.Fatal(err)
				}
				plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("%s %s\n%s\n-- args %v\n%s", c.name, []string{"list", "count"}[i], q.sql, q.args, strings.Join(plan, "\n"))
			}
			for b.Loop() {
				if _, _, err := s.ListAndCountUsers(ctx, c.f, sqlb.FindConfig{Take: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUserInsertCeiling is the database's own cost of 10,000 user rows
// (one INSERT … SELECT FROM generate_series, no client work), with the
// module's indexes and without the three pg_trgm GIN indexes that serve q:
// the ceiling any CreateUsers can reach on this machine.
func BenchmarkUserInsertCeiling(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct{ name, setup string }{
		{"module-indexes", ""},
		{"without-trgm-index", `DROP INDEX "IDX_user_q_trgm"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			pool := pgtest.NewPool(b, migrations.Source)
			if c.setup != "" {
				if _, err := pool.Exec(ctx, c.setup); err != nil {
					b.Fatal(err)
				}
			}
			batch := 0
			for b.Loop() {
				batch++
				if _, err := pool.Exec(ctx, `INSERT INTO "user" (id, email, first_name, created_at, updated_at)
					SELECT 'user_' || $1::int || '_' || g, 'b' || $1::int || '-' || g || '@example.com', 'First' || g, now(), now()
					FROM generate_series(1, 10000) AS g`, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(10000*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkCreateFewUsers creates 1 and 50 users per CreateUsers call (the
// statement path, one created event per user emitted after commit): what a
// bulk path must not slow down.
func BenchmarkCreateFewUsers(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			pool := pgtest.NewPool(b, migrations.Source)
			s, err := NewService(pool, WithEventBus(events.NewLocal()))
			if err != nil {
				b.Fatal(err)
			}
			in := make([]CreateUserInput, n)
			batch := 0
			for b.Loop() {
				batch++
				for i := range in {
					in[i] = CreateUserInput{Email: fmt.Sprintf("f%d-%d@example.com", batch, i)}
				}
				if out, err := s.CreateUsers(ctx, in...); err != nil || len(out) != n {
					b.Fatalf("%d users, %v", len(out), err)
				}
			}
		})
	}
}

// BenchmarkCreatePaths compares CreateUsers' two ways of writing n rows, at
// the sizes around sqlb.CopyMin: one INSERT … SELECT FROM unnest(…)
// RETURNING (insertUsers) and one COPY with the DTOs built in Go
// (copyUsers), each in its own transaction, without events. Run with
// -count to interleave them.
func BenchmarkCreatePaths(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, migrations.Source)
	s, err := NewService(pool)
	if err != nil {
		b.Fatal(err)
	}
	batch := 0
	for _, n := range []int{100, 500, 1000, 2000, 10000} {
		for _, path := range []string{"insert", "copy"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, path), func(b *testing.B) {
				write := s.insertUsers
				if path == "copy" {
					write = s.copyUsers
				}
				in, out := make([]CreateUserInput, n), make([]User, n)
				for b.Loop() {
					b.StopTimer()
					batch++
					for i := range in {
						first := fmt.Sprint("First", i)
						in[i] = CreateUserInput{Email: fmt.Sprintf("p%d-%d@example.com", batch, i), FirstName: &first}
					}
					b.StartTimer()
					if err := s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error { return write(ctx, in, out) }); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/row")
			})
		}
	}
}

// BenchmarkSoftDeleteOne soft-deletes and restores one user per iteration
// (two calls, each one statement sent unnamed and planned for its ids, see
// sqlb.Replanned): what a soft delete from the admin costs.
func BenchmarkSoftDeleteOne(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b, migrations.Source)
	s, err := NewService(pool, WithEventBus(events.NewLocal()))
	if err != nil {
		b.Fatal(err)
	}
	in := make([]CreateUserInput, 1000)
	for i := range in {
		in[i] = CreateUserInput{Email: fmt.Sprintf("s%d@example.com", i)}
	}
	users, err := s.CreateUsers(ctx, in...)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		id := users[i%len(users)].ID
		i++
		if keys, err := s.SoftDeleteUsers(ctx, id); err != nil || len(keys["user_id"]) != 1 {
			b.Fatalf("soft delete: %v, %v", keys, err)
		}
		if keys, err := s.RestoreUsers(ctx, id); err != nil || len(keys["user_id"]) != 1 {
			b.Fatalf("restore: %v, %v", keys, err)
		}
	}
}
