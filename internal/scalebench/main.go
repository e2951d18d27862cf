package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/cli"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgembed"
)

// options are the command's flags.
type options struct {
	rows        []int
	dir         string
	databaseURL string
	wipe        bool
	reseed      bool
	measure     measureOptions
	bulk        int
	out         string
	shapes      *regexp.Regexp
	report      bool
	nice        int
	dropIndexes bool
	maintenance string
	pgSet       settings
	port        int
	verbose     bool
	cpuProfile  string
}

// settings are repeatable name=value flags.
type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want name=value", v)
	}
	s[k] = val
	return nil
}

// defaultPGSettings are the server settings besides Postgres's defaults:
// fewer checkpoints while tens of millions of rows are written.
var defaultPGSettings = map[string]string{"max_wal_size": "8GB", "checkpoint_timeout": "30min"}

func main() {
	o, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// The application runs in this process: give it the soft memory limit
	// medusa-go start sets, so that the bulk writes' heap peaks are those
	// of a server (GOMEMLIMIT overrides it, as it does start's).
	memLimit, _ := cli.ApplyMemoryLimit(os.Getenv)
	log.Info("go memory limit", "limit", memLimit)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "scalebench: -cpuprofile:", err)
			os.Exit(2)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(ctx, o, os.Stdout, log); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	o := options{pgSet: settings{}}
	rows := fs.String("rows", "100k", "live rows per table, one size or a comma-separated list (100k, 1M, 10M or plain numbers)")
	fs.StringVar(&o.dir, "dir", "/var/tmp/medusa-scale", "where each size keeps its Postgres cluster (<dir>/<rows>/data), log and results.json; on disk, not tmpfs")
	fs.StringVar(&o.databaseURL, "database-url", "", "use this database instead of a server of the benchmark's own (one size only)")
	fs.BoolVar(&o.wipe, "wipe", false, "with -database-url: drop its public schema when it must be seeded again")
	fs.BoolVar(&o.reseed, "reseed", false, "seed again even when the seeded data is reusable")
	fs.IntVar(&o.measure.warmup, "warmup", 3, "untimed requests per query before the timed ones")
	fs.IntVar(&o.measure.minN, "min-n", 20, "timed requests per query, at least")
	fs.IntVar(&o.measure.maxN, "n", 200, "timed requests per query, at most")
	fs.DurationVar(&o.measure.budget, "budget", 10*time.Second, "time per query: as many timed requests as fit, within -min-n..-n")
	fs.IntVar(&o.bulk, "bulk", 100_000, "rows of each bulk create, soft delete and restore (0 skips them)")
	fs.StringVar(&o.out, "out", "", "also write the markdown tables to this file")
	pattern := fs.String("shapes", "", "measure only the queries whose \"<list> <name>\" matches this regexp (e.g. 'users q=')")
	fs.BoolVar(&o.report, "report", false, "measure nothing: print the tables of the sizes' saved results")
	fs.IntVar(&o.nice, "seed-nice", 19, "nice value of the Postgres backends that seed, migrate and clean up (0 leaves them alone)")
	fs.BoolVar(&o.dropIndexes, "drop-indexes", true, "drop a table's secondary indexes while seeding it and build them after")
	fs.StringVar(&o.maintenance, "maintenance-work-mem", "512MB", "maintenance_work_mem of the seeding (index builds)")
	fs.Var(o.pgSet, "pgset", "extra Postgres server setting name=value for the benchmark's own server (repeatable)")
	fs.IntVar(&o.port, "port", 55432, "port naming the unix socket of the benchmark's own server (no TCP listener)")
	fs.BoolVar(&o.verbose, "v", false, "log the application's info lines too (access log)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (seeding excepted: it runs in Postgres) to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, f := range strings.Split(*rows, ",") {
		n, err := parseRows(f)
		if err != nil {
			return o, err
		}
		o.rows = append(o.rows, n)
	}
	if o.databaseURL != "" && len(o.rows) > 1 {
		return o, errors.New("-database-url holds one size: give one -rows")
	}
	if o.measure.minN < 1 || o.measure.maxN < o.measure.minN {
		return o, fmt.Errorf("-min-n %d and -n %d: want 1 <= min-n <= n", o.measure.minN, o.measure.maxN)
	}
	if o.bulk < 0 {
		return o, fmt.Errorf("-bulk %d: want 0 or more rows", o.bulk)
	}
	if *pattern != "" {
		re, err := regexp.Compile(*pattern)
		if err != nil {
			return o, fmt.Errorf("-shapes: %w", err)
		}
		o.shapes = re
	}
	return o, nil
}

