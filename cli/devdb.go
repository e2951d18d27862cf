package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// devDatabase is the database medusa-go dev creates on its embedded server.
const devDatabase = "medusa"

// devFallbackRoot holds the development clusters of projects the postgres
// OS user cannot enter (see devPaths). A variable for the tests.
var devFallbackRoot = "/var/lib/medusa-go"

// devPaths returns the development cluster's base directory and its socket
// directory. The base is <dir>/.medusa, unless this process runs as root
// and the postgres OS user, which the server then runs as, cannot enter the
// project (a checkout under /root, mode 0700): then it is
// devFallbackRoot/<project hash>, and moved says why. Unix socket paths are
// short-limited, so the socket lives in the temporary directory, one per
// project directory.
func devPaths(dir string) (base, sock string, moved error, err error) {
	base, err = filepath.Abs(filepath.Join(dir, ".medusa"))
	if err != nil {
		return "", "", nil, err
	}
	sum := sha256.Sum256([]byte(base))
	h := hex.EncodeToString(sum[:])[:12]
	sock = filepath.Join(os.TempDir(), "medusa-go-"+h)
	if moved = pgembed.Reachable(filepath.Join(base, "postgres")); moved != nil {
		if _, statErr := os.Stat(filepath.Join(base, "postgres", "PG_VERSION")); statErr == nil {
			// A cluster is already there (made before this fallback existed,
			// or the project's mode changed since): keep it, and let Start
			// report why it cannot run.
			return base, sock, nil, nil
		}
		base = filepath.Join(devFallbackRoot, "medusa-go-"+h)
	}
	return base, sock, moved, nil
}

// runningDev returns the development database's URL when the embedded server
// of the project is already up (medusa-go dev in another terminal).
func runningDev(ctx context.Context, sock string) (string, bool) {
	if _, err := os.Stat(filepath.Join(sock, ".s.PGSQL.5432")); err != nil {
		return "", false
	}
	q := url.Values{"host": {sock}, "port": {"5432"}, "user": {"postgres"}, "sslmode": {"disable"}}
	u := "postgres:///" + devDatabase + "?" + q.Encode()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, u)
	if err != nil {
		return "", false
	}
	_ = conn.Close(cctx)
	return u, true
}

// startEmbedded returns the URL of the development database and a stop
// function: the running development server's when medusa-go dev is up
// (stop is then a no-op), else a persistent server it starts, whose cluster
// lives in <dir>/.medusa/postgres (or devFallbackRoot, see devPaths),
// creating the database if missing.
func startEmbedded(ctx context.Context, dir string, out io.Writer, log *slog.Logger) (string, func(context.Context) error, error) {
	base, sock, moved, err := devPaths(dir)
	if err != nil {
		return "", nil, err
	}
	if u, ok := runningDev(ctx, sock); ok {
		fmt.Fprintln(out, "medusa-go: using the running development server")
		return u, func(context.Context) error { return nil }, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", base, err)
	}
	// The postgres OS user must be able to reach .medusa when we run as root.
	if os.Geteuid() == 0 {
		_ = os.Chmod(base, 0o755)
	}
	if moved != nil {
		fmt.Fprintf(out, "medusa-go: the postgres OS user cannot reach the project's .medusa (%v): the development cluster lives in %s instead\n", moved, base)
	}
	fmt.Fprintf(out, "medusa-go: starting embedded Postgres (data in %s)...\n", filepath.Join(base, "postgres"))
	t0 := time.Now()
	srv, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   filepath.Join(base, "postgres"),
		SocketDir: sock,
		LogFile:   filepath.Join(base, "postgres.log"),
		Logger:    log,
	})
	if err != nil {
		return "", nil, fmt.Errorf("embedded Postgres: %w (or set DATABASE_URL to use an existing server)", err)
	}
	conn, err := pgx.Connect(ctx, srv.URL("postgres"))
	if err != nil {
		_ = srv.Stop(context.Background())
		return "", nil, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, devDatabase).Scan(&exists); err != nil {
		_ = srv.Stop(context.Background())
		return "", nil, err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+devDatabase); err != nil {
			_ = srv.Stop(context.Background())
			return "", nil, fmt.Errorf("create database %s: %w", devDatabase, err)
		}
	}
	fmt.Fprintf(out, "medusa-go: Postgres ready in %s\n", time.Since(t0).Round(time.Millisecond))
	return srv.URL(devDatabase), srv.Stop, nil
}

// openDB opens DATABASE_URL, or, when it is unset, the development database
// of the project in dir (see startEmbedded); embedded tells which. closeDB
// closes the pool and stops a server started for the command.
func openDB(ctx context.Context, env *cliEnv, dir string) (pool *pgxpool.Pool, embedded bool, closeDB func(), err error) {
	u := env.databaseURL()
	stop := func(context.Context) error { return nil }
	if u == "" {
		embedded = true
		if u, stop, err = startEmbedded(ctx, dir, env.stderr, nil); err != nil {
			return nil, false, nil, err
		}
	}
	pool, err = db.Open(ctx, u)
	if err != nil {
		_ = stop(context.Background())
		return nil, false, nil, err
	}
	return pool, embedded, func() {
		pool.Close()
		_ = stop(context.Background())
	}, nil
}
