package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
)

// EngineKey is the container key of the workflow engine (Medusa's
// Modules.WORKFLOW_ENGINE, "workflows"). Run uses the engine registered under
// it in the scope it is given.
var EngineKey = container.NewKey[*Engine]("workflows")

// Definition is a workflow as the engine knows it: any *Workflow[In, Out].
type Definition interface {
	Name() string
	resume(ctx context.Context, e *Engine, rec *RunRecord, steps []StepRecord, compensateOnly bool, cause error, woken bool) (*run, error)
}

// Engine runs workflows on a store, keeps the registry of workflows by name
// (needed to recover runs), recovers interrupted runs, completes async steps
// and publishes run events. An Engine is safe for concurrent use.
type Engine struct {
	store     Store
	logger    *slog.Logger
	container *container.Container
	retention time.Duration
	asyncPoll time.Duration
	instance  string
	lease     time.Duration
	// commitEach disables held and joined step transactions.
	commitEach bool
	// timers, when set, makes runs park on durable waits (see WithTimers).
	timers Timers

	lastPurge atomic.Int64 // unix nanoseconds of the last opportunistic purge

	beatOnce sync.Once
	beatStop chan struct{}
	stopOnce sync.Once

	mu        sync.Mutex
	workflows map[string]Definition
	live      map[RunKey]*run
	// recent are the last runs that left live (at most maxRecent, oldest
	// first in recentKeys), so that Wait called just after a run ended
	// still answers its result rather than nil.
	recent     map[RunKey]*run
	recentKeys []RunKey
	waiters    map[waiterKey]chan struct{}
	// alarms are the in-process timers of runs parked by this engine (the
	// fast path of their wake-up; the job engine's is the durable one);
	// finishWait are the callers of Run waiting for a parked run's end.
	alarms     map[RunKey]*time.Timer
	finishWait map[RunKey][]chan *run
	stopped    bool
	// listenStop stops the listener of finished runs (see awaitParked).
	listenStop context.CancelFunc

	subMu   sync.Mutex
	subs    atomic.Pointer[[]subscriber]
	nextSub uint64
}

type waiterKey struct {
	RunKey
	pos string
}

type subscriber struct {
	id uint64
	fn func(Event)
}

// EngineOption configures an Engine.
type EngineOption func(*Engine)

// WithStore sets the store (default: a new MemoryStore).
func WithStore(s Store) EngineOption { return func(e *Engine) { e.store = s } }

// WithLogger sets the logger (default: slog.Default()). Records carry the
// workflow name and the transaction id.
func WithLogger(l *slog.Logger) EngineOption { return func(e *Engine) { e.logger = l } }

// WithContainer sets the container recovered runs resolve services from, and
// that Run uses when given a nil scope.
func WithContainer(c *container.Container) EngineOption {
	return func(e *Engine) { e.container = c }
}

// WithDefaultRetention sets how long finished runs of workflows without
// WithRetention are kept (default 0: deleted when they finish, unless
// idempotent; negative: for ever).
func WithDefaultRetention(d time.Duration) EngineOption {
	return func(e *Engine) { e.retention = d }
}

// WithAsyncPollInterval sets how often a waiting async step re-reads its
// record, to see a completion made by another process (default 1s). A
// completion made through this engine wakes the step at once.
func WithAsyncPollInterval(d time.Duration) EngineOption {
	return func(e *Engine) { e.asyncPoll = d }
}

// WithInstanceID names this engine instance (e.g. the host name) for running
// several instances on one durable store. Runs record the instance that runs
// them, the engine renews a heartbeat for its runs in progress every lease/3,
// and Recover takes over only runs of its own instance id (interrupted by its
// own restart: taken over at once) or whose heartbeat is older than lease
// (their instance died). Without an instance id (the default, for a single
// instance) Recover takes over every unfinished run not running in this
// engine.
func WithInstanceID(id string, lease time.Duration) EngineOption {
	return func(e *Engine) { e.instance, e.lease = id, lease }
}

// WithCommitPerStep makes every step commit its own transaction when it
// ends, as a store without held transactions does. By default, with
// pgstore.Store, a step's transaction may stay open until the next step or
// the finish, and database-only steps may share it (see the package
// documentation): fewer commits, but a step's row locks are then held until
// that later commit, which under contention means longer waits and, for
// runs locking the same rows in opposite orders across steps, deadlocks
// that Postgres breaks by failing one of the steps.
func WithCommitPerStep() EngineOption { return func(e *Engine) { e.commitEach = true } }

