package faults_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPostgresRestart measures what a fast restart of Postgres costs
// the clients of a server under load (8 clients creating invites in a
// loop, the restart 1.5 s in): the requests answered 503, how long after
// the restart began the last one ended, and when /health turned not ready
// and ready again. Run with -benchtime 1x (each iteration is a whole run,
// about 10 s); TestPostgresRestartUnderLoad checks the same run's promises.
func BenchmarkPostgresRestart(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		f := databaseFault(b, "bench-restart-"+strconv.Itoa(i), (*postgres).restart)
		b.ReportMetric(float64(f.requests), "requests")
		b.ReportMetric(float64(f.failed), "failed-503")
		b.ReportMetric(float64(f.outage.Milliseconds()), "outage-ms")
		b.ReportMetric(float64(f.notReady.Milliseconds()), "not-ready-at-ms")
		b.ReportMetric(float64(f.readyAgain.Milliseconds()), "ready-again-at-ms")
	}
}

// BenchmarkOverload measures the server at twice its sustainable invite
// rate. It first finds the rate 16 closed-loop clients sustain (5 s), then
// offers twice that rate open-loop (a request every 1/(2·rate) s whatever
// the answers take, at most 1,024 waiting on as many connections) for 10 s, and reports the
// answered requests' p50 and p99, the share shed with 503, the rate of
// successes, and the server's peak resident memory during the overload
// (VmHWM, reset before it), with the CPU the server, Postgres and this
// process (the clients) used. "limits" is the server as configured by
// default (MEDUSA_MAX_CONNECTIONS 256, MEDUSA_MAX_IN_FLIGHT the pool's 16
// connections, MEDUSA_MAX_WAITING 128, MEDUSA_MAX_WAIT 500ms); "no-limits"
// turns the shedding off (MEDUSA_MAX_IN_FLIGHT=0, MEDUSA_MAX_CONNECTIONS=0),
// to show what it prevents. Run with -benchtime 1x; $OVER_CONNS changes the
// clients' 1,024 connections.
func BenchmarkOverload(b *testing.B) {
	for _, v := range []struct {
		name string
		env  map[string]string
	}{
		{"limits", map[string]string{}},

		{"no-limits", map[string]string{"MEDUSA_MAX_IN_FLIGHT": "0", "MEDUSA_MAX_CONNECTIONS": "0"}},
	} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				e := newEnv(b)
				s := startServer(b, "server", e.pg.url, v.env)
				tok := s.login(b, adminEmail, adminPassword)
				warm := newLoader(s.base, tok, "warm", 16).closedLoop(16, 5*time.Second, 1<<30, nil)
				rate := float64(tally(warm)[200]) / 5
				logFrom := len(s.log())
				resetPeak(s.cmd.Process.Pid)
				cpu0, self0, pg0 := cpuSeconds(s.cmd.Process.Pid), cpuSeconds(os.Getpid()), e.pg.cpuSeconds()
				start := time.Now()
				rs, unsent := newLoader(s.base, tok, "over", overConns).openLoop(2*rate, 10*time.Second, overConns)
				took := time.Since(start)
				peak := peakRSS(s.cmd.Process.Pid)
				b.ReportMetric(100*(cpuSeconds(s.cmd.Process.Pid)-cpu0)/took.Seconds(), "server-cpu-%")
				b.ReportMetric(100*(cpuSeconds(os.Getpid())-self0)/took.Seconds(), "client-cpu-%")
				b.ReportMetric(100*(e.pg.cpuSeconds()-pg0)/took.Seconds(), "postgres-cpu-%")
				// A connection beyond MEDUSA_MAX_CONNECTIONS while as many
				// are being turned away is closed at once: no answer.
				ok, shed, noAnswer := checkAnswers(b, rs, true)
				checkDurable(b, e.db, "over", rs)
				b.ReportMetric(rate, "sustained-req/s")
				b.ReportMetric(2*rate, "offered-req/s")
				b.ReportMetric(float64(ok)/took.Seconds(), "ok-req/s")
				b.ReportMetric(100*float64(shed)/float64(len(rs)), "shed-%")
				b.ReportMetric(float64(unsent), "unsent")
				b.ReportMetric(100*float64(noAnswer)/float64(len(rs)), "refused-%")
				b.ReportMetric(float64(percentile(rs, 200, 50).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(percentile(rs, 200, 99).Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(percentile(rs, 503, 99).Microseconds())/1000, "p99-503-ms")
				b.ReportMetric(peak/(1<<20), "peak-rss-MB")
				b.ReportMetric(serverP99(s.log()[logFrom:]), "server-p99-ms")
				if code, _ := s.stop(syscall.SIGTERM, 60*time.Second); code != 0 {
					b.Errorf("exit %d", code)
				}
			}
		})
	}
}

// BenchmarkShutdownUnderLoad measures SIGTERM to exit of a server under
// load (8 clients creating invites in a loop for 1.5 s): the in-flight
// requests finish, the job engine and the workflow engine stop. Run with
// -benchtime 1x or more; TestGracefulShutdownUnderLoad checks its promises.
func BenchmarkShutdownUnderLoad(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		e := newEnv(b)
		s := startServer(b, "server", e.pg.url, nil)
		l := newLoader(s.base, s.login(b, adminEmail, adminPassword), "bench-term-"+strconv.Itoa(i), 8)
		var code int
		var took time.Duration
		rs := l.closedLoop(8, 30*time.Second, 1<<30, func(stop func()) {
			time.Sleep(1500 * time.Millisecond)
			code, took = s.stop(syscall.SIGTERM, 60*time.Second)
			stop()
		})
		if code != 0 {
			b.Errorf("exit %d", code)
		}
		checkAnswers(b, rs, true)
		checkDurable(b, e.db, l.tag, rs)
		b.ReportMetric(float64(took.Microseconds())/1000, "shutdown-ms")
	}
}

// resetPeak resets a process's peak resident memory (VmHWM), where the
// kernel allows it.
func resetPeak(pid int) {
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
}

// peakRSS is a process's peak resident memory in bytes (VmHWM).
func peakRSS(pid int) float64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// cpuSeconds is the CPU time (user and system) a process used so far.
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks (USER_HZ = 100 on Linux)
}

var overConns = func() int {
	if v, err := strconv.Atoi(os.Getenv("OVER_CONNS")); err == nil {
		return v
	}
	return 1024
}()

// cpuSeconds is the CPU time Postgres used so far: the postmaster's and
// its running children's (a backend that exited takes its time with it,
// so this undercounts short sessions; the server's pool keeps its own).
func (p *postgres) cpuSeconds() float64 {
	pid := p.srv.PID()
	total := cpuSeconds(pid)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			total += cpuSeconds(n)
		}
	}
	return total
}

var accessDuration = regexp.MustCompile(`msg="http request" method=POST path=/admin/invites .*status=200 .*duration=(\S+)`)

// serverP99 is the p99, in milliseconds, of the durations the server's
// access lines in log give the invites it answered 200 (the time in the
// server, from the request read to the answer written).
func serverP99(log string) float64 {
	var ds []time.Duration
	for _, l := range strings.Split(log, "\n") {
		if m := accessDuration.FindStringSubmatch(l); m != nil {
			if d, err := time.ParseDuration(m[1]); err == nil {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[(len(ds)-1)*99/100].Microseconds()) / 1000
}
