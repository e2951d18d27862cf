package faults_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// ---- the binary -------------------------------------------------------------

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// medusaBinary builds ./cmd/medusa-go once per test run, into a temporary
// directory removed when the run ends ($FAULTS_BIN names a binary to use
// instead, e.g. one built with -tags pprof for profiling).
func medusaBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("FAULTS_BIN"); p != "" {
		return p
	}
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "medusa-faults-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "medusa-go")
		if out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/medusa-go").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/medusa-go: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// ---- Postgres -------------------------------------------------------------

// postgres is a Postgres server of the test's own (unix socket only), which
// the test restarts and kills.
type postgres struct {
	t    testing.TB
	opts pgembed.Options
	mu   sync.Mutex
	srv  *pgembed.Server
	url  string // the "medusa" database
}

// startPostgres starts a throwaway server (on tmpfs when /dev/shm is
// writable; fsync off: the faults are process faults, and a killed process
// loses nothing the kernel already has) and creates the "medusa" database.
func startPostgres(t testing.TB) *postgres {
	t.Helper()
	if _, err := pgembed.FindBinaries(); err != nil {
		t.Fatalf("%v: %s", err, pgembed.InstallHint)
	}
	base := ""
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && syscall.Access("/dev/shm", 2) == nil {
		base = "/dev/shm"
	}
	root, err := os.MkdirTemp(base, "faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil { // the postgres OS user must enter it when we are root
		t.Fatal(err)
	}
	p := &postgres{t: t, opts: pgembed.Options{
		DataDir:   filepath.Join(root, "data"),
		SocketDir: filepath.Join(root, "run"),
		Port:      54329,
		LogFile:   filepath.Join(root, "postgres.log"),
		Logger:    slog.New(slog.DiscardHandler),
		Settings:  map[string]string{"fsync": "off", "max_connections": "200"},
	}}
	t.Cleanup(func() {
		p.mu.Lock()
		srv := p.srv
		p.mu.Unlock()
		if srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = srv.Stop(ctx)
			cancel()
		}
		if t.Failed() {
			if b, err := os.ReadFile(p.opts.LogFile); err == nil {
				t.Logf("postgres log (tail):\n%s", tailLines(string(b), 30))
			}
		}
		_ = os.RemoveAll(root)
	})
	p.start()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, p.srv.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE medusa`); err != nil {
		t.Fatal(err)
	}
	p.url = p.srv.URL("medusa")
	return p
}

func (p *postgres) start() {
	p.t.Helper()
	srv, err := pgembed.Start(context.Background(), p.opts)
	if err != nil {
		p.t.Fatalf("start postgres: %v", err)
	}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
}

// restart is `pg_ctl restart -m fast`: a fast shutdown (every session
// terminated, open transactions rolled back) and a start.
func (p *postgres) restart() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.srv.Stop(ctx); err != nil {
		p.t.Fatalf("stop postgres: %v", err)
	}
	p.start()
}

// killAndStart kills the server and all its processes with SIGKILL, then
// starts it again (crash recovery).
func (p *postgres) killAndStart() {
	p.t.Helper()
	if err := p.srv.Kill(); err != nil {
		p.t.Fatal(err)
	}
	p.start()
}

// conn is a connection to the medusa database, for the assertions.
func (p *postgres) conn(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, p.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// ---- the server -------------------------------------------------------------

// server is one `medusa-go start` child process. Its log goes to a file
// (not a pipe: a test process busy with its load must not slow the server
// down by reading its log late).
type server struct {
	t       testing.TB
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:<port>
	logFile string
	done    chan struct{}
	waitErr error
}

// log returns what the server has logged so far.
func (s *server) log() string {
	b, _ := os.ReadFile(s.logFile)
	return string(b)
}

// serverEnv is the environment of the child processes: the machine's PATH
// and HOME, the database, production secrets, and extra.
func serverEnv(dbURL string, extra map[string]string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"DATABASE_URL=" + dbURL,
		"JWT_SECRET=faults-jwt-secret-0123456789",
		"COOKIE_SECRET=faults-cookie-secret-0123456789",
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// cli runs a medusa-go command to its end.
func cli(t testing.TB, dbURL string, args ...string) string {
	t.Helper()
	cmd := exec.Command(medusaBinary(t), args...)
	cmd.Env = serverEnv(dbURL, nil)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("medusa-go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var readyLine = regexp.MustCompile(`server ready on (http://\S+)`)

// startServer starts `medusa-go start` on a free loopback port and waits
// for its ready line.
func startServer(t testing.TB, name, dbURL string, extra map[string]string) *server {
	t.Helper()
	logf, err := os.CreateTemp("", "medusa-faults-log-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(logf.Name()) })
	s := &server{t: t, name: name, done: make(chan struct{}), logFile: logf.Name()}
	s.cmd = exec.Command(medusaBinary(t), "start", "-H", "127.0.0.1", "-p", "0")
	s.cmd.Env = serverEnv(dbURL, extra)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = logf
	err = s.cmd.Start()
	logf.Close() // the child has its own descriptor
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("%s log (tail):\n%s", s.name, tailLines(s.log(), 40))
		}
	})
	select {
	case s.base = <-ready:
	case <-s.done:
		t.Fatalf("%s exited before it was ready (%v):\n%s", name, s.waitErr, tailLines(s.log(), 30))
	case <-time.After(60 * time.Second):
		t.Fatalf("%s not ready within 60 s:\n%s", name, tailLines(s.log(), 30))
	}
	return s
}

