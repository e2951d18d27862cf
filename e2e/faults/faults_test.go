package faults_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	adminEmail    = "admin@faults.test"
	adminPassword = "faults-admin-password"
)

// env is one test's own Postgres, with the database migrated and an admin
// created by the CLI.
type env struct {
	pg *postgres
	db *pgx.Conn
}

func newEnv(t testing.TB) *env {
	t.Helper()
	pg := startPostgres(t)
	cli(t, pg.url, "db", "migrate")
	cli(t, pg.url, "user", "-e", adminEmail, "-p", adminPassword)
	return &env{pg: pg, db: pg.conn(t)}
}

// readiness polls GET /health every 25 ms and records the answers.
type readiness struct {
	mu     sync.Mutex
	points []readyPoint
	stop   chan struct{}
	done   chan struct{}
}

type readyPoint struct {
	at     time.Time
	status int // 0: no answer
}

func watchReady(base string) *readiness {
	r := &readiness{stop: make(chan struct{}), done: make(chan struct{})}
	client := &http.Client{Timeout: 2 * time.Second}
	go func() {
		defer close(r.done)
		for {
			status := 0
			if resp, err := client.Get(base + "/health"); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			r.mu.Lock()
			r.points = append(r.points, readyPoint{time.Now(), status})
			r.mu.Unlock()
			select {
			case <-r.stop:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	return r
}

// notReady stops watching and returns when readiness first turned
// something else than 200 after from, and when it was 200 again after
// that (zero times when it never turned).
func (r *readiness) notReady(from time.Time) (down, up time.Time) {
	close(r.stop)
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.points {
		if p.at.Before(from) {
			continue
		}
		switch {
		case down.IsZero() && p.status != 200:
			down = p.at
		case !down.IsZero() && up.IsZero() && p.status == 200:
			up = p.at
		}
	}
	return down, up
}

// databaseFault runs the load against a server while fault breaks its
// Postgres 1.5 s in, and checks the promises: every answer 200 or 503 with
// Retry-After, each failed request one log line and no workflow error
// lines, /health not ready during the outage and ready after, every 200
// durable, no duplicate invite, the event outbox drained and every invite's
// e-mail delivered, and, after a restart of the server (recovery), no
// unfinished workflow run.
func databaseFault(t testing.TB, tag string, fault func(*postgres)) faultFigures {
	e := newEnv(t)
	// A short lease: deliveries the restart kept from their first attempt are
	// swept into the job queue in seconds, not the default 30 s.
	srvEnv := map[string]string{"MEDUSA_INSTANCE_ID": "a", "MEDUSA_LEASE": "2s"}
	s := startServer(t, "server", e.pg.url, srvEnv)
	l := newLoader(s.base, s.login(t, adminEmail, adminPassword), tag, 8)
	ready := watchReady(s.base)
	var faultStart, faultEnd time.Time
	rs := l.closedLoop(8, 6*time.Second, 50000, func(func()) {
		time.Sleep(1500 * time.Millisecond)
		faultStart = time.Now()
		fault(e.pg)
		faultEnd = time.Now()
	})
	down, up := ready.notReady(faultStart)
	db := e.pg.conn(t) // the connection made before the fault is gone with it

	ok, unavailable, _ := checkAnswers(t, rs, false)
	// The outage: from the fault to the end of the last failed request.
	var lastFailed time.Time
	okAfter := 0
	for _, r := range rs {
		end := l.start.Add(r.at + r.took)
		if r.status != 200 && end.After(lastFailed) {
			lastFailed = end
		}
		if r.status == 200 && l.start.Add(r.at).After(faultEnd) {
			okAfter++
		}
	}
	if okAfter == 0 {
		t.Fatalf("no request succeeded after the database came back (%d answers: %v)", len(rs), tally(rs))
	}
	extra := checkDurable(t, db, tag, rs)
	drain := waitDrained(t, db, 30*time.Second)
	dups := checkDelivered(t, db, tag, s)
	if n := len(s.logLines(accessLines503)); n != unavailable {
		t.Errorf("%d access lines with status 503 for %d requests answered 503", n, unavailable)
	}
	wfErrors := s.logLines(regexp.MustCompile(`level=ERROR .*msg="?workflows:`))
	if len(wfErrors) > 0 {
		t.Errorf("%d workflow ERROR lines, e.g. %s", len(wfErrors), wfErrors[0])
	}
	onceLines := len(s.logLines(regexp.MustCompile(`run ended with the database unavailable`)))
	if onceLines > unavailable+extra {
		t.Errorf("%d 'run ended with the database unavailable' lines for %d failed requests", onceLines, unavailable)
	}
	// A database outage is no bug: nothing at level ERROR (River's and the
	// job engine's reconnection messages come at WARN).
	errorLines := s.logLines(errorLines)
	for _, l := range errorLines {
		t.Errorf("ERROR line: %s", l)
	}
	warnLines := len(s.logLines(regexp.MustCompile(`level=WARN`))) - unavailable

	// Runs finished or recoverable: a restart of the server recovers its
	// own runs at once.
	code, _ := s.stop(syscall.SIGTERM, 30*time.Second)
	if code != 0 {
		t.Errorf("server exited %d on SIGTERM", code)
	}
	unfinished := unfinishedRuns(t, db)
	s2 := startServer(t, "server (restarted)", e.pg.url, srvEnv)
	waitNoUnfinishedRuns(t, db, 20*time.Second)
	waitDrained(t, db, 20*time.Second)
	checkDelivered(t, db, tag, s, s2)
	if code, _ := s2.stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("restarted server exited %d on SIGTERM", code)
	}

	outage := lastFailed.Sub(faultStart)
	if lastFailed.IsZero() {
		outage = 0
	}
	t.Logf("%s: %d requests: %d ok, %d answered 503 (%.1f%%), %d invites without a 200; fault took %v; failures ended %v after the fault began; /health not ready at +%v, ready again at +%v",
		tag, len(rs), ok, unavailable, 100*float64(unavailable)/float64(len(rs)), extra, faultEnd.Sub(faultStart).Round(time.Millisecond),
		outage.Round(time.Millisecond), sinceOrZero(down, faultStart), sinceOrZero(up, faultStart))
	t.Logf("%s: outbox drained %v after the load; %d e-mails delivered twice; %d 'run ended with the database unavailable' lines; %d other WARN lines (reconnections, deliveries retried); %d runs unfinished before the restart, 0 after",
		tag, drain.Round(time.Millisecond), dups, onceLines, warnLines-len(s.logLines(deliveredLine)), unfinished)
	return faultFigures{requests: len(rs), failed: unavailable, outage: outage, notReady: sinceOrZero(down, faultStart), readyAgain: sinceOrZero(up, faultStart)}
}

// faultFigures are what a database fault cost the clients.
type faultFigures struct {
	requests, failed             int
	outage, notReady, readyAgain time.Duration
}

func sinceOrZero(t, from time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return t.Sub(from).Round(time.Millisecond)
}

// Postgres restarted (fast shutdown, as `pg_ctl restart -m fast`) under
// load.
func TestPostgresRestartUnderLoad(t *testing.T) {
	databaseFault(t, "restart", (*postgres).restart)
}

// Postgres killed (SIGKILL of the postmaster and every backend) under load,
// then started again (crash recovery).
func TestPostgresKilledUnderLoad(t *testing.T) {
	databaseFault(t, "kill", (*postgres).killAndStart)
}

// A slow database and an exhausted pool: inserts slowed by a pg_sleep
// trigger (a test-only step of the database) hold the pool's 4 connections;
// they are cancelled by the statement timeout and answered 503 timeout,
// rolled back; requests finding no free connection within the pool wait get
// 503 too. Nothing hangs, every 200 is durable, and once the database is
// fast again every request succeeds.
func TestSlowDatabaseAndExhaustedPool(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.db.Exec(ctx, `CREATE FUNCTION faults_slow() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.email LIKE 'slow-%' THEN PERFORM pg_sleep(3); END IF; RETURN NEW; END $$;
		CREATE TRIGGER faults_slow BEFORE INSERT ON invite FOR EACH ROW EXECUTE FUNCTION faults_slow()`); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "server", e.pg.url+"&pool_max_conns=4", map[string]string{
		"MEDUSA_STATEMENT_TIMEOUT": "1s", "MEDUSA_POOL_WAIT": "300ms", "MEDUSA_REQUEST_TIMEOUT": "5s",
		// Every request reaches the pool (the in-flight bound would shed
		// most of them before: TestOverload's business).
		"MEDUSA_MAX_IN_FLIGHT": "0",
		"MEDUSA_LEASE":         "2s", // deliveries that found no connection are swept into the job queue soon
	})
	tok := s.login(t, adminEmail, adminPassword)
	slow, fast := newLoader(s.base, tok, "slow", 8), newLoader(s.base, tok, "fast", 4)
	var slowRs []result
	fastRs := fast.closedLoop(4, 3*time.Second, 50000, func(func()) {
		time.Sleep(300 * time.Millisecond)
		slowRs = slow.closedLoop(8, 2*time.Second, 50000, nil)
	})
	for _, r := range slowRs {
		if r.status != 503 || r.code != "timeout" {
			t.Errorf("slow insert %s: %d %s", r.email, r.status, r.code)
		}
		if r.took > 4*time.Second {
			t.Errorf("slow insert %s answered after %v: the statement timeout did not cut it", r.email, r.took)
		}
	}
	fastOK, fast503, _ := checkAnswers(t, fastRs, false)
	if n := checkDurable(t, e.db, "slow", nil); n != 0 {
		t.Errorf("%d slow invites committed although their statements were cancelled", n)
	}
	checkDurable(t, e.db, "fast", fastRs)
	if _, err := e.db.Exec(ctx, `DROP TRIGGER faults_slow ON invite`); err != nil {
		t.Fatal(err)
	}
	after := newLoader(s.base, tok, "after", 4).closedLoop(4, time.Second, 50000, nil)
	if ok, _, _ := checkAnswers(t, after, false); ok != len(after) {
		t.Errorf("after the database is fast again: %v", tally(after))
	}
	waitDrained(t, e.db, 20*time.Second)
	t.Logf("slow inserts: %d, all 503 timeout, p50 %v; concurrent fast requests: %d ok, %d 503 (pool wait), p99 of the answered %v; after: %d ok",
		len(slowRs), percentile(slowRs, 503, 50).Round(time.Millisecond), fastOK, fast503, percentile(fastRs, 200, 99).Round(time.Millisecond), len(after))
}

// SIGTERM under load: the server stops accepting, finishes the requests
// in flight, exits 0 within its shutdown timeout; every 200 is durable; a
// second instance delivers what was left queued, and no run is left
// unfinished.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	e := newEnv(t)
	a := startServer(t, "instance a", e.pg.url, map[string]string{"MEDUSA_INSTANCE_ID": "a", "MEDUSA_SHUTDOWN_TIMEOUT": "10s"})
	l := newLoader(a.base, a.login(t, adminEmail, adminPassword), "term", 8)
	var sigterm time.Time
	var code int
	var took time.Duration
	rs := l.closedLoop(8, 10*time.Second, 50000, func(stop func()) {
		time.Sleep(1500 * time.Millisecond)
		sigterm = time.Now()
		code, took = a.stop(syscall.SIGTERM, 30*time.Second)
		stop()
	})
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM", code)
	}
	ok, unavailable, noAnswer := checkAnswers(t, rs, true)
	for _, r := range rs {
		if r.status == 0 && l.start.Add(r.at).Before(sigterm.Add(-100*time.Millisecond)) {
			t.Errorf("%s was sent %v before SIGTERM and got no answer: %v", r.email, sigterm.Sub(l.start.Add(r.at)), r.err)
		}
	}
	extra := checkDurable(t, e.db, "term", rs)
	queued := pending(t, e.db)
	b := startServer(t, "instance b", e.pg.url, map[string]string{"MEDUSA_INSTANCE_ID": "b"})
	waitDrained(t, e.db, 20*time.Second)
	dups := checkDelivered(t, e.db, "term", a, b)
	waitNoUnfinishedRuns(t, e.db, 10*time.Second)
	if code, _ := b.stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("instance b exited %d", code)
	}
	t.Logf("SIGTERM after %d requests in flight for 1.5 s: exit 0 after %v; %d ok, %d 503, %d unanswered (sent after the listener closed), %d invites without a 200; left queued for instance b: %s; %d e-mails delivered twice",
		len(rs), took.Round(time.Millisecond), ok, unavailable, noAnswer, extra, queued, dups)
}

