package migrate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// userV1 and userV2 are two releases of a module: v2 adds a migration that
// depends on v1's.
var (
	user1 = file("-- migrate:up\nCREATE TABLE \"user\" (id text PRIMARY KEY);\n-- migrate:down\nDROP TABLE \"user\";")
	user2 = file("-- migrate:up\nALTER TABLE \"user\" ADD COLUMN email text;\n-- migrate:down\nALTER TABLE \"user\" DROP COLUMN email;")
	user3 = file("-- migrate:up\nCREATE INDEX user_email ON \"user\" (email);\n-- migrate:down\nDROP INDEX user_email;")

	userV1 = migrate.Source{Module: "user", FS: fstest.MapFS{"0001_create_user.sql": user1, "0002_add_email.sql": user2}}
	userV2 = migrate.Source{Module: "user", FS: fstest.MapFS{"0001_create_user.sql": user1, "0002_add_email.sql": user2, "0003_index_email.sql": user3}}

	auth1  = file("-- migrate:up\nCREATE TABLE auth_identity (id text PRIMARY KEY);\n-- migrate:down\nDROP TABLE auth_identity;")
	auth2  = file("-- migrate:up\nCREATE TABLE provider_identity (id text PRIMARY KEY, auth_identity_id text REFERENCES auth_identity (id));\n-- migrate:down\nDROP TABLE provider_identity;")
	authV1 = migrate.Source{Module: "auth", FS: fstest.MapFS{"0001_create_auth_identity.sql": auth1}}
	authV2 = migrate.Source{Module: "auth", FS: fstest.MapFS{"0001_create_auth_identity.sql": auth1, "0002_create_provider_identity.sql": auth2}}
)

type record struct {
	Module, Version, Name string
	Batch                 int
}

func recorded(t *testing.T, pool *pgxpool.Pool) []record {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT module, version, name, batch FROM medusa_migrations ORDER BY batch, module, version`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[record])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantRecorded(t *testing.T, pool *pgxpool.Pool, want ...record) {
	t.Helper()
	got := recorded(t, pool)
	if !slices.Equal(got, want) {
		t.Fatalf("medusa_migrations holds\n  %v\nwant\n  %v", got, want)
	}
}

// tables lists the public tables other than medusa_migrations.
func tables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'medusa_migrations' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantTables(t *testing.T, pool *pgxpool.Pool, want ...string) {
	t.Helper()
	if got := tables(t, pool); !slices.Equal(got, want) {
		t.Fatalf("tables %v, want %v", got, want)
	}
}

func names(ms []migrate.Migration) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Module+"/"+m.Name)
	}
	return out
}

func wantNames(t *testing.T, what string, ms []migrate.Migration, want ...string) {
	t.Helper()
	if got := names(ms); !slices.Equal(got, want) {
		t.Fatalf("%s %v, want %v", what, got, want)
	}
}

func columnExists(t *testing.T, pool *pgxpool.Pool, table, column string) bool {
	t.Helper()
	var ok bool
	err := pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2)`, table, column).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestUpAppliesInOrderAndRecordsBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	t0 := time.Now()
	done, err := migrate.New(pool, userV1, authV1).Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, "applied", done, "user/0001_create_user", "user/0002_add_email", "auth/0001_create_auth_identity")
	wantTables(t, pool, "auth_identity", "user")
	if !columnExists(t, pool, "user", "email") {
		t.Fatal("0002_add_email did not run")
	}
	wantRecorded(t, pool,
		record{"auth", "0001", "0001_create_auth_identity", 1},
		record{"user", "0001", "0001_create_user", 1},
		record{"user", "0002", "0002_add_email", 1})

	// Second Up: nothing to do, nothing recorded.
	again, err := migrate.New(pool, userV1, authV1).Up(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Up = %v, %v; want a no-op", names(again), err)
	}
	if n := len(recorded(t, pool)); n != 3 {
		t.Fatalf("%d records after a no-op Up", n)
	}

	// A new release adds migrations to both modules: one new batch.
	done, err = migrate.New(pool, userV2, authV2).Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, "applied", done, "user/0003_index_email", "auth/0002_create_provider_identity")
	wantRecorded(t, pool,
		record{"auth", "0001", "0001_create_auth_identity", 1},
		record{"user", "0001", "0001_create_user", 1},
		record{"user", "0002", "0002_add_email", 1},
		record{"auth", "0002", "0002_create_provider_identity", 2},
		record{"user", "0003", "0003_index_email", 2})

	st, err := migrate.New(pool, userV2, authV2).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if !s.Applied || s.AppliedAt.Before(t0.Add(-time.Minute)) || s.AppliedAt.After(time.Now().Add(time.Minute)) {
			t.Errorf("status %s/%s: applied=%v at %v", s.Module, s.Name, s.Applied, s.AppliedAt)
		}
	}
}

func TestFailingMigrationRollsBackTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := migrate.New(pool, userV1).Up(ctx); err != nil {
		t.Fatal(err)
	}
	bad := migrate.Source{Module: "auth", FS: fstest.MapFS{
		"0001_create_auth_identity.sql": auth1,
		"0002_broken.sql":               file("-- migrate:up\nCREATE TABLE broken (id text REFERENCES nowhere (id));\n-- migrate:down\nDROP TABLE broken;"),
	}}
	done, err := migrate.New(pool, userV2, bad).Up(ctx)
	if err == nil {
		t.Fatal("Up with a broken migration succeeded")
	}
	if done != nil {
		t.Errorf("failed Up reported applied migrations: %v", names(done))
	}
	if !strings.Contains(err.Error(), "auth/0002_broken") {
		t.Errorf("error %q does not name the failing migration", err)
	}
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "42P01" {
		t.Errorf("the Postgres error is not reachable: %v", err)
	}
	// user/0003 and auth/0001 ran before the failure; both are undone.
	wantTables(t, pool, "user")
	var idx bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'user_email')`).Scan(&idx); err != nil || idx {
		t.Fatalf("index of user/0003 survived the failed batch (%v)", err)
	}
	wantRecorded(t, pool,
		record{"user", "0001", "0001_create_user", 1},
		record{"user", "0002", "0002_add_email", 1})
}

func TestUpRejectsBadSourcesBeforeTouchingTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	bad := migrate.Source{Module: "auth", FS: fstest.MapFS{"0001_create_auth_identity.sql": file("CREATE TABLE auth_identity (id text);")}}
	if _, err := migrate.New(pool, userV1, bad).Up(ctx); err == nil || !strings.Contains(err.Error(), "migrate:up") {
		t.Fatalf("err = %v, want the Load error", err)
	}
	wantTables(t, pool)
	wantRecorded(t, pool)
}

func TestRollbackRevertsTheLastBatchOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := migrate.New(pool, userV1, authV1).Up(ctx); err != nil {
		t.Fatal(err)
	}
	m := migrate.New(pool, userV2, authV2)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}

	undone, err := m.Rollback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: sources in reverse, versions in reverse.
	wantNames(t, "reverted", undone, "auth/0002_create_provider_identity", "user/0003_index_email")
	wantTables(t, pool, "auth_identity", "user")
	if len(recorded(t, pool)) != 3 {
		t.Fatalf("records after rolling back batch 2: %v", recorded(t, pool))
	}

	undone, err = m.Rollback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, "reverted", undone, "auth/0001_create_auth_identity", "user/0002_add_email", "user/0001_create_user")
	wantTables(t, pool)
	wantRecorded(t, pool)

	undone, err = m.Rollback(ctx)
	if err != nil || len(undone) != 0 {
		t.Fatalf("rollback with nothing applied = %v, %v", names(undone), err)
	}

	// Up again after a full rollback starts over.
	if done, err := m.Up(ctx); err != nil || len(done) != 5 {
		t.Fatalf("Up after rollback = %v, %v", names(done), err)
	}
}

func TestRollbackPerModule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := migrate.New(pool, userV1, authV1).Up(ctx); err != nil { // batch 1
		t.Fatal(err)
	}
	m := migrate.New(pool, userV2, authV1)
	if _, err := m.Up(ctx); err != nil { // batch 2: user/0003 only
		t.Fatal(err)
	}

	// auth's last batch is 1: only auth's part of it is reverted.
	undone, err := m.Rollback(ctx, "auth")
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, "reverted", undone, "auth/0001_create_auth_identity")
	wantTables(t, pool, "user")
	wantRecorded(t, pool,
		record{"user", "0001", "0001_create_user", 1},
		record{"user", "0002", "0002_add_email", 1},
		record{"user", "0003", "0003_index_email", 2})

	undone, err = m.Rollback(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, "reverted", undone, "user/0003_index_email")
	if !columnExists(t, pool, "user", "email") {
		t.Fatal("rolling back user's batch 2 reverted batch 1 too")
	}

	if _, err := m.Rollback(ctx, "user", "payment"); err == nil || !strings.Contains(err.Error(), `unknown module "payment"`) {
		t.Fatalf("rollback of an unknown module: %v", err)
	}
	if len(recorded(t, pool)) != 2 {
		t.Fatal("a rejected rollback changed the records")
	}
}

func TestRollbackRefusesMigrationWithoutDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	src := migrate.Source{Module: "user", FS: fstest.MapFS{
		"0001_create_user.sql": file("-- migrate:up\nCREATE TABLE \"user\" (id text PRIMARY KEY);"),
		"0002_add_email.sql":   user2,
	}}
	m := migrate.New(pool, src)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	undone, err := m.Rollback(ctx)
	if err == nil || !strings.Contains(err.Error(), "user/0001_create_user has no down section") {
		t.Fatalf("err = %v, want a refusal naming user/0001_create_user", err)
	}
	if undone != nil {
		t.Errorf("refused rollback reported reverted migrations: %v", names(undone))
	}
	// 0002 was reverted before 0001 refused; the refusal undoes that too.
	if !columnExists(t, pool, "user", "email") {
		t.Fatal("a refused rollback reverted part of the batch")
	}
	if len(recorded(t, pool)) != 2 {
		t.Fatalf("records after refused rollback: %v", recorded(t, pool))
	}
}

func TestRollbackWithFailingDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	src := migrate.Source{Module: "user", FS: fstest.MapFS{
		"0001_create_user.sql": file("-- migrate:up\nCREATE TABLE \"user\" (id text PRIMARY KEY);\n-- migrate:down\nDROP TABLE usr;"),
	}}
	m := migrate.New(pool, src)
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rollback(ctx); err == nil || !strings.Contains(err.Error(), "revert user/0001_create_user") {
		t.Fatalf("err = %v, want the failing down named", err)
	}
	wantTables(t, pool, "user")
	wantRecorded(t, pool, record{"user", "0001", "0001_create_user", 1})
}

func TestStatus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := migrate.New(pool, userV1).Up(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := migrate.New(pool, userV2, authV1).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		name    string
		applied bool
		batch   int
	}
	var got []row
	for _, s := range st {
		got = append(got, row{s.Module + "/" + s.Name, s.Applied, s.Batch})
		if s.Applied == s.AppliedAt.IsZero() {
			t.Errorf("%s/%s: applied=%v but applied_at=%v", s.Module, s.Name, s.Applied, s.AppliedAt)
		}
		if s.Up == "" {
			t.Errorf("%s/%s: status lacks the migration's text", s.Module, s.Name)
		}
	}
	want := []row{
		{"user/0001_create_user", true, 1},
		{"user/0002_add_email", true, 1},
		{"user/0003_index_email", false, 0},
		{"auth/0001_create_auth_identity", false, 0},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("status\n  %v\nwant\n  %v", got, want)
	}
	// Status changes nothing.
	wantTables(t, pool, "user")
}

func TestStatusOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS medusa_migrations`); err != nil {
		t.Fatal(err)
	}
	st, err := migrate.New(pool, userV1).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Applied || st[1].Applied {
		t.Fatalf("status on a fresh database: %+v", st)
	}
}

