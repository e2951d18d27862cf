package wftimers_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmigrations "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/wftimers"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/internal/testkit"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(childMain(url))
	}
	pgtest.Main(m)
}

var discard = slog.New(slog.DiscardHandler)

// nodeKey names the instance a step runs on: each node's container holds its
// own name, and steps resolve it as they would resolve a service.
var nodeKey = container.NewKey[string]("node")

// journal records what steps did, on which node.
type journal struct {
	mu    sync.Mutex
	lines []string
	at    map[string]time.Time
}

func (j *journal) add(line string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.lines = append(j.lines, line)
	if j.at == nil {
		j.at = map[string]time.Time{}
	}
	j.at[line] = time.Now()
}

func (j *journal) has(line string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	_, ok := j.at[line]
	return ok
}

func (j *journal) when(line string) time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.at[line]
}

func (j *journal) String() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return fmt.Sprint(j.lines)
}

func nodeOf(sc workflows.StepContext) string {
	n, err := container.Resolve(sc.Container, nodeKey)
	if err != nil {
		return "?"
	}
	return n
}

// node is one instance: a job engine, its wake-up timers and a workflow
// engine, on the shared database.
type node struct {
	name   string
	jobs   *jobs.Engine
	wf     *workflows.Engine
	events chan workflows.Event
}

func newNode(t testing.TB, pool *pgxpool.Pool, name string, poll time.Duration, defs ...workflows.Definition) *node {
	t.Helper()
	return newNodeWith(t, pool, name, nodeOptions{}, poll, defs...)
}

// nodeOptions changes what newNodeWith builds: the job engine's mode
// (default shared; jobs.ModeServer enqueues wake-ups but works none, as an
// API-only process) and the workflow store (default a pgstore.Store).
type nodeOptions struct {
	mode  jobs.Mode
	store workflows.Store
}

func newNodeWith(t testing.TB, pool *pgxpool.Pool, name string, o nodeOptions, poll time.Duration, defs ...workflows.Definition) *node {
	t.Helper()
	mode, store := o.mode, o.store
	if mode == "" {
		mode = jobs.ModeShared
	}
	if store == nil {
		store = pgstore.New(pool)
	}
	c := container.New()
	if err := container.Register(c, nodeKey, name); err != nil {
		t.Fatal(err)
	}
	je := testkit.Jobs(t, pool, c, jobs.Options{ID: name, Mode: mode, Configure: testkit.FastRiver})
	tm, err := wftimers.New(je)
	if err != nil {
		t.Fatal(err)
	}
	wf := workflows.NewEngine(
		workflows.WithStore(store),
		workflows.WithContainer(c),
		workflows.WithLogger(discard),
		workflows.WithTimers(tm),
		workflows.WithInstanceID(name, 2*time.Second),
		workflows.WithAsyncPollInterval(poll),
	)
	tm.Bind(wf)
	if err := wf.Register(defs...); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, jobs: je, wf: wf, events: make(chan workflows.Event, 256)}
	wf.Subscribe(func(ev workflows.Event) {
		select {
		case n.events <- ev:
		default:
		}
	})
	if err := je.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop shuts the node down as a process going away would: its workflow
// engine (and in-process timers) and its job engine stop.
func (n *node) stop(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = n.wf.Shutdown(ctx)
	_ = n.jobs.Stop(ctx)
}

// waitEvent waits for an event of type typ on the node.
func (n *node) waitEvent(t testing.TB, typ workflows.EventType) workflows.Event {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev := <-n.events:
			if ev.Type == typ {
				return ev
			}
		case <-timeout:
			t.Fatalf("%s: no %s event", n.name, typ)
		}
	}
}

func newPool(t testing.TB) *pgxpool.Pool {
	return pgtest.NewPool(t, jobsmigrations.Source, wfmigrations.Source())
}

type result struct {
	out string
	err error
}

func runAsync(ctx context.Context, wf *workflows.Workflow[string, string], eng *workflows.Engine, in, txID string) chan result {
	ch := make(chan result, 1)
	go func() {
		out, err := wf.Run(ctx, nil, in, workflows.WithEngine(eng), workflows.WithTransactionID(txID))
		ch <- result{out, err}
	}()
	return ch
}

func wait(t testing.TB, ch chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(90 * time.Second):
		t.Fatal("Run did not return")
	}
	return result{}
}

