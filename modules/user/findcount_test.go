package user

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/rt"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestListAndCountPages checks rt.Find's pages (scanned in place into a
// preallocated slice) and counts for pages inside and past the end,
// keysets, filters, selections and soft-deleted rows, against ListUsers, and
// that a list and count costs two statements (the page and the count).
func TestListAndCountPages(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t, migrations.Source))
	if err != nil {
		t.Fatal(err)
	}
	sc := &statementCounter{}
	cfg.ConnConfig.Tracer = sc
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := New(pool, Options{JWTSecret: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var in []CreateUserInput
	for i := range 25 {
		first := fmt.Sprint("First", i%3)
		in = append(in, CreateUserInput{ID: fmt.Sprintf("user_%02d", i), Email: fmt.Sprintf("u%02d@example.com", i), FirstName: &first})
	}
	if _, err := s.CreateUsers(ctx, in...); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SoftDeleteUsers(ctx, "user_03", "user_04"); err != nil {
		t.Fatal(err)
	}
	first0 := "First0"
	cases := []struct {
		name       string
		f          UserFilter
		cfg        rt.FindConfig
		rows, n    int
		statements int64
	}{
		{"first page", UserFilter{}, rt.FindConfig{Take: 10}, 10, 23, 2},
		{"all", UserFilter{}, rt.FindConfig{}, 23, 23, 2},
		{"last partial page", UserFilter{}, rt.FindConfig{Take: 10, Skip: 20}, 3, 23, 2},
		{"past the end", UserFilter{}, rt.FindConfig{Take: 10, Skip: 30}, 0, 23, 2},
		{"with deleted", UserFilter{}, rt.FindConfig{Take: 5, WithDeleted: true}, 5, 25, 2},
		{"filter", UserFilter{FirstName: rt.Eq(first0)}, rt.FindConfig{Take: 3}, 3, 8, 2},
		{"filter and select", UserFilter{FirstName: rt.Eq(first0)}, rt.FindConfig{Take: 3, Select: []string{"email"}}, 3, 8, 2},
		{"no match", UserFilter{Email: rt.Eq("nobody@example.com")}, rt.FindConfig{Take: 10}, 0, 0, 2},
		{"keyset", UserFilter{}, rt.FindConfig{Take: 5, After: []any{"user_20"}}, 4, 23, 2},
		{"keyset past the end", UserFilter{}, rt.FindConfig{Take: 5, After: []any{"user_24"}}, 0, 23, 2},
		{"keyset and filter", UserFilter{FirstName: rt.Eq(first0)}, rt.FindConfig{Take: 2, After: []any{"user_06"}, Order: []rt.Order{{Field: "id"}}}, 2, 8, 2},
		{"descending", UserFilter{}, rt.FindConfig{Take: 2, Order: []rt.Order{{Field: "email", Desc: true}}}, 2, 23, 2},
	}
	for _, c := range cases {
		before := sc.n.Load()
		got, n, err := s.ListAndCountUsers(ctx, c.f, c.cfg)
		statements := sc.n.Load() - before
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != c.rows || n != c.n {
			t.Errorf("%s: %d rows, count %d; want %d rows, count %d", c.name, len(got), n, c.rows, c.n)
		}
		if statements != c.statements {
			t.Errorf("%s: %d statements, want %d", c.name, statements, c.statements)
		}
		// The page is what ListUsers reads with the same config.
		page, err := s.ListUsers(ctx, c.f, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, page), mustJSON(t, got); a != b {
			t.Errorf("%s: page %v, ListUsers %v", c.name, got, page)
		}
	}
	// In a transaction, too (the statement joins it).
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `DELETE FROM "user" WHERE id = 'user_00'`); err != nil {
		t.Fatal(err)
	}
	if got, n, err := s.ListAndCountUsers(db.WithTx(ctx, tx), UserFilter{}, rt.FindConfig{Take: 1}); err != nil || n != 22 || len(got) != 1 || got[0].ID != "user_01" {
		t.Fatalf("in a transaction: %v, %d, %v", got, n, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