// parseRows reads 100000, 100k or 1M.
func parseRows(s string) (int, error) {
	in := strings.TrimSpace(s)
	num, mult := in, 1
	switch {
	case strings.HasSuffix(in, "k"), strings.HasSuffix(in, "K"):
		num, mult = in[:len(in)-1], 1_000
	case strings.HasSuffix(in, "M"), strings.HasSuffix(in, "m"):
		num, mult = in[:len(in)-1], 1_000_000
	}
	n, err := strconv.Atoi(strings.ReplaceAll(num, "_", ""))
	if err != nil || n*mult < 100 {
		return 0, fmt.Errorf("-rows %q: want a number of rows of at least 100 (100000, 100k, 1M)", in)
	}
	return n * mult, nil
}

// run measures every size in turn, then prints the tables.
func run(ctx context.Context, o options, stdout io.Writer, log *slog.Logger) error {
	var results []sizeResult
	for _, rows := range o.rows {
		path := filepath.Join(o.dir, strconv.Itoa(rows), "results.json")
		if o.report {
			r, err := loadResult(path)
			if err != nil {
				return err
			}
			results = append(results, r)
			continue
		}
		r, err := runSize(ctx, o, rows, log)
		if err != nil {
			return fmt.Errorf("%d rows: %w", rows, err)
		}
		if err := saveResult(path, r); err != nil {
			return err
		}
		log.Info("saved", "results", path)
		results = append(results, r)
		if err := writeOut(o, results); err != nil {
			return err
		}
	}
	writeMarkdown(stdout, results)
	return nil
}

// writeOut writes the tables of the sizes done so far to -out.
func writeOut(o options, results []sizeResult) error {
	if o.out == "" {
		return nil
	}
	var b bytes.Buffer
	writeMarkdown(&b, results)
	return os.WriteFile(o.out, b.Bytes(), 0o644)
}

