package user

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user/migrations"
)

// TestListAndCountPages checks sqlb.Find's pages (scanned in place into a
// preallocated slice) and counts for pages inside and past the end,
// keysets, filters, selections and soft-deleted rows, against ListUsers, and
// that a list and count costs two statements (the page and the count), sent
// in one round trip (a batch) when both are prepared statements (no keyset).
func TestListAndCountPages(t *testing.T) {
	ctx := context.Background()
	pool, sc := pgtest.NewCountedPool(t, pgtest.NewURL(t, migrations.Source), nil)
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
		name    string
		f       UserFilter
		cfg     sqlb.FindConfig
		rows, n int
		trips   int64
	}{
		{"first page", UserFilter{}, sqlb.FindConfig{Take: 10}, 10, 23, 1},
		{"all", UserFilter{}, sqlb.FindConfig{}, 23, 23, 1},
		{"last partial page", UserFilter{}, sqlb.FindConfig{Take: 10, Skip: 20}, 3, 23, 1},
		{"past the end", UserFilter{}, sqlb.FindConfig{Take: 10, Skip: 30}, 0, 23, 1},
		{"with deleted", UserFilter{}, sqlb.FindConfig{Take: 5, WithDeleted: true}, 5, 25, 1},
		{"filter", UserFilter{FirstName: sqlb.Eq(first0)}, sqlb.FindConfig{Take: 3}, 3, 8, 1},
		{"filter and select", UserFilter{FirstName: sqlb.Eq(first0)}, sqlb.FindConfig{Take: 3, Select: []string{"email"}}, 3, 8, 1},
		{"no match", UserFilter{Email: sqlb.Eq("nobody@example.com")}, sqlb.FindConfig{Take: 10}, 0, 0, 1},
		{"keyset", UserFilter{}, sqlb.FindConfig{Take: 5, After: []any{"user_20"}}, 4, 23, 2},
		{"keyset past the end", UserFilter{}, sqlb.FindConfig{Take: 5, After: []any{"user_24"}}, 0, 23, 2},
		{"keyset and filter", UserFilter{FirstName: sqlb.Eq(first0)}, sqlb.FindConfig{Take: 2, After: []any{"user_06"}, Order: []sqlb.Order{{Field: "id"}}}, 2, 8, 2},
		{"descending", UserFilter{}, sqlb.FindConfig{Take: 2, Order: []sqlb.Order{{Field: "email", Desc: true}}}, 2, 23, 1},
		// Ranked (no order): counted first, then read sorted by rank (few matches).
		{"search (unnamed statements)", UserFilter{Q: "u0"}, sqlb.FindConfig{Take: 3}, 3, 8, 2},
		{"search in an order", UserFilter{Q: "u0"}, sqlb.FindConfig{Take: 3, Order: []sqlb.Order{{Field: "id"}}}, 3, 8, 2},
		{"range (unnamed statements)", UserFilter{Email: sqlb.Gt("u20")}, sqlb.FindConfig{Take: 3}, 3, 5, 2},
	}
	for _, c := range cases {
		before, tripsBefore := sc.Statements.Load(), sc.RoundTrips.Load()
		got, n, err := s.ListAndCountUsers(ctx, c.f, c.cfg)
		statements, trips := sc.Statements.Load()-before, sc.RoundTrips.Load()-tripsBefore
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(got) != c.rows || n != c.n {
			t.Errorf("%s: %d rows, count %d; want %d rows, count %d", c.name, len(got), n, c.rows, c.n)
		}
		if statements != 2 || trips != c.trips {
			t.Errorf("%s: %d statements in %d round trips, want 2 in %d", c.name, statements, trips, c.trips)
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
	if got, n, err := s.ListAndCountUsers(db.WithTx(ctx, tx), UserFilter{}, sqlb.FindConfig{Take: 1}); err != nil || n != 22 || len(got) != 1 || got[0].ID != "user_01" {
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

// newPoolService returns the module with options {jwt_secret: "test"} (and
// the default event bus) on a fresh database, and its pool.
func newPoolService(t *testing.T) (*pgxpool.Pool, *Service) {
	t.Helper()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := New(pool, Options{JWTSecret: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return pool, s
}

// TestFindScansTextLikePgx checks that sqlb.Find's own scan of text columns
// (strings copied into blocks shared by the page) gives what pgx's Scan
// gives: empty strings, NULLs (nil *string), multi-byte text and values
// longer than a page's first block, on pages of one, a few and all rows.
func TestFindScansTextLikePgx(t *testing.T) {
	ctx := context.Background()
	pool, s := newPoolService(t)
	str := func(v string) *string { return &v }
	long := strings.Repeat("λ", 3000)
	in := []CreateUserInput{
		{ID: "user_a", Email: "a@example.com"},
		{ID: "user_b", Email: "b@example.com", FirstName: str(""), LastName: str("")},
		{ID: "user_c", Email: "c@example.com", FirstName: str("Zoë"), LastName: str("Ødegård"), AvatarURL: str("https://x.test/c.png")},
		{ID: "user_d", Email: "d@example.com", FirstName: str(long), AvatarURL: str(long + long)},
		{ID: "user_e", Email: long + "@example.com", LastName: str("E")},
	}
	if _, err := s.CreateUsers(ctx, in...); err != nil {
		t.Fatal(err)
	}
	// Times: a soft-deleted row (a non-NULL **time.Time), one far in the
	// past and far in the future (decoded by pgx, past sqlb.Find's fast range),
	// and microseconds before 2000 (negative offsets).
	for _, q := range []string{
		`UPDATE "user" SET deleted_at = '1999-12-31 23:59:59.999999+00' WHERE id = 'user_a'`,
		`UPDATE "user" SET created_at = '0050-01-01 00:00:00.5+00', deleted_at = '9999-12-31 23:59:59.123456+00' WHERE id = 'user_b'`,
		`UPDATE "user" SET updated_at = '1970-01-01 00:00:00.000001+00' WHERE id = 'user_c'`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	cols := make([]string, len(userTable.Fields))
	for i, c := range userTable.Fields {
		cols[i] = sqlb.QuoteIdent(c)
	}
	rows, err := pool.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM "user" ORDER BY "id"`)
	if err != nil {
		t.Fatal(err)
	}
	var want []User
	for rows.Next() {
		var u User
		dests := make([]any, len(userTable.Fields))
		for i, c := range userTable.Fields {
			dests[i] = u.dest(c)
		}
		if err := rows.Scan(dests...); err != nil {
			t.Fatal(err)
		}
		want = append(want, u)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, take := range []int{0, 1, 2, 3} {
		step := take
		if take == 0 {
			step = len(want)
		}
		for skip := 0; skip < len(want); skip += step {
			got, err := s.ListUsers(ctx, UserFilter{}, sqlb.FindConfig{Take: take, Skip: skip, WithDeleted: true})
			if err != nil {
				t.Fatal(err)
			}
			end := len(want)
			if take > 0 {
				end = min(skip+take, len(want))
			}
			if a, b := mustJSON(t, got), mustJSON(t, want[skip:end]); a != b {
				t.Errorf("take %d skip %d:\n got %s\nwant %s", take, skip, a, b)
			}
			for i := range got {
				w := want[skip+i]
				if (got[i].FirstName == nil) != (w.FirstName == nil) || (got[i].LastName == nil) != (w.LastName == nil) || (got[i].AvatarURL == nil) != (w.AvatarURL == nil) {
					t.Errorf("take %d skip %d row %d: NULLs differ", take, skip, i)
				}
				// The same time.Time values (instant and location), not only the same JSON.
				if got[i].CreatedAt != w.CreatedAt || got[i].UpdatedAt != w.UpdatedAt || (got[i].DeletedAt == nil) != (w.DeletedAt == nil) || got[i].DeletedAt != nil && *got[i].DeletedAt != *w.DeletedAt {
					t.Errorf("take %d skip %d row %d: times differ: %v %v %v, want %v %v %v", take, skip, i, got[i].CreatedAt, got[i].UpdatedAt, got[i].DeletedAt, w.CreatedAt, w.UpdatedAt, w.DeletedAt)
				}
			}
		}
	}
	// An infinite deleted_at: sqlb.Find leaves it to pgx, with pgx's error.
	if _, err := pool.Exec(ctx, `UPDATE "user" SET deleted_at = 'infinity' WHERE id = 'user_e'`); err != nil {
		t.Fatal(err)
	}
	rows, err = pool.Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM "user" WHERE id = 'user_e'`)
	if err != nil {
		t.Fatal(err)
	}
	var u User
	var pgxErr error
	for rows.Next() {
		dests := make([]any, len(userTable.Fields))
		for i, c := range userTable.Fields {
			dests[i] = u.dest(c)
		}
		pgxErr = rows.Scan(dests...)
	}
	rows.Close()
	_, findErr := s.ListUsers(ctx, UserFilter{ID: sqlb.Eq("user_e")}, sqlb.FindConfig{WithDeleted: true})
	if pgxErr == nil || findErr == nil || !strings.Contains(findErr.Error(), pgxErr.Error()) {
		t.Errorf("infinite deleted_at: Find %v, pgx %v", findErr, pgxErr)
	}
}

// TestFindWithRows checks sqlb.WithRows: the first Find under the context
// reads into the buffer's array when it holds the page, later ones and
// pages larger than the buffer get their own.
func TestFindWithRows(t *testing.T) {
	ctx := context.Background()
	_, s := newPoolService(t)
	var in []CreateUserInput
	for i := range 8 {
		in = append(in, CreateUserInput{ID: fmt.Sprintf("user_%02d", i), Email: fmt.Sprintf("u%02d@example.com", i)})
	}
	if _, err := s.CreateUsers(ctx, in...); err != nil {
		t.Fatal(err)
	}
	buf := make([]User, 0, 5)
	shares := func(rows []User) bool { return len(rows) > 0 && &rows[:1][0] == &buf[:1][0] }
	bctx := sqlb.WithRows(ctx, buf)
	first, n, err := s.ListAndCountUsers(bctx, UserFilter{}, sqlb.FindConfig{Take: 5})
	if err != nil || n != 8 || len(first) != 5 || first[0].ID != "user_00" || !shares(first) {
		t.Fatalf("first Find: %d rows, count %d, %v; in the buffer: %v", len(first), n, err, shares(first))
	}
	second, err := s.ListUsers(bctx, UserFilter{}, sqlb.FindConfig{Take: 5, Skip: 5})
	if err != nil || len(second) != 3 || shares(second) || first[0].ID != "user_00" || second[0].ID != "user_05" {
		t.Fatalf("second Find under the same context: %v, %v, in the buffer: %v", second, err, shares(second))
	}
	big, err := s.ListUsers(sqlb.WithRows(ctx, buf), UserFilter{}, sqlb.FindConfig{Take: 6})
	if err != nil || len(big) != 6 || shares(big) || first[0].ID != "user_00" {
		t.Fatalf("page larger than the buffer: %v, %v, in the buffer: %v", big, err, shares(big))
	}
}