// stop sends sig and waits (at most timeout) for the process to exit; it
// returns the exit code (-1 for a signal) and how long it took.
func (s *server) stop(sig os.Signal, timeout time.Duration) (int, time.Duration) {
	s.t.Helper()
	start := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("signal %s: %v", s.name, err)
	}
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.t.Fatalf("%s did not exit within %v of %v", s.name, timeout, sig)
	}
	took := time.Since(start)
	code := 0
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) {
		code = ee.ExitCode()
	}
	return code, took
}

// logLines returns the server's log lines that match re.
func (s *server) logLines(re *regexp.Regexp) []string {
	var out []string
	for _, l := range strings.Split(s.log(), "\n") {
		if re.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// login returns a bearer token of the admin the test created with the CLI.
func (s *server) login(t testing.TB, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := http.Post(s.base+"/auth/user/emailpass", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.Token == "" {
		t.Fatalf("login: %d %v", resp.StatusCode, err)
	}
	return tok.Token
}

// ---- the load -------------------------------------------------------------

// result is the answer to one POST /admin/invites.
type result struct {
	email      string
	status     int    // 0: no answer (connection refused or reset, timeout)
	code, typ  string // the error body's code and type
	retryAfter string
	err        error
	at, took   time.Duration // since the load began
}

// loader sends POST /admin/invites, each for a new address, on loopback.
type loader struct {
	base, token, tag string
	client           *http.Client
	n                atomic.Int64
	start            time.Time
}

func newLoader(base, token, tag string, conns int) *loader {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: 30 * time.Second}
	return &loader{base: base, token: token, tag: tag, start: time.Now(),
		client: &http.Client{Transport: tr, Timeout: 20 * time.Second}}
}

func (l *loader) one(ctx context.Context) result {
	n := l.n.Add(1)
	email := fmt.Sprintf("%s-%06d@faults.test", l.tag, n)
	r := result{email: email, at: time.Since(l.start)}
	body := []byte(`{"email":"` + email + `"}`)
	req, err := http.NewRequestWithContext(ctx, "POST", l.base+"/admin/invites", bytes.NewReader(body))
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.token)
	t0 := time.Now()
	resp, err := l.client.Do(req)
	r.took = time.Since(t0)
	if err != nil {
		r.err = err
		return r
	}
	defer resp.Body.Close()
	r.status, r.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != 200 {
		var e struct{ Code, Type string }
		_ = json.Unmarshal(b, &e)
		r.code, r.typ = e.Code, e.Type
	}
	return r
}

// closedLoop sends with workers concurrent clients until d passes, max
// requests were sent or during calls stop; during runs alongside (the
// fault), and gets stop to end the load early.
func (l *loader) closedLoop(workers int, d time.Duration, max int64, during func(stop func())) []result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var out []result
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil && l.n.Load() < max {
				r := l.one(context.WithoutCancel(ctx))
				mu.Lock()
				out = append(out, r)
				mu.Unlock()
			}
		})
	}
	if during != nil {
		during(cancel)
	}
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].at < out[j].at })
	return out
}