// NewEngine returns an engine; by default it keeps runs in memory.
func NewEngine(opts ...EngineOption) *Engine {
	e := &Engine{
		logger:     slog.Default(),
		asyncPoll:  time.Second,
		workflows:  map[string]Definition{},
		live:       map[RunKey]*run{},
		recent:     map[RunKey]*run{},
		waiters:    map[waiterKey]chan struct{}{},
		alarms:     map[RunKey]*time.Timer{},
		finishWait: map[RunKey][]chan *run{},
	}
	for _, o := range opts {
		o(e)
	}
	if e.store == nil {
		e.store = NewMemoryStore()
	}
	if e.container == nil {
		e.container = container.New()
	}
	if e.asyncPoll <= 0 {
		e.asyncPoll = time.Second
	}
	if e.lease <= 0 {
		e.lease = 30 * time.Second
	}
	e.beatStop = make(chan struct{})
	return e
}

// heartbeat starts, once, the goroutine that renews the heartbeat of this
// instance's runs in progress.
func (e *Engine) heartbeat() {
	if e.instance == "" {
		return
	}
	e.beatOnce.Do(func() {
		go func() {
			t := time.NewTicker(e.lease / 3)
			defer t.Stop()
			for {
				select {
				case <-e.beatStop:
					return
				case <-t.C:
				}
				e.mu.Lock()
				n := len(e.live)
				e.mu.Unlock()
				if n == 0 {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), e.lease/3)
				if err := e.store.Heartbeat(ctx, e.instance); err != nil {
					e.logger.WarnContext(ctx, "workflows: heartbeat", "instance", e.instance, "err", err)
				}
				cancel()
			}
		}()
	})
}

// Store returns the engine's store.
func (e *Engine) Store() Store { return e.store }

// Register adds workflows to the registry, so that Recover and Cancel can
// replay their runs. Run registers its workflow itself; register every
// workflow at start-up, before Recover. Registering the same workflow twice is
// fine; a different workflow under a taken name is an error (Medusa's
// `Workflow with id "<name>" and step definition already exists.`).
func (e *Engine) Register(defs ...Definition) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, d := range defs {
		if prev, ok := e.workflows[d.Name()]; ok {
			if prev != d {
				return merrors.New(merrors.InvalidData, "Workflow with id %q and step definition already exists.", d.Name())
			}
			continue
		}
		e.workflows[d.Name()] = d
	}
	return nil
}

func (e *Engine) newRun(parent context.Context, key RunKey, scope *container.Container, rec *RunRecord, timeout time.Duration) *run {
	ctx := events.WithGroup(parent, rec.EventGroupID)
	ctx, cancelCause := context.WithCancelCause(ctx)
	cancel := cancelCause
	if timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeoutCause(ctx, timeout, ErrWorkflowTimeout)
		cancel = func(cause error) { cancelCause(cause); stop() }
	}
	r := &run{eng: e, store: e.store, key: key, groupID: rec.EventGroupID, scope: scope, ctx: ctx, cancel: cancel,
		rec: rec, started: time.Now(), done: make(chan struct{})}
	if timeout > 0 {
		r.wfDeadline = r.started.Add(timeout)
	}
	return r
}

func (e *Engine) addLive(r *run) *run {
	e.mu.Lock()
	defer e.mu.Unlock()
	if other, ok := e.live[r.key]; ok {
		return other
	}
	e.live[r.key] = r
	return nil
}

// maxRecent bounds the finished runs Wait still knows (Engine.recent).
const maxRecent = 64

// rememberLocked records r, which is leaving live as it ends, among the
// recent runs; e.mu is held.
func (e *Engine) rememberLocked(r *run) {
	if _, ok := e.recent[r.key]; !ok {
		e.recentKeys = append(e.recentKeys, r.key)
	}
	e.recent[r.key] = r
	if len(e.recentKeys) > maxRecent {
		delete(e.recent, e.recentKeys[0])
		e.recentKeys = e.recentKeys[1:]
	}
}

func (e *Engine) removeLive(r *run) {
	e.mu.Lock()
	if e.live[r.key] == r {
		delete(e.live, r.key)
	}
	e.mu.Unlock()
}

