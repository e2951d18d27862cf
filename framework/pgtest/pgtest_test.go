package pgtest_test

import (
	"context"
	"embed"
	"io/fs"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

//go:embed testdata/migrations/*.sql
var migrationsFS embed.FS

func source(t testing.TB) migrate.Source {
	sub, err := fs.Sub(migrationsFS, "testdata/migrations")
	if err != nil {
		t.Fatal(err)
	}
	return migrate.Source{Module: "widgets", FS: sub}
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewPoolIsMigratedAndIsolated(t *testing.T) {
	ctx := context.Background()
	a := pgtest.NewPool(t, source(t))
	b := pgtest.NewPool(t, source(t))
	if _, err := a.Exec(ctx, `INSERT INTO widget VALUES ('w1', 'gear')`); err != nil {
		t.Fatalf("insert into migrated table: %v", err)
	}
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM widget`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second database sees %d rows of the first; databases are not isolated", n)
	}
	var dbA, dbB string
	_ = a.QueryRow(ctx, `SELECT current_database()`).Scan(&dbA)
	_ = b.QueryRow(ctx, `SELECT current_database()`).Scan(&dbB)
	if dbA == dbB {
		t.Fatalf("both pools on %s", dbA)
	}
}

func TestUniqueViolationIsMapped(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	if _, err := pool.Exec(ctx, `INSERT INTO widget VALUES ('w1', 'gear')`); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `INSERT INTO widget VALUES ('w2', 'gear')`)
	mapped := merrors.FromPg(err)
	if !merrors.Is(mapped, merrors.InvalidData) {
		t.Fatalf("type = %v, want invalid_data", merrors.TypeOf(mapped))
	}
	if got, want := mapped.Error(), "Widget with name: gear, already exists."; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
	if !merrors.IsUniqueViolation(mapped, "widget_name_key") {
		t.Fatal("cause lost: IsUniqueViolation is false on the mapped error")
	}
}

func TestNotNullAndFKAreMapped(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	_, err := pool.Exec(ctx, `INSERT INTO widget (id) VALUES ('w1')`)
	if got, want := merrors.FromPg(err).Error(), "Cannot set field 'name' of Widget to null"; got != want {
		t.Fatalf("not-null: %q, want %q", got, want)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE part (id text PRIMARY KEY, widget_id text REFERENCES widget(id))`); err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO part VALUES ('p1', 'nope')`)
	m := merrors.FromPg(err)
	if !merrors.Is(m, merrors.NotFound) || m.Error() != "You tried to set relationship widget_id: nope, but such entity does not exist" {
		t.Fatalf("fk: %v %q", merrors.TypeOf(m), m.Error())
	}
}

func TestSerializationFailureIsConflict(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, source(t))
	if _, err := pool.Exec(ctx, `INSERT INTO widget VALUES ('w1', 'gear')`); err != nil {
		t.Fatal(err)
	}
	opts := pgx.TxOptions{IsoLevel: pgx.Serializable}
	t1, err := pool.BeginTx(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	t2, err := pool.BeginTx(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer t2.Rollback(ctx)
	var s string
	_ = t1.QueryRow(ctx, `SELECT name FROM widget WHERE id='w1'`).Scan(&s)
	_ = t2.QueryRow(ctx, `SELECT name FROM widget WHERE id='w1'`).Scan(&s)
	if _, err := t1.Exec(ctx, `UPDATE widget SET name='a' WHERE id='w1'`); err != nil {
		t.Fatal(err)
	}
	if err := t1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = t2.Exec(ctx, `UPDATE widget SET name='b' WHERE id='w1'`)
	if !merrors.Is(merrors.FromPg(err), merrors.Conflict) {
		t.Fatalf("got %v (%v), want conflict", merrors.TypeOf(merrors.FromPg(err)), err)
	}
}

// TestDatabaseReadyLatency reports (does not assert) how long a test's
// database takes to be ready once the template exists.
func TestDatabaseReadyLatency(t *testing.T) {
	pgtest.NewURL(t, source(t)) // warm: server + template
	var d []time.Duration
	for range 15 {
		t0 := time.Now()
		pgtest.NewURL(t, source(t))
		d = append(d, time.Since(t0))
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	t.Logf("per-test database ready: median %v, max %v (n=%d)", d[len(d)/2], d[len(d)-1], len(d))
}

func BenchmarkNewDatabase(b *testing.B) {
	src := source(b)
	pgtest.NewURL(b, src)
	b.ResetTimer()
	for b.Loop() {
		pgtest.NewURL(b, src)
	}
}