// openLoop sends at rate requests per second for d (at most maxInFlight
// waiting for an answer at once: beyond that, a request counts as not sent),
// whatever the answers take: the load a crowd of clients puts on a server.
func (l *loader) openLoop(rate float64, d time.Duration, maxInFlight int) (out []result, unsent int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxInFlight)
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	end := next.Add(d)
	for next.Before(end) {
		time.Sleep(time.Until(next))
		next = next.Add(interval)
		select {
		case sem <- struct{}{}:
		default:
			unsent++
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r := l.one(context.Background())
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out, unsent
}

// tally counts results by status (0 for no answer).
func tally(rs []result) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

// percentile is the p-th percentile (0-100) of the answered requests' times
// with status.
func percentile(rs []result, status int, p float64) time.Duration {
	var ds []time.Duration
	for _, r := range rs {
		if r.status == status {
			ds = append(ds, r.took)
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p / 100)
	return ds[i]
}

// ---- the assertions -------------------------------------------------------

// checkAnswers fails on any answer that is neither 200 nor a 503 in
// Medusa's error shape with Retry-After (allowNoAnswer: requests may find no
// server, around a shutdown or a kill). It returns the counts.
func checkAnswers(t testing.TB, rs []result, allowNoAnswer bool) (ok, unavailable, noAnswer int) {
	t.Helper()
	for _, r := range rs {
		switch {
		case r.status == 200:
			ok++
		case r.status == 503:
			unavailable++
			if r.typ != "unavailable" || r.code == "" || r.retryAfter == "" {
				t.Errorf("%s: 503 with type %q code %q Retry-After %q", r.email, r.typ, r.code, r.retryAfter)
			}
		case r.status == 0 && allowNoAnswer:
			noAnswer++
		default:
			t.Errorf("%s: status %d (%s %s) %v at %v", r.email, r.status, r.typ, r.code, r.err, r.at)
		}
	}
	return ok, unavailable, noAnswer
}

// checkDurable fails unless every 200 has its invite, and no address has
// two live invites, nor two users. It returns the invites that exist without a 200 (their
// request failed after its commit, or got no answer).
func checkDurable(t testing.TB, db *pgx.Conn, tag string, rs []result) (extra int) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Query(ctx, `SELECT lower(email), count(*) FROM invite WHERE email LIKE $1 AND deleted_at IS NULL GROUP BY 1`, tag+"-%")
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for rows.Next() {
		var e string
		var n int
		if err := rows.Scan(&e, &n); err != nil {
			t.Fatal(err)
		}
		have[e] = n
		if n > 1 {
			t.Errorf("%s: %d invites", e, n)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var dupUsers int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM (SELECT lower(email) FROM "user" WHERE deleted_at IS NULL GROUP BY 1 HAVING count(*) > 1) d`).Scan(&dupUsers); err != nil || dupUsers != 0 {
		t.Errorf("%d addresses with two users (%v)", dupUsers, err)
	}
	oks := map[string]bool{}
	for _, r := range rs {
		if r.status == 200 {
			oks[r.email] = true
			if have[r.email] != 1 {
				t.Errorf("%s: answered 200, %d invites in the database", r.email, have[r.email])
			}
		}
	}
	for e := range have {
		if !oks[e] {
			extra++
		}
	}
	return extra
}

// waitDrained waits until no event is held, in the outbox or queued for
// delivery (River jobs of the events queue not finished), and fails if that
// takes longer than timeout.
func waitDrained(t testing.TB, db *pgx.Conn, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		var outbox, held, queued int
		err := db.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM event_bus_outbox),
			(SELECT count(*) FROM event_bus_held),
			(SELECT count(*) FROM river_job WHERE queue = 'events' AND state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&outbox, &held, &queued)
		if err == nil && outbox == 0 && held == 0 && queued == 0 {
			var dead int
			if err := db.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE queue = 'events' AND state = 'discarded'`).Scan(&dead); err != nil || dead != 0 {
				t.Errorf("%d dead-lettered deliveries (%v)", dead, err)
			}
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("events not drained within %v: outbox %d, held %d, queued %d (%v)", timeout, outbox, held, queued, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// deliveredLine is the line the production server logs for each invite
// e-mail it delivers when no SMTP server is configured.
var deliveredLine = regexp.MustCompile(`msg="notification not sent: no provider configured" to=(\S+)`)

// checkDelivered fails unless every invite of tag in the database had its
// e-mail delivered, by one of servers; it returns how many were delivered
// more than once (deliveries are at least once: one that ran but whose
// completion could not be recorded runs again).
func checkDelivered(t testing.TB, db *pgx.Conn, tag string, servers ...*server) (dups int) {
	t.Helper()
	sent := map[string]int{}
	for _, s := range servers {
		for _, l := range s.logLines(deliveredLine) {
			sent[strings.ToLower(deliveredLine.FindStringSubmatch(l)[1])]++
		}
	}
	rows, err := db.Query(context.Background(), `SELECT lower(email) FROM invite WHERE email LIKE $1 AND deleted_at IS NULL`, tag+"-%")
	if err != nil {
		t.Fatal(err)
	}
	emails, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		switch n := sent[e]; {
		case n == 0:
			t.Errorf("%s: invite e-mail never delivered", e)
		case n > 1:
			dups++
		}
	}
	return dups
}

// unfinishedRuns counts workflow runs not in a final state.
func unfinishedRuns(t testing.TB, db *pgx.Conn) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM workflow_run WHERE state IN ('invoking', 'compensating')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitNoUnfinishedRuns waits (at most timeout) for recovery to finish every
// run.
func waitNoUnfinishedRuns(t testing.TB, db *pgx.Conn, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for unfinishedRuns(t, db) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d workflow runs still unfinished %v after recovery could run", unfinishedRuns(t, db), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errorLines are the log lines at level ERROR.
var errorLines = regexp.MustCompile(`level=ERROR`)

// accessLines503 are the access lines of the invite requests answered 503.
var accessLines503 = regexp.MustCompile(`msg="http request" method=POST path=/admin/invites .*status=503`)

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return strconv.Itoa(n) }