func (e *Engine) addWaiter(key RunKey, pos string) chan struct{} {
	ch := make(chan struct{}, 1)
	e.mu.Lock()
	e.waiters[waiterKey{key, pos}] = ch
	e.mu.Unlock()
	return ch
}

func (e *Engine) removeWaiter(key RunKey, pos string) {
	e.mu.Lock()
	delete(e.waiters, waiterKey{key, pos})
	e.mu.Unlock()
}

func (e *Engine) wake(key RunKey, pos string) {
	e.mu.Lock()
	ch := e.waiters[waiterKey{key, pos}]
	e.mu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Wait blocks until the run key, if it is running in this engine, finishes
// or parks (WithTimers), and returns its error (nil when it is not running
// here, or parked). A run that ended here just before the call (one of the
// engine's last few) still answers its error: Wait right after Recover or
// Run cannot miss a fast failure.
func (e *Engine) Wait(ctx context.Context, key RunKey) error {
	e.mu.Lock()
	r := e.live[key]
	if r == nil {
		r = e.recent[key]
	}
	e.mu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case <-r.done:
		if r.parked {
			return nil
		}
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Recover resumes the runs the store holds as invoking or compensating that
// are not running in this engine: those interrupted by a crash or a restart.
// An invoking run is replayed from its checkpoints (completed steps return
// their checkpointed output without running again) and goes on; a
// compensating run finishes its compensation. Runs continue in the
// background with the engine's container; Recover returns their keys once
// they have started (use Wait to wait for one). Runs of unregistered workflows
// are left alone and reported in the error. Recover also purges expired
// finished runs.
func (e *Engine) Recover(ctx context.Context) ([]RunKey, error) {
	if _, err := e.store.Purge(ctx, time.Now()); err != nil {
		e.logger.WarnContext(ctx, "workflows: purge finished runs", "err", err)
	}
	e.heartbeat()
	staleBefore := time.Now().Add(100 * 365 * 24 * time.Hour) // single instance: every run
	if e.instance != "" {
		staleBefore = time.Now().Add(-e.lease)
	}
	// A parked run whose wake-up is a lease overdue lost it (its job was
	// never delivered): recovery takes it over.
	recs, err := e.store.ClaimRuns(ctx, e.instance, staleBefore, time.Now().Add(-e.lease))
	if err != nil {
		return nil, fmt.Errorf("workflows: recover: list runs: %w", err)
	}
	var keys []RunKey
	var errs []error
	bg := context.WithoutCancel(ctx)
	for i := range recs {
		rec := &recs[i]
		e.mu.Lock()
		def := e.workflows[rec.WorkflowID]
		_, live := e.live[rec.RunKey]
		e.mu.Unlock()
		if live {
			continue
		}
		if def == nil {
			errs = append(errs, fmt.Errorf("workflows: recover %s/%s: workflow %q is not registered", rec.WorkflowID, rec.TransactionID, rec.WorkflowID))
			continue
		}
		steps, err := e.store.Steps(ctx, rec.RunKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflows: recover %s/%s: steps: %w", rec.WorkflowID, rec.TransactionID, err))
			continue
		}
		if _, err := def.resume(bg, e, rec, steps, rec.State == RunCompensating, nil, false); err != nil {
			errs = append(errs, err)
			continue
		}
		keys = append(keys, rec.RunKey)
	}
	return keys, errors.Join(errs...)
}

// Shutdown waits for the runs in progress in this engine to finish, or for
// ctx to end, and stops the heartbeat (WithInstanceID). Runs still in
// progress then are recovered at the next start (with a durable store). Wire
// it with Recover as a container lifecycle hook, which runs after the
// registered services start and before they stop:
//
//	root.OnLifecycle("workflows", func(ctx context.Context) error {
//		_, err := eng.Recover(ctx)
//		return err
//	}, eng.Shutdown)
func (e *Engine) Shutdown(ctx context.Context) error {
	defer e.stopOnce.Do(func() { close(e.beatStop) })
	e.mu.Lock()
	e.stopped = true
	if e.listenStop != nil {
		e.listenStop()
	}
	for k, t := range e.alarms {
		t.Stop()
		delete(e.alarms, k)
	}
	e.mu.Unlock()
	for {
		e.mu.Lock()
		var r *run
		for _, x := range e.live {
			r = x
			break
		}
		e.mu.Unlock()
		if r == nil {
			return nil
		}
		select {
		case <-r.done:
		case <-ctx.Done():
			return fmt.Errorf("workflows: shutdown with runs in progress: %w", ctx.Err())
		}
	}
}

// Cancel reverts a run (Medusa's cancel): a run running in this engine stops
// before its next step and compensates; a finished, done run still in the
// store (idempotent or retained) is replayed from its checkpoints and
// compensated; a parked run (WithTimers) is taken and compensated; a reverted
// run is left alone. Cancelling a failed run is refused ("Cannot revert a
// permanent failed transaction."), and so is cancelling a run in progress on
// another instance whose heartbeat is fresh (conflict: cancel it there).
// Cancel returns once the compensation has finished.
func (e *Engine) Cancel(ctx context.Context, key RunKey) error {
	e.mu.Lock()
	r := e.live[key]
	e.mu.Unlock()
	if r != nil {
		r.cancel(ErrCancelled)
		<-r.done
		if !r.parked {
			return nil
		}
		// It parked before it saw the cancellation: cancel the parked run.
	}
	rec, err := e.store.GetRun(ctx, key)
	if errors.Is(err, ErrRunNotFound) {
		return merrors.New(merrors.NotFound, "Transaction %s could not be found.", key.TransactionID)
	}
	if err != nil {
		return fmt.Errorf("workflows: cancel %s/%s: %w", key.WorkflowID, key.TransactionID, err)
	}
	switch rec.State {
	case RunReverted:
		return nil
	case RunFailed:
		return merrors.New(merrors.NotAllowed, "Cannot revert a permanent failed transaction.")
	}
	e.mu.Lock()
	def := e.workflows[key.WorkflowID]
	e.mu.Unlock()
	if def == nil {
		return merrors.New(merrors.NotFound, "Workflow with id %q not found.", key.WorkflowID)
	}
	wasParked := !rec.ParkedAt.IsZero()
	if !wasParked && !rec.State.Finished() && rec.Owner != "" && rec.Owner != e.instance &&
		!rec.HeartbeatAt.IsZero() && time.Since(rec.HeartbeatAt) < e.lease {
		// Running on another live instance: replaying it here would run its
		// steps twice.
		return merrors.New(merrors.Conflict, "Transaction %s of workflow %s is running on instance %s; cancel it there.", key.TransactionID, key.WorkflowID, rec.Owner)
	}
	if wasParked {
		claimed, err := e.store.ClaimParked(ctx, key, e.instance, time.Time{})
		if err != nil {
			return fmt.Errorf("workflows: cancel %s/%s: claim the parked run: %w", key.WorkflowID, key.TransactionID, err)
		}
		if claimed == nil { // woken at this moment, here or on another instance
			e.mu.Lock()
			r := e.live[key]
			e.mu.Unlock()
			if r != nil {
				return e.Cancel(ctx, key)
			}
			return merrors.New(merrors.Conflict, "Transaction %s of workflow %s was resumed on another instance; cancel it again.", key.TransactionID, key.WorkflowID)
		}
		e.disarm(key)
		rec = claimed
	}
	steps, err := e.store.Steps(ctx, key)
	if err != nil {
		return fmt.Errorf("workflows: cancel %s/%s: %w", key.WorkflowID, key.TransactionID, err)
	}
	rec.FinishedAt = time.Time{}
	// A parked run was still going: it ends cancelled, as a running one
	// does. A finished one is only compensated.
	var cause error
	if !rec.State.Finished() {
		cause = ErrCancelled
	}
	nr, err := def.resume(context.WithoutCancel(ctx), e, rec, steps, true, cause, wasParked)
	if err != nil {
		return err
	}
	<-nr.done
	var re *RunError
	if errors.As(nr.err, &re) && len(re.CompensateErrors()) > 0 {
		return nr.err
	}
	return nil
}

// SetStepSuccess completes the waiting async step stepName of run key with
// response as its output (the step's Out, or any value that JSON-encodes to
// it). It fails with not_found when the run ("Transaction <id> could not be
// found.") or the step ("Action not found.") is unknown, and with not_allowed
// when the step is not waiting ("Cannot set step success when status is
// <state>").
func (e *Engine) SetStepSuccess(ctx context.Context, key RunKey, stepName string, response any) error {
	return e.setStep(ctx, key, stepName, "success", func(st *StepRecord) {
		st.State, st.Output, st.Error = StepDone, response, ""
	})
}

// SetStepFailure fails the waiting async step stepName of run key with
// failure (a permanent failure: no retries); the run then reverts. Errors as
// SetStepSuccess.
func (e *Engine) SetStepFailure(ctx context.Context, key RunKey, stepName string, failure error) error {
	if failure == nil {
		failure = errors.New("step failed")
	}
	return e.setStep(ctx, key, stepName, "failure", func(st *StepRecord) {
		st.State, st.Error = StepFailed, failure.Error()
	})
}

func (e *Engine) setStep(ctx context.Context, key RunKey, stepName, what string, set func(*StepRecord)) error {
	steps, err := e.store.Steps(ctx, key)
	if errors.Is(err, ErrRunNotFound) {
		return merrors.New(merrors.NotFound, "Transaction %s could not be found.", key.TransactionID)
	}
	if err != nil {
		return fmt.Errorf("workflows: set step %s: %w", what, err)
	}
	var found *StepRecord
	for i := range steps {
		if steps[i].Name != stepName {
			continue
		}
		if found == nil || steps[i].State == StepWaiting {
			found = &steps[i]
		}
	}
	if found == nil {
		return merrors.New(merrors.NotFound, "Action not found.")
	}
	if found.State != StepWaiting {
		return merrors.New(merrors.NotAllowed, "Cannot set step %s when status is %s", what, found.State)
	}
	upd := *found
	set(&upd)
	var (
		ok      bool
		claimed *RunRecord
		def     Definition
	)
	if e.timers == nil {
		ok, err = e.store.CompareAndSaveStep(ctx, key, &upd, StepWaiting)
	} else {
		// A parked run is taken by this engine in the completion's own
		// transaction, when it can resume it (it registers the workflow and
		// is not shut down): no other instance's wake-up can get it first,
		// and if this process dies before resuming it, recovery takes the
		// run over once its heartbeat is stale, as for any run it owned.
		// Otherwise (the run is not parked yet, or runs elsewhere, or this
		// engine cannot resume it) its wake-up is scheduled on the job
		// engine with the completion, so that it happens even if this
		// process dies now; this engine still tries to take the run at
		// once below (the job then finds it taken).
		e.mu.Lock()
		_, live := e.live[key]
		def = e.workflows[key.WorkflowID]
		canResume := def != nil && !live && !e.stopped
		e.mu.Unlock()
		err = e.store.Atomically(ctx, func(ctx context.Context) error {
			var err error
			claimed = nil
			if ok, err = e.store.CompareAndSaveStep(ctx, key, &upd, StepWaiting); err != nil || !ok {
				return err
			}
			if canResume {
				if claimed, err = e.store.ClaimParked(ctx, key, e.instance, time.Time{}); err != nil || claimed != nil {
					return err
				}
			}
			return e.timers.Schedule(ctx, key, time.Time{})
		})
	}
	if err != nil {
		return fmt.Errorf("workflows: set step %s: %w", what, err)
	}
	if !ok {
		cur, _ := e.store.GetStep(ctx, key, found.Position)
		state := StepState("unknown")
		if cur != nil {
			state = cur.State
		}
		return merrors.New(merrors.NotAllowed, "Cannot set step %s when status is %s", what, state)
	}
	e.wake(key, found.Position)
	switch {
	case claimed != nil:
		if err := e.resumeClaimed(context.WithoutCancel(ctx), key, def, claimed); err != nil {
			// The run is this instance's: recovery resumes it.
			e.logger.WarnContext(ctx, "workflows: resume the run of a completed step", "workflow", key.WorkflowID, "transaction_id", key.TransactionID, "err", err)
		}
	case e.timers != nil:
		if err := e.Wake(context.WithoutCancel(ctx), key, time.Time{}); err != nil {
			// The scheduled wake-up will retry it.
			e.logger.WarnContext(ctx, "workflows: resume the run of a completed step", "workflow", key.WorkflowID, "transaction_id", key.TransactionID, "err", err)
		}
	}
	return nil
}

// RunView is a run with its steps, for an admin view.
type RunView struct {
	RunRecord
	Steps []StepRecord `json:"steps"`
}

// ListRuns lists stored runs, newest first.
func (e *Engine) ListRuns(ctx context.Context, f ListFilter) ([]RunRecord, error) {
	return e.store.ListRuns(ctx, f)
}

// GetRun returns a stored run with its steps in execution order, or a
// not_found error.
func (e *Engine) GetRun(ctx context.Context, key RunKey) (*RunView, error) {
	rec, err := e.store.GetRun(ctx, key)
	if errors.Is(err, ErrRunNotFound) {
		return nil, merrors.New(merrors.NotFound, "Transaction %s could not be found.", key.TransactionID)
	}
	if err != nil {
		return nil, err
	}
	steps, err := e.store.Steps(ctx, key)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(steps, func(a, b StepRecord) int { return comparePositions(a.Position, b.Position) })
	return &RunView{RunRecord: *rec, Steps: steps}, nil
}

// comparePositions orders positions such as "2", "3/0/1", "10" numerically,
// component by component.
func comparePositions(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.Atoi(as[i])
		y, _ := strconv.Atoi(bs[i])
		if x != y {
			return x - y
		}
	}
	return len(as) - len(bs)
}

// Purge deletes finished runs whose retention has passed. The engine also
// purges by itself, in the background, at most once a minute when a run
// finishes, and in Recover.
func (e *Engine) Purge(ctx context.Context) (int, error) {
	return e.store.Purge(ctx, time.Now())
}

// purgeInterval bounds how often a finishing run triggers a purge.
const purgeInterval = time.Minute

func (e *Engine) maybePurge(now time.Time) {
	last := e.lastPurge.Load()
	if now.UnixNano()-last < int64(purgeInterval) || !e.lastPurge.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := e.store.Purge(ctx, now); err != nil {
			e.logger.WarnContext(ctx, "workflows: purge finished runs", "err", err)
		}
	}()
}