// TestConcurrentUp starts several processes' worth of Up at once on one
// database; the advisory lock makes each migration run exactly once.
func TestConcurrentUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	// Not idempotent on purpose: a second run fails ("already exists") and
	// the counter shows how often each up ran.
	counted := migrate.Source{Module: "user", FS: fstest.MapFS{
		"0001_create_user.sql": user1,
		"0002_counter.sql":     file("-- migrate:up\nCREATE TABLE runs (n int);\nINSERT INTO runs VALUES (1);"),
		"0003_add_email.sql":   file("-- migrate:up\nALTER TABLE \"user\" ADD COLUMN email text;\nINSERT INTO runs VALUES (3);"),
	}}
	const n = 4
	var wg sync.WaitGroup
	applied := make([][]migrate.Migration, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		// Separate pools, as separate processes would have.
		p, err := pgxpool.New(ctx, pool.Config().ConnString())
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		wg.Go(func() {
			<-start
			applied[i], errs[i] = migrate.New(p, counted).Up(ctx)
		})
	}
	close(start)
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Up %d: %v", i, errs[i])
		}
		if len(applied[i]) != 0 && len(applied[i]) != 3 {
			t.Fatalf("Up %d applied part of the batch: %v", i, names(applied[i]))
		}
		total += len(applied[i])
	}
	if total != 3 {
		t.Fatalf("%d migrations applied in all, want 3", total)
	}
	var runs []int
	rows, err := pool.Query(ctx, `SELECT n FROM runs ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	if runs, err = pgx.CollectRows(rows, pgx.RowTo[int]); err != nil || !slices.Equal(runs, []int{1, 3}) {
		t.Fatalf("runs %v (%v), want [1 3]", runs, err)
	}
	if len(recorded(t, pool)) != 3 {
		t.Fatalf("records: %v", recorded(t, pool))
	}
}

func TestMigratorRejectsBadSourceLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	for _, tc := range []struct {
		sources []migrate.Source
		want    string
	}{
		{[]migrate.Source{userV1, userV2}, `module "user" is given twice`},
		{[]migrate.Source{{FS: userV1.FS}}, "no module name"},
	} {
		if _, err := migrate.New(pool, tc.sources...).Up(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Up: %v, want %q", err, tc.want)
		}
		if _, err := migrate.New(pool, tc.sources...).Status(ctx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Status: %v, want %q", err, tc.want)
		}
	}
	wantTables(t, pool)
	wantRecorded(t, pool)
}

// A migration marked transaction:false runs outside a transaction, which
// CREATE INDEX CONCURRENTLY needs; the migrations around it still apply and
// roll back as one batch.
func TestNonTransactionalMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	concurrently := file("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS user_email ON \"user\" (email);\n" +
		"-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS user_email;")
	src := migrate.Source{Module: "user", FS: fstest.MapFS{
		"0001_create_user.sql": user1, "0002_add_email.sql": user2, "0003_index_email.sql": concurrently,
		"0004_add_name.sql": file("-- migrate:up\nALTER TABLE \"user\" ADD COLUMN name text;\n-- migrate:down\nALTER TABLE \"user\" DROP COLUMN name;"),
	}}
	ms, err := migrate.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	if !ms[2].UpNoTx || !ms[2].DownNoTx || ms[1].UpNoTx || ms[2].Up != `CREATE INDEX CONCURRENTLY IF NOT EXISTS user_email ON "user" (email);` {
		t.Fatalf("parsed: %+v", ms[2])
	}
	m := migrate.New(pool, src)
	done, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(done); !slices.Equal(got, []string{"user/0001_create_user", "user/0002_add_email", "user/0003_index_email", "user/0004_add_name"}) {
		t.Fatalf("applied %v", got)
	}
	var valid bool
	if err := pool.QueryRow(ctx, `SELECT indisvalid FROM pg_index WHERE indexrelid = 'user_email'::regclass`).Scan(&valid); err != nil || !valid {
		t.Fatalf("index valid = %v, %v", valid, err)
	}
	wantRecorded(t, pool, record{"user", "0001", "0001_create_user", 1}, record{"user", "0002", "0002_add_email", 1},
		record{"user", "0003", "0003_index_email", 1}, record{"user", "0004", "0004_add_name", 1})
	undone, err := m.Rollback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(undone) != 4 {
		t.Fatalf("reverted %v", names(undone))
	}
	wantTables(t, pool)
	wantRecorded(t, pool)
}

// A transaction:false section must be one statement; when it fails, the
// migrations before it stay applied (they were committed first) and it is
// not recorded. An unknown option is refused before anything runs.
func TestNonTransactionalMigrationErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	two := file("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a ON \"user\" (id);\nCREATE INDEX CONCURRENTLY b ON \"user\" (id);")
	m := migrate.New(pool, migrate.Source{Module: "user", FS: fstest.MapFS{"0001_create_user.sql": user1, "0002_two.sql": two}})
	_, err := m.Up(ctx)
	if err == nil || !strings.Contains(err.Error(), "apply user/0002_two (transaction:false, a single statement)") {
		t.Fatalf("err = %v", err)
	}
	wantTables(t, pool, "user")
	wantRecorded(t, pool, record{"user", "0001", "0001_create_user", 1})

	bad := migrate.New(pool, migrate.Source{Module: "x", FS: fstest.MapFS{"0001_x.sql": file("-- migrate:up transaction:no\nCREATE TABLE x ();")}})
	if _, err := bad.Up(ctx); err == nil || !strings.Contains(err.Error(), `x/0001_x.sql: -- migrate:up: unknown option "transaction:no"`) {
		t.Fatalf("err = %v", err)
	}
	wantTables(t, pool, "user")
}
