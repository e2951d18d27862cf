package db_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// limitedPool opens a pool on a fresh database with l applied.
func limitedPool(t *testing.T, l db.Limits, configure ...func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	url := pgtest.NewURL(t, source(t))
	pool, err := db.Open(context.Background(), url, append([]func(*pgxpool.Config){db.WithLimits(l)}, configure...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// wantTransient checks that err is classified as code and answered 503.
func wantTransient(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if got := merrors.Transient(err); got != code {
		t.Fatalf("%s: Transient(%v) = %q, want %q", what, err, got, code)
	}
	status, body := merrors.HTTP(err)
	if status != http.StatusServiceUnavailable || body.Type != "unavailable" || body.Code != code {
		t.Fatalf("%s: HTTP = %d %+v, want 503 unavailable %s", what, status, body, code)
	}
	// Mapped by a module (FromPg), it stays transient.
	if got := merrors.Transient(merrors.FromPg(err)); got != code {
		t.Fatalf("%s: Transient(FromPg(err)) = %q, want %q", what, got, code)
	}
}

// The statement timeout cancels a slow statement on the server (57014),
// and that is a transient timeout (503).
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	pool := limitedPool(t, db.Limits{StatementTimeout: 100 * time.Millisecond})
	var setting string
	if err := pool.QueryRow(ctx, `SHOW statement_timeout`).Scan(&setting); err != nil || setting != "100ms" {
		t.Fatalf("statement_timeout = %q, %v", setting, err)
	}
	start := time.Now()
	_, err := pool.Exec(ctx, `SELECT pg_sleep(5)`)
	if time.Since(start) > 3*time.Second {
		t.Fatalf("the slow statement ran %v", time.Since(start))
	}
	wantTransient(t, "statement timeout", err, merrors.CodeTimeout)
	// A statement_timeout in the connection string wins over the limit.
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t) + "&statement_timeout=7000")
	if err != nil {
		t.Fatal(err)
	}
	db.WithLimits(db.Limits{StatementTimeout: time.Second})(cfg)
	if got := cfg.ConnConfig.RuntimeParams["statement_timeout"]; got != "7000" {
		t.Fatalf("the URL's statement_timeout was replaced: %q", got)
	}
	// Migrations are not bound by it.
	m := migrate.New(pool, migrate.Source{Module: "slow", FS: slowMigration})
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("a migration slower than the statement timeout: %v", err)
	}
	if err := pool.QueryRow(ctx, `SHOW statement_timeout`).Scan(&setting); err != nil || setting != "100ms" {
		t.Fatalf("statement_timeout after migrating = %q, %v", setting, err)
	}
}

// When every connection of the pool stays busy longer than AcquireTimeout,
// the next caller fails in that time with a transient error instead of
// queueing behind them; once a connection is free, calls work again.
func TestAcquireTimeout(t *testing.T) {
	ctx := context.Background()
	pool := limitedPool(t, db.Limits{AcquireTimeout: 150 * time.Millisecond}, func(c *pgxpool.Config) { c.MaxConns = 2 })
	held := make([]*pgxpool.Conn, 2)
	for i := range held {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held[i] = c
	}
	start := time.Now()
	_, err := pool.Exec(ctx, `SELECT 1`)
	if waited := time.Since(start); waited < 100*time.Millisecond || waited > 2*time.Second {
		t.Fatalf("waited %v for a connection, want about 150ms", waited)
	}
	wantTransient(t, "pool exhausted", err, merrors.CodeTimeout)
	held[0].Release()
	if _, err := pool.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	held[1].Release()
	// A short wait within the bound succeeds.
	c, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(30 * time.Millisecond); c.Release() }()
	for range 2 {
		c2, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatalf("acquire within the bound: %v", err)
		}
		defer c2.Release()
	}
}

// Errors of a database that went away, from a real server: a connection
// terminated by an administrator (what a fast restart does to every
// session), a refused connection, a closed pool. All are transient
// (database_unavailable, 503); a real SQL error is not.
func TestTransientErrorsFromARealServer(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t, source(t))
	victim, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	var pid int
	if err := victim.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	_, err = victim.Exec(ctx, `SELECT 1`)
	wantTransient(t, "terminated by administrator", err, merrors.CodeDatabaseUnavailable)
	_, err = victim.Exec(ctx, `SELECT 1`) // the connection is closed now
	wantTransient(t, "closed connection", err, merrors.CodeDatabaseUnavailable)

	// A port nobody listens on (taken, then freed).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	ln.Close()
	_, err = pgx.Connect(ctx, "postgres://nobody@127.0.0.1:"+itoa(addr.Port)+"/x?connect_timeout=2")
	wantTransient(t, "connection refused", err, merrors.CodeDatabaseUnavailable)

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	_, err = pool.Exec(ctx, `SELECT 1`)
	wantTransient(t, "closed pool", err, merrors.CodeDatabaseUnavailable)

	_, err = admin.Exec(ctx, `SELEC 1`)
	if code := merrors.Transient(err); code != "" {
		t.Fatalf("a syntax error is transient: %q", code)
	}
	if status, _ := merrors.HTTP(merrors.FromPg(err)); status != http.StatusInternalServerError {
		t.Fatalf("a syntax error answers %d", status)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = admin.Exec(cctx, `SELECT 1`)
	if !errors.Is(err, context.Canceled) || merrors.Transient(err) != "" {
		t.Fatalf("a cancelled context (the client went away) is transient: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// slowMigration takes longer than the statement timeout of TestStatementTimeout.
var slowMigration = fstest.MapFS{"0001_slow.sql": &fstest.MapFile{Data: []byte("-- migrate:up\nSELECT pg_sleep(0.3);\n\n-- migrate:down\nSELECT 1;\n")}}
