package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgembed"
)

// EnvURL names the variable that points the harness at an existing server
// (a superuser URL; databases are created and dropped on it).
const EnvURL = "TEST_DATABASE_URL"

// EnvKeep, set to 1, keeps the throwaway server and failed tests' databases
// after the run, for inspection.
const EnvKeep = "PGTEST_KEEP"

type server struct {
	adminURL string // URL of the maintenance database "postgres"
	kind     string // "external", "local", "fallback"
	stop     func(context.Context) error
	started  time.Duration
}

var (
	srvOnce sync.Once
	srv     *server
	srvErr  error

	tmplMu sync.Mutex
	tmpls  = map[string]string{} // source hash → template database name

	seq atomic.Int64
)

// Main runs the package's tests and then stops the throwaway server, if one
// was started. Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if err := Shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	os.Exit(code)
}

// Shutdown stops the throwaway server if this process started one. Main calls
// it; call it yourself only with a custom TestMain.
func Shutdown() error {
	if srv == nil || srv.stop == nil {
		return nil
	}
	if os.Getenv(EnvKeep) == "1" {
		fmt.Fprintf(os.Stderr, "pgtest: %s=1, leaving the server running at %s\n", EnvKeep, srv.adminURL)
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.stop(ctx)
}

// Server returns the superuser URL of the maintenance database of the test
// server, starting the server on first use. It fails the test when no server
// can be had.
func Server(t testing.TB) string {
	t.Helper()
	s, err := getServer()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return s.adminURL
}

func getServer() (*server, error) {
	srvOnce.Do(func() {
		t0 := time.Now()
		srv, srvErr = startServer(context.Background())
		if srv != nil {
			srv.started = time.Since(t0)
		}
	})
	return srv, srvErr
}

func startServer(ctx context.Context) (*server, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return &server{adminURL: u, kind: "external"}, nil
	}
	bin, binErr := pgembed.FindBinaries()
	if binErr == nil {
		return startLocal(ctx, bin)
	}
	s, name, fbErr := startFallback(ctx)
	if fbErr == nil {
		return s, nil
	}
	return nil, fmt.Errorf("no PostgreSQL server for tests. Tried, in order:\n"+
		"  1. %s: not set (point it at a superuser URL of an existing server);\n"+
		"  2. local binaries: %v;\n"+
		"  3. %s: %v", EnvURL, binErr, name, fbErr)
}

// EnvDir overrides where the throwaway cluster lives.
const EnvDir = "PGTEST_DIR"

// scratchDir picks where the throwaway cluster lives: $PGTEST_DIR, else
// /dev/shm when it is a writable tmpfs with room to spare (CREATE DATABASE
// … FILE_COPY copies the template's files: ~20 ms on tmpfs against
// 120–500 ms on an ext4 /tmp under load, see docs/perf/foundation.md), else
// the system temporary directory. The data is throwaway and fsync is off, so
// memory is the right place for it.
func scratchDir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	const shm = "/dev/shm"
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && st.Type == tmpfsMagic && st.Bavail*uint64(st.Bsize) > 1<<30 {
		if f, err := os.CreateTemp(shm, "pgtest-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}

// tmpfsMagic is TMPFS_MAGIC from linux/magic.h.
const tmpfsMagic = 0x01021994

func startLocal(ctx context.Context, bin string) (*server, error) {
	// Not t.TempDir(): the postgres OS user must be able to enter it.
	root, err := os.MkdirTemp(scratchDir(), "pgtest-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(root, 0o755); err != nil {
		return nil, err
	}
	s, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   filepath.Join(root, "data"),
		SocketDir: filepath.Join(root, "run"),
		BinDir:    bin,
		LogFile:   filepath.Join(root, "postgres.log"),
		Logger:    slog.New(slog.DiscardHandler),
		Settings: map[string]string{
			"fsync":                     "off",
			"synchronous_commit":        "off",
			"full_page_writes":          "off",
			"max_connections":           "300",
			"shared_buffers":            "128MB",
			"max_locks_per_transaction": "256",
			"log_min_messages":          "warning",
			"timezone":                  "UTC",
		},
	})
	if err != nil {
		_ = os.RemoveAll(root)
		return nil, err
	}
	return &server{adminURL: s.URL("postgres"), kind: "local", stop: func(ctx context.Context) error {
		err := s.Stop(ctx)
		return errors.Join(err, os.RemoveAll(root))
	}}, nil
}

