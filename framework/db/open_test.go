package db_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	u := pgtest.NewURL(t, source(t))
	ctx := context.Background()
	pool, err := db.Open(ctx, u, func(c *pgxpool.Config) { c.MaxConns = 3 })
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if got := pool.Config().MaxConns; got != 3 {
		t.Fatalf("configure func not applied: MaxConns = %d", got)
	}
	var one int
	if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("query on opened pool: %d, %v", one, err)
	}
}

func TestOpenFromEnvironment(t *testing.T) {
	u := pgtest.NewURL(t, source(t))
	t.Setenv("DATABASE_URL", u)
	pool, err := db.Open(context.Background(), "")
	if err != nil {
		t.Fatalf("Open with DATABASE_URL set: %v", err)
	}
	defer pool.Close()
	var name string
	if err := pool.QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "/"+name) {
		t.Fatalf("connected to %s, not the database of DATABASE_URL %s", name, u)
	}
}

func TestOpenWithoutURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	pool, err := db.Open(context.Background(), "")
	if !errors.Is(err, db.ErrNoDatabaseURL) || pool != nil {
		t.Fatalf("Open(\"\") = %v, %v; want ErrNoDatabaseURL", pool, err)
	}
	if !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("error %q does not say which variable to set", err)
	}
}

func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"postgres://user:pw@host:notaport/db",
		"mysql://localhost/db",
		"host=localhost port=abc",
	} {
		pool, err := db.Open(context.Background(), u)
		if err == nil {
			pool.Close()
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if !strings.HasPrefix(err.Error(), "db: parse database URL:") {
			t.Errorf("Open(%q) = %v, want a parse error", u, err)
		}
	}
}

func TestOpenUnreachableServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, u := range []string{
		// Nothing listens on TCP port 1.
		"postgres://bob:s3cret-pw@127.0.0.1:1/shop?connect_timeout=2",
		// No socket in this directory.
		"postgres:///shop?host=/nonexistent-medusa-socket-dir&user=bob&password=s3cret-pw",
	} {
		pool, err := db.Open(ctx, u)
		if err == nil {
			pool.Close()
			t.Fatalf("Open(%q) succeeded", u)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "db: ping bob@") || !strings.Contains(msg, "/shop") {
			t.Errorf("unreachable error %q should name user, host and database", msg)
		}
		if strings.Contains(msg, "s3cret-pw") {
			t.Errorf("error leaks the password: %q", msg)
		}
	}
}

func TestOpenUnknownDatabase(t *testing.T) {
	t.Parallel()
	u := pgtest.Server(t) // the maintenance database's URL
	if pu, err := url.Parse(u); err == nil && pu.Scheme != "" {
		pu.Path = "/no_such_database_xyz"
		u = pu.String()
	} else {
		u += " dbname=no_such_database_xyz" // keyword/value form
	}
	pool, err := db.Open(context.Background(), u)
	if err == nil {
		pool.Close()
		t.Fatalf("Open of a missing database succeeded (%s)", u)
	}
	if !strings.Contains(err.Error(), "no_such_database_xyz") {
		t.Fatalf("error %q does not name the missing database", err)
	}
}