// runSize seeds (or reuses) one size, serves the application on it and
// measures every query and bulk write.
func runSize(ctx context.Context, o options, rows int, log *slog.Logger) (sizeResult, error) {
	log = log.With("rows", rows)
	url := o.databaseURL
	if url == "" {
		u, stop, err := ownServer(ctx, o, rows, log)
		if err != nil {
			return sizeResult{}, err
		}
		defer stop()
		url = u
	}
	admin, err := db.Open(ctx, url, func(c *pgxpool.Config) {
		c.MaxConns = 2
		c.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error { renice(ctx, conn, o.nice, log); return nil }
	})
	if err != nil {
		return sizeResult{}, err
	}
	defer admin.Close()
	srcs, err := app.Migrations(appConfig())
	if err != nil {
		return sizeResult{}, err
	}
	seedRep, err := ensureSeeded(ctx, admin, srcs, seedOptions{
		rows: rows, reseed: o.reseed, mayWipe: o.databaseURL == "" || o.wipe, dropIndexes: o.dropIndexes,
		maintenance: o.maintenance, parallelMain: o.nice == 0, log: log,
	})
	if err != nil {
		return sizeResult{}, err
	}
	res := sizeResult{Rows: rows, When: time.Now().UTC(), Seed: seedRep, Env: environment(ctx, admin)}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	srv, err := serve(ctx, url, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	if err != nil {
		return res, err
	}
	defer func() {
		if err := srv.stop(); err != nil {
			log.Error("stop the application", "err", err)
		}
	}()
	c := newClient(srv.base, srv.token)
	v := seedVars(rows)
	count := func(ctx context.Context, table, where string) (int64, error) { return truth(ctx, admin, table, where) }
	for _, s := range append(append([]shape(nil), userShapes...), postShapes...) {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		if o.shapes != nil && !o.shapes.MatchString(listKey(s.Path)+" "+s.Name) {
			continue
		}
		r := measureShape(ctx, c, count, v, s, o.measure)
		log.Info("query", "list", r.List, "name", r.Name, "matched", r.Matched, "n", r.N, "p50_ms", r.P50, "p99_ms", r.P99, "skipped", r.Skipped, "err", r.Err)
		res.Shapes = append(res.Shapes, r)
	}
	if o.bulk > 0 {
		for _, mk := range []func(*app.App) (bulkOps, error){userBulk, postBulk} {
			ops, err := mk(srv.app)
			if err != nil {
				return res, err
			}
			res.Bulk = append(res.Bulk, runBulk(ctx, admin, ops, o.bulk, log)...)
		}
	}
	res.Env.LoadAfter = loadAverage()
	return res, ctx.Err()
}

// ownServer starts the size's own Postgres from the local binaries, its
// cluster kept in <dir>/<rows>/data between runs, and returns the URL of
// its database "medusa" and how to stop it.
func ownServer(ctx context.Context, o options, rows int, log *slog.Logger) (string, func(), error) {
	root := filepath.Join(o.dir, strconv.Itoa(rows))
	set := map[string]string{}
	for k, v := range defaultPGSettings {
		set[k] = v
	}
	for k, v := range o.pgSet {
		set[k] = v
	}
	t0 := time.Now()
	s, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   filepath.Join(root, "data"),
		SocketDir: filepath.Join(root, "run"),
		Port:      o.port,
		LogFile:   filepath.Join(root, "postgres.log"),
		Settings:  set,
		Logger:    log,
	})
	if err != nil {
		return "", nil, err
	}
	log.Info("postgres started", "pid", s.PID(), "data", s.DataDir(), "took", time.Since(t0).Round(time.Millisecond))
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.Stop(sctx); err != nil {
			log.Error("stop postgres", "pid", s.PID(), "err", err)
		}
	}
	conn, err := pgx.Connect(ctx, s.URL("postgres"))
	if err == nil {
		var exists bool
		if err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'medusa')`).Scan(&exists); err == nil && !exists {
			_, err = conn.Exec(ctx, `CREATE DATABASE medusa`)
		}
		conn.Close(ctx)
	}
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("create the database: %w", err)
	}
	return s.URL("medusa"), stop, nil
}

// renice lowers the priority of conn's backend, so that seeding, index
// builds and clean-ups leave the CPU to other work (the measured requests go
// through the application's own pool at normal priority). It needs the
// server on this machine and the right to renice its processes (root, or
// the same user); otherwise it does nothing.
func renice(ctx context.Context, conn *pgx.Conn, nice int, log *slog.Logger) {
	if nice == 0 {
		return
	}
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		log.Debug("renice: backend pid", "err", err)
		return
	}
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, pid, nice); err != nil {
		log.Debug("renice", "pid", pid, "err", err)
	}
}

// environment describes the machine, the build and the server.
func environment(ctx context.Context, pool *pgxpool.Pool) envInfo {
	e := envInfo{Go: runtime.Version(), LoadBefore: loadAverage(), CPU: cpu(),
		Command: "go run ./internal/scalebench " + strings.Join(os.Args[1:], " ")}
	var v string
	if err := pool.QueryRow(ctx, `SHOW server_version`).Scan(&v); err == nil {
		e.Postgres = "PostgreSQL " + strings.Fields(v)[0]
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
			e.Commit += " (with uncommitted changes)"
		}
	}
	return e
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// cpu is the processor's model name and the number of CPUs.
func cpu() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return fmt.Sprintf("%d CPUs", runtime.NumCPU())
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return fmt.Sprintf("%s, %d CPUs", strings.TrimSpace(v), runtime.NumCPU())
		}
	}
	return fmt.Sprintf("%d CPUs", runtime.NumCPU())
}