// sourcesHash identifies a set of migration sources by content, so a template
// is reused only for identical migrations.
func sourcesHash(sources []migrate.Source) (string, error) {
	h := sha256.New()
	for _, s := range sources {
		fmt.Fprintf(h, "module %s\n", s.Module)
		var names []string
		err := fs.WalkDir(s.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("hash migrations of %s: %w", s.Module, err)
		}
		sort.Strings(names)
		for _, n := range names {
			b, err := fs.ReadFile(s.FS, n)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(h, "%s %d\n", n, len(b))
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func withDB(u, db string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme == "" {
		// keyword/value form
		return u + " dbname=" + db, nil
	}
	pu.Path = "/" + db
	return pu.String(), nil
}

// template returns the name of a database migrated with sources, creating it
// once per server (guarded by an advisory lock, so several test processes
// sharing an external server cooperate).
func template(ctx context.Context, s *server, sources []migrate.Source) (string, error) {
	hash, err := sourcesHash(sources)
	if err != nil {
		return "", err
	}
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if name, ok := tmpls[hash]; ok {
		return name, nil
	}
	name := "tmpl_" + hash
	admin, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(72628711)`); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(72628711)`) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		building := name + "_building"
		if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize()+` WITH (FORCE)`); err != nil {
			return "", err
		}
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
			return "", fmt.Errorf("create template: %w", err)
		}
		u, err := withDB(s.adminURL, building)
		if err != nil {
			return "", err
		}
		pool, err := pgxpool.New(ctx, u)
		if err != nil {
			return "", err
		}
		_, err = migrate.New(pool, sources...).Up(ctx)
		pool.Close()
		if err != nil {
			return "", fmt.Errorf("migrate template: %w", err)
		}
		if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize()); err != nil {
			return "", fmt.Errorf("finish template: %w", err)
		}
	}
	tmpls[hash] = name
	return name, nil
}

// NewURL creates a fresh database cloned from a template migrated with
// sources and returns its URL. The database is dropped when the test ends,
// unless the test failed: then it is kept and its URL logged.
func NewURL(t testing.TB, sources ...migrate.Source) string {
	t.Helper()
	u, err := newDatabase(t, sources)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

func newDatabase(t testing.TB, sources []migrate.Source) (string, error) {
	ctx := context.Background()
	s, err := getServer()
	if err != nil {
		return "", err
	}
	tmpl, err := template(ctx, s, sources)
	if err != nil {
		return "", err
	}
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	admin, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to test server: %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()+` STRATEGY FILE_COPY`); err != nil {
		return "", fmt.Errorf("clone template %s: %w", tmpl, err)
	}
	u, err := withDB(s.adminURL, name)
	if err != nil {
		return "", err
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: kept database of failed test: %s", u)
			if s.kind == "local" && os.Getenv(EnvKeep) != "1" {
				t.Logf("pgtest: the throwaway server stops when the tests end; rerun with %s=1 to keep it", EnvKeep)
			}
			return
		}
		dropDatabase(s, name)
	})
	return u, nil
}

func dropDatabase(s *server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		return
	}
	defer admin.Close(ctx)
	_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

// NewCountedPool opens a pgx pool on url (a NewURL database) whose
// connections report to a WireCounter, closed when the test ends;
// configure, if set, adjusts the pool's configuration first.
func NewCountedPool(t testing.TB, url string, configure func(*pgxpool.Config)) (*pgxpool.Pool, *WireCounter) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", url, err)
	}
	if configure != nil {
		configure(cfg)
	}
	wc := &WireCounter{}
	cfg.ConnConfig.Tracer = wc
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool, wc
}

// NewPool is NewURL plus a pgx pool on the new database, closed when the
// test ends (before the database is dropped).
func NewPool(t testing.TB, sources ...migrate.Source) *pgxpool.Pool {
	t.Helper()
	u := NewURL(t, sources...)
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