// SIGKILL under load: the server dies with requests in flight. Every 200
// is durable, no invite exists twice; a second instance takes over, after
// the lease (MEDUSA_LEASE=2s), the runs and direct deliveries the dead one
// held: every invite's e-mail is delivered or still durably queued, and no
// run is left unfinished.
func TestKilledServerUnderLoad(t *testing.T) {
	e := newEnv(t)
	lease := map[string]string{"MEDUSA_LEASE": "2s"}
	lease["MEDUSA_INSTANCE_ID"] = "a"
	a := startServer(t, "instance a", e.pg.url, lease)
	l := newLoader(a.base, a.login(t, adminEmail, adminPassword), "kill9", 8)
	rs := l.closedLoop(8, 10*time.Second, 50000, func(stop func()) {
		time.Sleep(1500 * time.Millisecond)
		if code, _ := a.stop(syscall.SIGKILL, 10*time.Second); code != -1 {
			t.Errorf("exit status %d after SIGKILL", code)
		}
		stop()
	})
	ok, _, noAnswer := checkAnswers(t, rs, true)
	extra := checkDurable(t, e.db, "kill9", rs)
	queued := pending(t, e.db)
	unfinished := unfinishedRuns(t, e.db)
	start := time.Now()
	b := startServer(t, "instance b", e.pg.url, map[string]string{"MEDUSA_LEASE": "2s", "MEDUSA_INSTANCE_ID": "b"})
	waitNoUnfinishedRuns(t, e.db, 20*time.Second)
	runsTaken := time.Since(start)
	// River jobs that were running on the dead instance wait for River's
	// rescue (minutes): they are durably queued; everything else is
	// delivered.
	stuck := waitDrainedExceptDead(t, e.db, riverClientID(t, b), 20*time.Second)
	undelivered := countUndelivered(t, e.db, "kill9", a, b)
	if undelivered > stuck {
		t.Errorf("%d invites without their e-mail, %d deliveries still queued", undelivered, stuck)
	}
	if code, _ := b.stop(syscall.SIGTERM, 30*time.Second); code != 0 {
		t.Errorf("instance b exited %d", code)
	}
	t.Logf("SIGKILL after 1.5 s: %d requests, %d ok, %d unanswered, %d invites without a 200; left by the dead instance: %s, %d unfinished runs, taken over by instance b within %v; %d deliveries waiting for River's rescue",
		len(rs), ok, noAnswer, extra, queued, unfinished, runsTaken.Round(time.Millisecond), stuck)
}

