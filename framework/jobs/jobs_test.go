package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newEngine(t *testing.T, pool *pgxpool.Pool, c *container.Container, mode jobs.Mode) *jobs.Engine {
	t.Helper()
	return testkit.Jobs(t, pool, c, jobs.Options{Mode: mode, Configure: testkit.FastRiver})
}

func TestParseSchedule(t *testing.T) {
	base := time.Date(2026, 11, 27, 10, 7, 3, 500_000_000, time.UTC)
	for _, tc := range []struct {
		expr string
		want time.Time
	}{
		{"*/5 * * * *", time.Date(2026, 11, 27, 10, 10, 0, 0, time.UTC)},
		{"*/2 * * * * *", time.Date(2026, 11, 27, 10, 7, 4, 0, time.UTC)},
		{"@hourly", time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)},
		{"@every 10s", time.Date(2026, 11, 27, 10, 7, 10, 0, time.UTC)},
		{"0 9 * * *", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)},
	} {
		s, err := jobs.ParseSchedule(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		// The same instant in another zone gives the same tick: ticks must not
		// depend on the process's zone.
		paris, _ := time.LoadLocation("Europe/Paris")
		for _, at := range []time.Time{base, base.In(paris)} {
			if got := s.Next(at); !got.Equal(tc.want) {
				t.Errorf("%q.Next(%s) = %s, want %s", tc.expr, at, got, tc.want)
			}
		}
	}
	for _, bad := range []string{"", "* * *", "61 * * * *", "@every nope", "@every -1s"} {
		if _, err := jobs.ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func TestEveryIsAligned(t *testing.T) {
	s, err := jobs.Every(250 * time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	a := time.Date(2026, 1, 1, 0, 0, 1, 100_000_000, time.UTC)
	b := time.Date(2026, 1, 1, 0, 0, 1, 240_000_000, time.UTC) // another instance, a bit later
	if !s.Next(a).Equal(s.Next(b)) || !s.Next(a).Equal(time.Date(2026, 1, 1, 0, 0, 1, 250_000_000, time.UTC)) {
		t.Fatalf("Next(a)=%s Next(b)=%s", s.Next(a), s.Next(b))
	}
	if _, err := jobs.Every(0); err == nil {
		t.Fatal("Every(0) accepted")
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]jobs.Mode{"": jobs.ModeShared, "shared": jobs.ModeShared, "server": jobs.ModeServer, "worker": jobs.ModeWorker} {
		got, err := jobs.ParseMode(in)
		if err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := jobs.ParseMode("both"); err == nil {
		t.Error("ParseMode(both) accepted")
	}
	if jobs.ModeServer.Works() || !jobs.ModeWorker.Works() || !jobs.ModeShared.Works() {
		t.Error("Works")
	}
}

type tickLog struct {
	mu    sync.Mutex
	ticks map[time.Time]int
	runs  int
}

func (l *tickLog) handler(ctx context.Context, c *container.Container, run jobs.Run) error {
	if c == nil || c.Parent() == nil {
		return errors.New("handler did not get a scope of the root container")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ticks[run.Tick]++
	l.runs++
	return nil
}

// Two engines on one database, both scheduling the same job: each tick runs
// once.
func TestScheduledJobRunsOncePerTick(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	log := &tickLog{ticks: map[time.Time]int{}}
	root := container.New()
	var engines []*jobs.Engine
	for range 2 {
		e := newEngine(t, pool, root, jobs.ModeShared)
		if err := e.Schedule(jobs.Scheduled{Name: "report", Every: 100 * time.Millisecond, Handler: log.handler}); err != nil {
			t.Fatal(err)
		}
		engines = append(engines, e)
	}
	for _, e := range engines {
		testkit.StartJobs(t, e)
	}
	pgtest.WaitFor(t, "8 ticks", func() bool {
		log.mu.Lock()
		defer log.mu.Unlock()
		return len(log.ticks) >= 8
	})
	for _, e := range engines {
		if err := e.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for tick, n := range log.ticks {
		if n != 1 {
			t.Errorf("tick %s ran %d times", tick, n)
		}
		if tick.Truncate(100*time.Millisecond) != tick {
			t.Errorf("tick %s is not on the schedule", tick)
		}
	}
	var inserted int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'medusa_scheduled'`).Scan(&inserted); err != nil {
		t.Fatal(err)
	}
	if inserted != log.runs {
		t.Errorf("%d jobs for %d runs", inserted, log.runs)
	}
}

func TestRunNowAndUnknownJob(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	ctx := context.Background()
	log := &tickLog{ticks: map[time.Time]int{}}
	e := newEngine(t, pool, container.New(), jobs.ModeShared)
	if err := e.Schedule(jobs.Scheduled{Name: "nightly", Cron: "0 3 * * *", Handler: log.handler}); err != nil {
		t.Fatal(err)
	}
	testkit.StartJobs(t, e)
	tick := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	for range 2 { // the second insert of the same tick is skipped
		if err := e.RunNow(ctx, "nightly", tick); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.RunNow(ctx, "nope", tick); err == nil {
		t.Fatal("RunNow of an unknown job accepted")
	}
	// A tick of a job this release no longer has (removed from the code) is
	// cancelled, as Medusa removes a scheduled workflow that no longer exists.
	client, err := e.Client()
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Insert(ctx, jobs.ScheduledArgs{Name: "removed", Tick: tick}, &river.InsertOpts{Queue: jobs.QueueScheduled})
	if err != nil {
		t.Fatal(err)
	}
	pgtest.WaitFor(t, "the removed job's tick to be cancelled", func() bool {
		row, err := client.JobGet(ctx, res.Job.ID)
		return err == nil && row.State == "cancelled"
	})
	pgtest.WaitFor(t, "nightly", func() bool { log.mu.Lock(); defer log.mu.Unlock(); return log.runs == 1 })
	log.mu.Lock()
	defer log.mu.Unlock()
	if log.ticks[tick] != 1 {
		t.Fatalf("ticks %v", log.ticks)
	}
}

func TestScheduleValidationAndFreeze(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	e := newEngine(t, pool, nil, jobs.ModeServer)
	h := func(context.Context, *container.Container, jobs.Run) error { return nil }
	for _, s := range []jobs.Scheduled{
		{Name: "", Cron: "@hourly", Handler: h},
		{Name: "a b", Cron: "@hourly", Handler: h},
		{Name: "x", Cron: "@hourly"},
		{Name: "x", Handler: h},
		{Name: "x", Cron: "@hourly", Every: time.Second, Handler: h},
		{Name: "x", Cron: "not cron", Handler: h},
		{Name: "x", Every: -time.Second, Handler: h},
	} {
		if err := e.Schedule(s); err == nil {
			t.Errorf("Schedule(%+v) accepted", s)
		}
	}
	if err := e.Schedule(jobs.Scheduled{Name: "x", Cron: "@hourly", Handler: h}); err != nil {
		t.Fatal(err)
	}
	if err := e.Schedule(jobs.Scheduled{Name: "x", Cron: "@daily", Handler: h}); err == nil {
		t.Error("duplicate name accepted")
	}
	testkit.StartJobs(t, e)
	if err := e.Schedule(jobs.Scheduled{Name: "late", Cron: "@daily", Handler: h}); !errors.Is(err, jobs.ErrFrozen) {
		t.Errorf("Schedule after start: %v", err)
	}
	if err := e.AddQueue("late", 1); !errors.Is(err, jobs.ErrFrozen) {
		t.Errorf("AddQueue after start: %v", err)
	}
	if _, err := jobs.New(nil, nil, jobs.Options{}); err == nil {
		t.Error("nil pool accepted")
	}
	if _, err := jobs.New(pool, nil, jobs.Options{Mode: "both"}); err == nil {
		t.Error("bad mode accepted")
	}
}

// The engine's defaults reach River: quick fetches, and a dead instance's
// jobs rescued after minutes rather than River's hour.
func TestRiverConfigDefaults(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	for _, tc := range []struct {
		opts   jobs.Options
		rescue time.Duration
	}{
		{jobs.Options{}, 5 * time.Minute},
		{jobs.Options{JobTimeout: 10 * time.Minute}, 11 * time.Minute},
		{jobs.Options{RescueStuckJobsAfter: 2 * time.Second, JobTimeout: time.Second}, 2 * time.Second},
	} {
		var got river.Config
		tc.opts.Configure = func(c *river.Config) { got = *c }
		tc.opts.Mode = jobs.ModeWorker
		e, err := jobs.New(pool, nil, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Client(); err != nil {
			t.Fatal(err)
		}
		if got.RescueStuckJobsAfter != tc.rescue || got.FetchCooldown != 10*time.Millisecond || got.FetchPollInterval != 200*time.Millisecond {
			t.Errorf("%+v: rescue %s, cooldown %s, poll %s", tc.opts, got.RescueStuckJobsAfter, got.FetchCooldown, got.FetchPollInterval)
		}
		if got.LeaderElectionDisabled || len(got.Queues) != 1 {
			t.Errorf("worker mode: leader election disabled %v, queues %v", got.LeaderElectionDisabled, got.Queues)
		}
	}
	var got river.Config
	e, _ := jobs.New(pool, nil, jobs.Options{Mode: jobs.ModeServer, Configure: func(c *river.Config) { got = *c }})
	if _, err := e.Client(); err != nil {
		t.Fatal(err)
	}
	if !got.LeaderElectionDisabled || got.Queues != nil {
		t.Errorf("server mode: leader election disabled %v, queues %v", got.LeaderElectionDisabled, got.Queues)
	}
}

// Stop while ticks fire and scheduled jobs run returns (no lock held by
// Stop is needed by a running job or a tick loop), and Start works again.
func TestStopWhileBusy(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	var runs atomic.Int64
	e := newEngine(t, pool, nil, jobs.ModeShared)
	if err := e.Schedule(jobs.Scheduled{Name: "busy", Every: 5 * time.Millisecond, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
		runs.Add(1)
		time.Sleep(20 * time.Millisecond)
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		if err := e.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := runs.Load()
		pgtest.WaitFor(t, "runs", func() bool { return runs.Load() >= before+5 })
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			done <- e.Stop(ctx)
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: stop: %v", round, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: Stop hangs", round)
		}
	}
}

// service records its lifecycle calls; failStart makes Start fail.
type service struct {
	name      string
	failStart bool
	log       *[]string
}

func (s *service) Start(context.Context) error {
	*s.log = append(*s.log, "start "+s.name)
	if s.failStart {
		return errors.New("cannot start " + s.name)
	}
	return nil
}

func (s *service) Stop(context.Context) error {
	*s.log = append(*s.log, "stop "+s.name)
	return nil
}

// Services start after River in a working mode and stop before it, in
// reverse order; a failing Start stops what started and fails the engine's
// Start; a server-mode engine never starts them; registration freezes.
func TestServicesLifecycle(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	ctx := context.Background()
	var got []string
	e := newEngine(t, pool, nil, jobs.ModeShared)
	for _, n := range []string{"a", "b"} {
		if err := e.AddService(&service{name: n, log: &got}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.AddService(&service{name: "late", log: &got}); !errors.Is(err, jobs.ErrFrozen) {
		t.Fatalf("AddService after Start: %v", err)
	}
	if err := e.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if want := "start a,start b,stop b,stop a"; joinLog(got) != want {
		t.Fatalf("lifecycle %q, want %q", joinLog(got), want)
	}

	got = nil
	failing := newEngine(t, pool, nil, jobs.ModeWorker)
	_ = failing.AddService(&service{name: "ok", log: &got})
	_ = failing.AddService(&service{name: "bad", failStart: true, log: &got})
	if err := failing.Start(ctx); err == nil || !strings.Contains(err.Error(), "cannot start bad") {
		t.Fatalf("Start with a failing service: %v", err)
	}
	if want := "start ok,start bad,stop ok"; joinLog(got) != want {
		t.Fatalf("lifecycle %q, want %q", joinLog(got), want)
	}
	if err := failing.Stop(ctx); err != nil { // already stopped: no-op
		t.Fatal(err)
	}
	if want := "start ok,start bad,stop ok"; joinLog(got) != want {
		t.Fatalf("lifecycle after a second Stop %q", joinLog(got))
	}

	got = nil
	server := newEngine(t, pool, nil, jobs.ModeServer)
	_ = server.AddService(&service{name: "s", log: &got})
	testkit.StartJobs(t, server)
	if len(got) != 0 {
		t.Fatalf("server mode ran %v", got)
	}
}

func joinLog(l []string) string { return strings.Join(l, ",") }

// River's producers' periodic "Producer job counts" line reaches the
// engine's logger at DEBUG, so an INFO logger (medusa-go dev's) leaves it
// out; River's other records keep their level.
func TestRiverProducerCountsAtDebug(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		var riverLog *slog.Logger
		e, err := jobs.New(pool, nil, jobs.Options{
			Mode:      jobs.ModeWorker,
			Logger:    slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})),
			Configure: func(c *river.Config) { riverLog = c.Logger },
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Client(); err != nil {
			t.Fatal(err)
		}
		// What River logs, as it logs it (producer.go, at INFO).
		riverLog.With("queue", "default").InfoContext(context.Background(), "producer: Producer job counts", "num_completed_jobs", 3)
		riverLog.InfoContext(context.Background(), "River client started", "client_id", "x")
		out := buf.String()
		if !strings.Contains(out, "level=INFO msg=\"River client started\"") {
			t.Errorf("level %s: River's other records are lost or changed:\n%s", level, out)
		}
		counts := strings.Contains(out, "level=DEBUG msg=\"producer: Producer job counts\" queue=default num_completed_jobs=3")
		if counts != (level == slog.LevelDebug) || strings.Contains(out, "level=INFO msg=\"producer") {
			t.Errorf("level %s: job counts logged %v (want only at DEBUG, as DEBUG):\n%s", level, counts, out)
		}
	}
}
