package pgembed_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// tempRoot returns a directory the postgres OS user can enter (when running
// as root the server runs as that user, and t.TempDir() is mode 0700), removed
// when the test ends.
func tempRoot(t testing.TB) string {
	t.Helper()
	root, err := os.MkdirTemp("", "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(root); err != nil {
			t.Errorf("remove %s: %v", root, err)
		}
	})
	return root
}

func needBinaries(t testing.TB) string {
	t.Helper()
	bin, err := pgembed.FindBinaries()
	if err != nil {
		// The harness (framework/pgtest) fails loudly without binaries; here
		// the server itself is under test, so there is nothing to run.
		t.Skipf("no Postgres binaries: %v", err)
	}
	return bin
}

func options(root string) pgembed.Options {
	return pgembed.Options{
		DataDir:   filepath.Join(root, "data"),
		SocketDir: filepath.Join(root, "run"),
		Logger:    slog.New(slog.DiscardHandler),
		Settings:  map[string]string{"fsync": "off"},
	}
}

// start starts a server and stops it when the test ends, whatever happens.
func start(t testing.TB, opts pgembed.Options) *pgembed.Server {
	t.Helper()
	s, err := pgembed.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func TestFindBinariesEmptyPGBin(t *testing.T) {
	t.Setenv("PG_BIN", t.TempDir())
	_, err := pgembed.FindBinaries()
	if !errors.Is(err, pgembed.ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	for _, want := range []string{"PG_BIN=", "apt-get install postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestFindBinariesIncompletePGBin(t *testing.T) {
	dir := t.TempDir()
	// initdb alone, and a postgres that is not executable.
	if err := os.WriteFile(filepath.Join(dir, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "postgres"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PG_BIN", dir)
	if _, err := pgembed.FindBinaries(); !errors.Is(err, pgembed.ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
}

func TestFindBinariesPGBin(t *testing.T) {
	bin := needBinaries(t)
	t.Setenv("PG_BIN", bin)
	got, err := pgembed.FindBinaries()
	if err != nil || got != bin {
		t.Fatalf("FindBinaries with PG_BIN=%s = %q, %v", bin, got, err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if st, err := os.Stat(filepath.Join(got, name)); err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s/%s is not an executable: %v", got, name, err)
		}
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	ctx := context.Background()
	if _, err := pgembed.Start(ctx, pgembed.Options{}); err == nil || !strings.Contains(err.Error(), "DataDir") {
		t.Fatalf("Start without DataDir: %v", err)
	}
	root := tempRoot(t)
	opts := options(root)
	opts.SocketDir = filepath.Join(root, strings.Repeat("s", 120))
	if _, err := pgembed.Start(ctx, opts); err == nil || !strings.Contains(err.Error(), "too long for a unix socket") {
		t.Fatalf("Start with a long socket dir: %v", err)
	}
	opts = options(root)
	t.Setenv("PG_BIN", t.TempDir())
	if _, err := pgembed.Start(ctx, opts); !errors.Is(err, pgembed.ErrNoBinaries) {
		t.Fatalf("Start without binaries: %v, want ErrNoBinaries", err)
	}
	if _, err := os.Stat(opts.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed Start left a data directory behind (%v)", err)
	}
}

func TestStartRefusesUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another OS user")
	}
	needBinaries(t)
	// t.TempDir() is 0700 and owned by root: the postgres user cannot enter it.
	_, err := pgembed.Start(context.Background(), options(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "postgres OS user cannot enter") {
		t.Fatalf("err = %v, want a clear refusal", err)
	}
}

func TestReachable(t *testing.T) {
	open := tempRoot(t) // 0755
	if err := pgembed.Reachable(filepath.Join(open, "not", "yet", "there")); err != nil {
		t.Errorf("missing directories under an enterable one: %v", err)
	}
	closed := t.TempDir() // 0700 (and its parent), this process's
	err := pgembed.Reachable(filepath.Join(closed, "data"))
	if os.Geteuid() != 0 {
		if err != nil {
			t.Errorf("not root (the server runs as this user): %v", err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), "postgres OS user cannot enter "+filepath.Dir(closed)) {
		t.Errorf("as root, a directory under a 0700 one: err = %v, want it named", err)
	}
}

// TestServerLifecycle runs one cluster through its life (one initdb keeps
// the test fast): start, a second server on the same data directory, a bad
// setting, stop twice, restart, and the data is still there.
func TestServerLifecycle(t *testing.T) {
	needBinaries(t)
	ctx := context.Background()
	root := tempRoot(t)
	opts := options(root)
	opts.Port = 5433
	// Missing parents are created, and the postgres user can enter them.
	opts.DataDir = filepath.Join(root, "nested", "cluster", "data")
	s := start(t, opts)
	if s.DataDir() != opts.DataDir {
		t.Fatalf("DataDir() = %s, want %s", s.DataDir(), opts.DataDir)
	}
	if _, err := os.Stat(filepath.Join(opts.DataDir, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster initialised: %v", err)
	}

	u := s.URL("my db")
	for _, want := range []string{"postgres:///my%20db?", "host=" + strings.ReplaceAll(opts.SocketDir, "/", "%2F"), "port=5433", "user=postgres"} {
		if !strings.Contains(u, want) {
			t.Errorf("URL %q lacks %q", u, want)
		}
	}
	if _, err := os.Stat(filepath.Join(opts.SocketDir, ".s.PGSQL.5433")); err != nil {
		t.Errorf("no socket for port 5433: %v", err)
	}
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatalf("connect to %s: %v", s.URL("postgres"), err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives restarts')`); err != nil {
		t.Fatal(err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil || fsync != "off" {
		t.Errorf("Settings not applied: fsync = %q (%v)", fsync, err)
	}
	conn.Close(ctx)

	t.Run("second server on a running cluster", func(t *testing.T) {
		_, err := pgembed.Start(ctx, opts)
		if err == nil {
			t.Fatal("a second server started on a data directory in use")
		}
		// The error quotes the server's log, which says why.
		if !strings.Contains(err.Error(), "postmaster.pid") || !strings.Contains(err.Error(), "log") {
			t.Fatalf("error does not quote the server log: %v", err)
		}
		t.Logf("as expected: %v", err)
	})

	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := pgx.Connect(ctx, s.URL("postgres")); err == nil {
		t.Fatal("server still answers after Stop")
	}

	t.Run("invalid setting", func(t *testing.T) {
		bad := opts
		bad.Settings = map[string]string{"shared_buffers": "banana"}
		_, err := pgembed.Start(ctx, bad)
		if err == nil {
			t.Fatal("server started with shared_buffers=banana")
		}
		for _, want := range []string{"exited during start-up", filepath.Join(root, "nested", "cluster", "postgres.log"), `"shared_buffers"`, "banana"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q:\n%v", want, err)
			}
		}
		t.Logf("as expected: %v", err)
	})

	s2 := start(t, opts)
	conn, err = pgx.Connect(ctx, s2.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, `SELECT v FROM kept`).Scan(&v); err != nil || v != "survives restarts" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
	conn.Close(ctx)
	if err := s2.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStopBeforeStartAndCancelledStart(t *testing.T) {
	var zero pgembed.Server
	if err := zero.Stop(context.Background()); err != nil {
		t.Fatalf("Stop of a never-started server: %v", err)
	}
	needBinaries(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := tempRoot(t)
	if _, err := pgembed.Start(ctx, options(root)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Start with a cancelled context: %v, want context.Canceled", err)
	}
}

// Kill takes the whole server down at once (postmaster and backends); a
// Start on the same directory recovers the cluster with what was
// committed.
func TestKillAndRecover(t *testing.T) {
	needBinaries(t)
	ctx := context.Background()
	root := tempRoot(t)
	opts := options(root)
	s := start(t, opts)
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE k (v int); INSERT INTO k VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	if s.PID() == 0 {
		t.Fatal("no pid")
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("Kill returned before the server exited")
	}
	if _, err := conn.Exec(ctx, `SELECT 1`); err == nil {
		t.Fatal("a backend survived Kill")
	}
	s2 := start(t, opts)
	conn2, err := pgx.Connect(ctx, s2.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(ctx)
	var v int
	if err := conn2.QueryRow(ctx, `SELECT v FROM k`).Scan(&v); err != nil || v != 1 {
		t.Fatalf("after recovery: %d, %v", v, err)
	}
}