// flakyWorkflow fails its step's first attempt and succeeds on the second,
// after interval.
func flakyWorkflow(name string, j *journal, interval time.Duration) *workflows.Workflow[string, string] {
	step := workflows.NewStep(name+"-step", func(ctx context.Context, sc workflows.StepContext, in string) (string, struct{}, error) {
		j.add(fmt.Sprintf("attempt %d on %s", sc.Attempt, nodeOf(sc)))
		if sc.Attempt == 1 {
			return "", struct{}{}, errors.New("not yet")
		}
		return in + " done", struct{}{}, nil
	}, nil, workflows.WithRetries(2, interval))
	return workflows.New(name, func(wc *workflows.Context, in string) (string, error) { return step.Run(wc, in) })
}

func wakeJobs(t *testing.T, pool *pgxpool.Pool, txID string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'medusa_workflow_wake' AND args->>'transaction_id' = $1`, txID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRetryIntervalParksTheRun(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := flakyWorkflow("flaky", j, 300*time.Millisecond)
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)

	ch := runAsync(context.Background(), wf, a.wf, "job", "tx-retry")
	a.waitEvent(t, workflows.EventPark)
	// Parked: the run is saved with its wake-up, owned by no one, and the
	// wake-up is a job on the job engine.
	rec, err := a.wf.Store().GetRun(context.Background(), workflows.RunKey{WorkflowID: "flaky", TransactionID: "tx-retry"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State.Finished() {
		t.Fatalf("run finished before its retry: %+v", rec)
	}
	if got := wakeJobs(t, pool, "tx-retry"); got != 1 {
		t.Errorf("wake-up jobs = %d, want 1", got)
	}

	r := wait(t, ch)
	if r.err != nil || r.out != "job done" {
		t.Fatalf("Run = %q, %v", r.out, r.err)
	}
	if gap := j.when("attempt 2 on a").Sub(j.when("attempt 1 on a")); gap < 300*time.Millisecond {
		t.Errorf("attempt 2 came %v after attempt 1, before the retry interval", gap)
	}
	rec, err = a.wf.Store().GetRun(context.Background(), workflows.RunKey{WorkflowID: "flaky", TransactionID: "tx-retry"})
	if err != nil {
		t.Fatalf("a parked run's record is kept after it finishes: %v", err)
	}
	if rec.State != workflows.RunDone || !rec.ParkedAt.IsZero() || rec.Retention < workflows.ParkedRetention {
		t.Errorf("finished run = %+v", rec)
	}
}

func TestParkedRetryResumesOnAnotherInstance(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := flakyWorkflow("flaky-moved", j, 500*time.Millisecond)
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)
	b := newNode(t, pool, "b", time.Hour, wf)

	ch := runAsync(context.Background(), wf, a.wf, "job", "tx-moved")
	a.waitEvent(t, workflows.EventPark)
	a.stop(t) // instance a goes away with its in-process timer

	b.waitEvent(t, workflows.EventFinish)
	if !j.has("attempt 1 on a") || !j.has("attempt 2 on b") {
		t.Fatalf("attempts: %s", j)
	}
	// The caller on a still gets the result, from the stored run.
	r := wait(t, ch)
	if r.err != nil || r.out != "job done" {
		t.Fatalf("Run = %q, %v", r.out, r.err)
	}
}

func asyncWorkflow(name string, j *journal, timeout time.Duration) *workflows.Workflow[string, string] {
	var opts []workflows.StepOption
	opts = append(opts, workflows.WithAsync())
	if timeout > 0 {
		opts = append(opts, workflows.WithStepTimeout(timeout))
	}
	ask := workflows.NewStep(name+"-ask", func(ctx context.Context, sc workflows.StepContext, in string) (string, string, error) {
		j.add("ask on " + nodeOf(sc))
		return "", in, nil
	}, func(ctx context.Context, sc workflows.StepContext, in string) error {
		j.add("undo ask " + in + " on " + nodeOf(sc))
		return nil
	}, opts...)
	after := workflows.NewStep(name+"-after", func(ctx context.Context, sc workflows.StepContext, in string) (string, struct{}, error) {
		j.add("after on " + nodeOf(sc))
		return in + "!", struct{}{}, nil
	}, nil)
	return workflows.New(name, func(wc *workflows.Context, in string) (string, error) {
		answer, err := ask.Run(wc, in)
		if err != nil {
			return "", err
		}
		return after.Run(wc, answer)
	})
}

func TestAsyncCompletionOnAnotherInstanceResumesThere(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("approve", j, 0)
	// Neither polls: b takes the parked run in the completion's own
	// transaction (no wake-up job, so a's job worker cannot take it
	// first), and b's announcement of its end gives the caller on a its
	// result.
	a := newNode(t, pool, "a", time.Hour, wf)
	b := newNode(t, pool, "b", time.Hour, wf)

	ch := runAsync(context.Background(), wf, a.wf, "order 7", "tx-async")
	a.waitEvent(t, workflows.EventPark)
	key := workflows.RunKey{WorkflowID: "approve", TransactionID: "tx-async"}
	if err := b.wf.SetStepSuccess(context.Background(), key, "approve-ask", "approved"); err != nil {
		t.Fatal(err)
	}
	ev := b.waitEvent(t, workflows.EventFinish)
	if ev.State != workflows.RunDone || ev.Result != "approved!" {
		t.Fatalf("finish on b: %+v", ev)
	}
	if !j.has("after on b") || j.has("after on a") {
		t.Fatalf("journal: %s", j)
	}
	if n := wakeJobs(t, pool, "tx-async"); n != 0 {
		t.Errorf("wake-up jobs = %d, want 0 (the completing instance took the run)", n)
	}
	r := wait(t, ch)
	if r.err != nil || r.out != "approved!" {
		t.Fatalf("Run on a = %q, %v", r.out, r.err)
	}
	// A second completion is refused: the step is no longer waiting.
	err := b.wf.SetStepSuccess(context.Background(), key, "approve-ask", "again")
	if err == nil {
		t.Fatal("a second completion was accepted")
	}
}

// A completion made on an instance that cannot resume the run (an API-only
// process that neither registers the workflow nor works jobs) schedules the
// wake-up on the job engine in its transaction; the instance that works it
// resumes the run.
func TestCompletionOnAnInstanceWithoutTheWorkflow(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("hook", j, 0)
	a := newNode(t, pool, "a", time.Hour, wf)
	b := newNodeWith(t, pool, "b", nodeOptions{mode: jobs.ModeServer}, time.Hour) // registers nothing, works no job

	ch := runAsync(context.Background(), wf, a.wf, "order 9", "tx-hook")
	a.waitEvent(t, workflows.EventPark)
	key := workflows.RunKey{WorkflowID: "hook", TransactionID: "tx-hook"}
	if err := b.wf.SetStepSuccess(context.Background(), key, "hook-ask", "paid"); err != nil {
		t.Fatal(err)
	}
	if n := wakeJobs(t, pool, "tx-hook"); n != 1 {
		t.Errorf("wake-up jobs = %d, want 1", n)
	}
	r := wait(t, ch)
	if r.err != nil || r.out != "paid!" {
		t.Fatalf("Run on a = %q, %v", r.out, r.err)
	}
	if !j.has("after on a") {
		t.Fatalf("journal: %s", j)
	}
}

// lateListener is a Postgres store whose listener of finished runs starts
// listening only when release is closed: announcements made before are
// lost, as when the listener connects late or reconnects.
type lateListener struct {
	*pgstore.Store
	release chan struct{}
}

func (s lateListener) ListenFinished(ctx context.Context, listening func(), fn func(workflows.RunKey)) error {
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.ListenFinished(ctx, listening, fn)
}

// announcingStore is a Postgres store that reports each announcement of a
// finished run (NotifyFinished) on announced once it is made.
type announcingStore struct {
	*pgstore.Store
	announced chan workflows.RunKey
}

func (s announcingStore) NotifyFinished(ctx context.Context, key workflows.RunKey) error {
	err := s.Store.NotifyFinished(ctx, key)
	s.announced <- key
	return err
}

// A run that finishes on another instance before the caller's engine
// listens for announcements (its NOTIFY is lost) still returns to the caller
// as soon as the engine listens, not at its next poll (an hour here).
func TestCallerGetsARunFinishedBeforeItsListenerStarted(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("late", j, 0)
	store := lateListener{Store: pgstore.New(pool), release: make(chan struct{})}
	a := newNodeWith(t, pool, "a", nodeOptions{store: store}, time.Hour, wf)
	bStore := announcingStore{Store: pgstore.New(pool), announced: make(chan workflows.RunKey, 1)}
	b := newNodeWith(t, pool, "b", nodeOptions{store: bStore}, time.Hour, wf)

	ch := runAsync(context.Background(), wf, a.wf, "order 3", "tx-late")
	a.waitEvent(t, workflows.EventPark)
	key := workflows.RunKey{WorkflowID: "late", TransactionID: "tx-late"}
	if err := b.wf.SetStepSuccess(context.Background(), key, "late-ask", "ok"); err != nil {
		t.Fatal(err)
	}
	select { // announced while a does not listen
	case <-bStore.announced:
	case <-time.After(60 * time.Second):
		t.Fatal("b did not announce the run's end")
	}
	close(store.release)
	r := wait(t, ch)
	if r.err != nil || r.out != "ok!" {
		t.Fatalf("Run on a = %q, %v", r.out, r.err)
	}
}

func TestAsyncTimeoutFiresAfterItsInstanceIsGone(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("deadline", j, time.Second)
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)
	b := newNode(t, pool, "b", time.Hour, wf)

	ch := runAsync(context.Background(), wf, a.wf, "order 8", "tx-deadline")
	a.waitEvent(t, workflows.EventPark)
	a.stop(t)

	ev := b.waitEvent(t, workflows.EventFinish)
	if ev.State != workflows.RunReverted || !errors.Is(ev.Err, workflows.ErrStepTimeout) {
		t.Fatalf("finish on b: %+v", ev)
	}
	if !j.has("undo ask order 8 on b") || j.has("after on a") || j.has("after on b") {
		t.Fatalf("journal: %s", j)
	}
	view, err := b.wf.GetRun(context.Background(), workflows.RunKey{WorkflowID: "deadline", TransactionID: "tx-deadline"})
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Steps) != 1 || view.Steps[0].State != workflows.StepReverted {
		t.Fatalf("steps: %+v", view.Steps)
	}
	r := wait(t, ch)
	if !errors.Is(r.err, workflows.ErrStepTimeout) {
		t.Fatalf("Run on a = %q, %v; want a step timeout", r.out, r.err)
	}
}

func TestCancellingTheCallerCancelsAParkedRun(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("cancel-me", j, 0)
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)

	ctx, cancel := context.WithCancel(context.Background())
	ch := runAsync(ctx, wf, a.wf, "order 9", "tx-cancel")
	a.waitEvent(t, workflows.EventPark)
	cancel()
	r := wait(t, ch)
	if !errors.Is(r.err, workflows.ErrCancelled) {
		t.Fatalf("Run = %q, %v; want cancelled", r.out, r.err)
	}
	if !j.has("undo ask order 9 on a") {
		t.Fatalf("journal: %s", j)
	}
	rec, err := a.wf.Store().GetRun(context.Background(), workflows.RunKey{WorkflowID: "cancel-me", TransactionID: "tx-cancel"})
	if err != nil || rec.State != workflows.RunReverted {
		t.Fatalf("run = %+v, %v", rec, err)
	}
}

func TestCompletionBeforeTheParkIsNotLost(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := asyncWorkflow("quick", j, 0)
	a := newNode(t, pool, "a", time.Hour, wf)
	key := workflows.RunKey{WorkflowID: "quick", TransactionID: "tx-quick"}
	// The completion arrives while the run is between its waiting
	// checkpoint and its park: the park must see it and go on.
	a.wf.Subscribe(func(ev workflows.Event) {
		if ev.Type == workflows.EventStepAwaiting && ev.TransactionID == key.TransactionID {
			if err := a.wf.SetStepSuccess(context.Background(), key, "quick-ask", "fast"); err != nil {
				t.Errorf("SetStepSuccess: %v", err)
			}
		}
	})
	r := wait(t, runAsync(context.Background(), wf, a.wf, "x", key.TransactionID))
	if r.err != nil || r.out != "fast!" {
		t.Fatalf("Run = %q, %v", r.out, r.err)
	}
}

func TestRecoverTakesAParkedRunWhoseWakeUpWasLost(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	wf := flakyWorkflow("lost", j, 100*time.Millisecond)
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)

	ch := runAsync(context.Background(), wf, a.wf, "job", "tx-lost")
	a.waitEvent(t, workflows.EventPark)
	a.stop(t)
	// The wake-up job is lost (deleted by hand).
	if _, err := pool.Exec(context.Background(), `DELETE FROM river_job WHERE kind = 'medusa_workflow_wake'`); err != nil {
		t.Fatal(err)
	}
	b := newNode(t, pool, "b", time.Hour, wf)
	key := workflows.RunKey{WorkflowID: "lost", TransactionID: "tx-lost"}
	// Not overdue by a lease (2 s) yet: recovery leaves the parked run to its wake-up.
	if keys, err := b.wf.Recover(context.Background()); err != nil || len(keys) != 0 {
		t.Fatalf("early Recover = %v, %v", keys, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		keys, err := b.wf.Recover(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 1 && keys[0] == key {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Recover never took the overdue parked run")
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.waitEvent(t, workflows.EventFinish)
	if !j.has("attempt 2 on b") {
		t.Fatalf("journal: %s", j)
	}
	if r := wait(t, ch); r.err != nil || r.out != "job done" {
		t.Fatalf("Run = %q, %v", r.out, r.err)
	}
}

func TestCompensationRetryParksAndResumesElsewhere(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	reserve := workflows.NewStep("reserve", func(ctx context.Context, sc workflows.StepContext, in string) (string, string, error) {
		j.add("reserve on " + nodeOf(sc))
		return in, in, nil
	}, func(ctx context.Context, sc workflows.StepContext, in string) error {
		j.add(fmt.Sprintf("release attempt %d on %s", sc.Attempt, nodeOf(sc)))
		if sc.Attempt == 1 {
			return errors.New("stock service unavailable")
		}
		return nil
	}, workflows.WithRetries(1, 500*time.Millisecond))
	charge := workflows.NewStep("charge", func(ctx context.Context, sc workflows.StepContext, in string) (string, struct{}, error) {
		return "", struct{}{}, workflows.PermanentFailure("card declined")
	}, nil)
	wf := workflows.New("checkout", func(wc *workflows.Context, in string) (string, error) {
		r, err := reserve.Run(wc, in)
		if err != nil {
			return "", err
		}
		return charge.Run(wc, r)
	})
	a := newNode(t, pool, "a", 100*time.Millisecond, wf)
	b := newNode(t, pool, "b", time.Hour, wf)

	ch := runAsync(context.Background(), wf, a.wf, "sku-1", "tx-comp")
	a.waitEvent(t, workflows.EventPark)
	view, err := a.wf.GetRun(context.Background(), workflows.RunKey{WorkflowID: "checkout", TransactionID: "tx-comp"})
	if err != nil {
		t.Fatal(err)
	}
	if view.State != workflows.RunCompensating || view.Steps[0].State != workflows.StepCompensateRetrying {
		t.Fatalf("parked run: %+v", view)
	}
	a.stop(t)

	ev := b.waitEvent(t, workflows.EventFinish)
	if ev.State != workflows.RunReverted {
		t.Fatalf("finish on b: %+v", ev)
	}
	if !j.has("release attempt 1 on a") || !j.has("release attempt 2 on b") {
		t.Fatalf("journal: %s", j)
	}
	// The error that made the run compensate survives the park.
	r := wait(t, ch)
	var re *workflows.RunError
	if !errors.As(r.err, &re) || re.State != workflows.RunReverted || !strings.Contains(r.err.Error(), "card declined") {
		t.Fatalf("Run = %q, %v", r.out, r.err)
	}
}

func TestIdempotentRunWaitsForTheParkedRun(t *testing.T) {
	pool := newPool(t)
	j := &journal{}
	ask := workflows.NewStep("idem-ask", func(ctx context.Context, sc workflows.StepContext, in string) (string, string, error) {
		j.add("ask " + in)
		return "", in, nil
	}, nil, workflows.WithAsync())
	wf := workflows.New("idem", func(wc *workflows.Context, in string) (string, error) { return ask.Run(wc, in) }, workflows.WithIdempotent())
	a := newNode(t, pool, "a", 50*time.Millisecond, wf)

	first := runAsync(context.Background(), wf, a.wf, "x", "tx-idem")
	a.waitEvent(t, workflows.EventPark)
	second := runAsync(context.Background(), wf, a.wf, "x", "tx-idem")
	time.Sleep(100 * time.Millisecond) // let the second caller find the parked run
	if err := a.wf.SetStepSuccess(context.Background(), workflows.RunKey{WorkflowID: "idem", TransactionID: "tx-idem"}, "idem-ask", "yes"); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []chan result{first, second} {
		if r := wait(t, ch); r.err != nil || r.out != "yes" {
			t.Fatalf("Run = %q, %v", r.out, r.err)
		}
	}
	if j.String() != "[ask x]" {
		t.Fatalf("the step ran %s", j)
	}
}