// pending describes what waits in the outbox and the job queue.
func pending(t testing.TB, db *pgx.Conn) string {
	t.Helper()
	var outbox, jobs int
	if err := db.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM event_bus_outbox),
		(SELECT count(*) FROM river_job WHERE queue = 'events' AND state NOT IN ('completed', 'cancelled', 'discarded'))`).Scan(&outbox, &jobs); err != nil {
		t.Fatal(err)
	}
	return itoa(outbox) + " outbox rows, " + itoa(jobs) + " delivery jobs"
}

// waitDrainedExceptDead is waitDrained that accepts delivery jobs left
// "running" by a killed instance, whose River client is not alive (River
// rescues them after its rescue delay, minutes); it returns how many there
// are. alive is the River client id of the instance still running.
func waitDrainedExceptDead(t testing.TB, db *pgx.Conn, alive string, timeout time.Duration) int {
	t.Helper()
	start := time.Now()
	for {
		var outbox, held, queued, dead int
		err := db.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM event_bus_outbox),
			(SELECT count(*) FROM event_bus_held),
			(SELECT count(*) FROM river_job WHERE queue = 'events' AND state NOT IN ('completed', 'cancelled', 'discarded')
				AND NOT (state = 'running' AND attempted_by[array_length(attempted_by, 1)] <> $1)),
			(SELECT count(*) FROM river_job WHERE queue = 'events' AND state = 'running' AND attempted_by[array_length(attempted_by, 1)] <> $1)`, alive).Scan(&outbox, &held, &queued, &dead)
		if err == nil && outbox == 0 && held == 0 && queued == 0 {
			return dead
		}
		if time.Since(start) > timeout {
			t.Fatalf("events not drained within %v: outbox %d, held %d, queued %d (%v)", timeout, outbox, held, queued, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// riverClientID is the id of s's River client, from its start-up line.
func riverClientID(t testing.TB, s *server) string {
	t.Helper()
	re := regexp.MustCompile(`msg="jobs: started" .*id=(\S+)`)
	for _, l := range s.logLines(re) {
		return strings.Trim(re.FindStringSubmatch(l)[1], `"`)
	}
	t.Fatalf("%s logged no River client id", s.name)
	return ""
}

// countUndelivered counts the invites of tag whose e-mail none of servers
// delivered.
func countUndelivered(t testing.TB, db *pgx.Conn, tag string, servers ...*server) int {
	t.Helper()
	sent := map[string]bool{}
	for _, s := range servers {
		for _, l := range s.logLines(deliveredLine) {
			sent[strings.ToLower(deliveredLine.FindStringSubmatch(l)[1])] = true
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
	n := 0
	for _, e := range emails {
		if !sent[e] {
			n++
		}
	}
	return n
}