// EventType names a run event (Medusa's workflow subscriber events).
type EventType string

// Run events.
const (
	EventBegin                 EventType = "begin"
	EventResume                EventType = "resume"
	EventStepBegin             EventType = "step_begin"
	EventStepSuccess           EventType = "step_success"
	EventStepFailure           EventType = "step_failure"
	EventStepSkipped           EventType = "step_skipped"
	EventStepAwaiting          EventType = "step_awaiting"
	EventPark                  EventType = "park"    // the run is parked until its wake-up (WithTimers)
	EventTimeout               EventType = "timeout" // a step or the workflow timed out
	EventCompensateBegin       EventType = "compensate_begin"
	EventCompensateStepBegin   EventType = "compensate_step_begin"
	EventCompensateStepSuccess EventType = "compensate_step_success"
	EventCompensateStepFailure EventType = "compensate_step_failure"
	EventFinish                EventType = "finish"
)

// Event is one run event. Step, Position and Attempt are set for step events;
// State and Result for EventFinish; Err for failures.
type Event struct {
	Type          EventType
	WorkflowID    string
	TransactionID string
	Step          string
	Position      string
	Attempt       int
	State         RunState
	Err           error
	Result        any
}

// Subscribe calls fn for every event of every run of this engine, until the
// returned function is called. fn runs synchronously on the run's goroutine
// (parallel branches call it concurrently): keep it short and safe for
// concurrent use.
func (e *Engine) Subscribe(fn func(Event)) (unsubscribe func()) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	e.nextSub++
	id := e.nextSub
	var next []subscriber
	if cur := e.subs.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	next = append(next, subscriber{id: id, fn: fn})
	e.subs.Store(&next)
	return func() {
		e.subMu.Lock()
		defer e.subMu.Unlock()
		cur := e.subs.Load()
		if cur == nil {
			return
		}
		next := slices.DeleteFunc(slices.Clone(*cur), func(s subscriber) bool { return s.id == id })
		e.subs.Store(&next)
	}
}

func (e *Engine) dispatch(ctx context.Context, ev Event) {
	subs := e.subs.Load()
	if subs == nil {
		return
	}
	for _, s := range *subs {
		func() {
			defer func() {
				if p := recover(); p != nil {
					e.logger.ErrorContext(ctx, "workflows: subscriber panicked", "event", ev.Type, "transaction_id", ev.TransactionID, "panic", p)
				}
			}()
			s.fn(ev)
		}()
	}
}
