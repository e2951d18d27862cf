package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/ids"
)

// Workflow is a named Go function that calls steps. Create workflows with New
// at package level; run them with Run. A Workflow is immutable and safe for
// concurrent use.
type Workflow[In, Out any] struct {
	name string
	fn   func(*Context, In) (Out, error)
	cfg  workflowConfig
}

type workflowConfig struct {
	idempotent   bool
	timeout      time.Duration
	retention    time.Duration
	retentionSet bool
}

// WorkflowOption configures a workflow.
type WorkflowOption func(*workflowConfig)

// WithIdempotent makes a run with an existing transaction id return the first
// run's result (or error) instead of running again; the finished run is kept
// in the store (Medusa's idempotent).
func WithIdempotent() WorkflowOption {
	return func(c *workflowConfig) { c.idempotent = true }
}

// WithWorkflowTimeout bounds a whole run: once d has passed since the run
// began, the running step's context is cancelled, no further step starts, and
// the run reverts with ErrWorkflowTimeout. A recovered run keeps its original
// deadline. Ignored when the workflow runs as a step of another.
func WithWorkflowTimeout(d time.Duration) WorkflowOption {
	return func(c *workflowConfig) { c.timeout = d }
}

// WithRetention keeps finished runs in the store for d (Engine.Purge deletes
// them afterwards); a negative d keeps them for ever. Without it the engine's
// default applies (WithDefaultRetention), which is 0: a finished run is
// deleted at once unless the workflow is idempotent.
func WithRetention(d time.Duration) WorkflowOption {
	return func(c *workflowConfig) { c.retention, c.retentionSet = d, true }
}

// New returns a workflow named name whose body is fn. fn must be
// deterministic given its input and its steps' outputs (no step calls
// depending on time, randomness or data read outside steps), because a
// recovered run replays it against its checkpoints.
func New[In, Out any](name string, fn func(wc *Context, in In) (Out, error), opts ...WorkflowOption) *Workflow[In, Out] {
	w := &Workflow[In, Out]{name: name, fn: fn}
	for _, o := range opts {
		o(&w.cfg)
	}
	return w
}

// Name returns the workflow's name (Medusa's workflow id).
func (w *Workflow[In, Out]) Name() string { return w.name }

// RunOption configures one run.
type RunOption func(*runConfig)

type runConfig struct {
	txID    string
	groupID string
	engine  *Engine
	info    *RunInfo
	// genTx: the transaction id was generated (a fresh ULID no other run
	// has), so the run's record may be created lazily.
	genTx bool
	// genGroup: the event group id was generated for this run.
	genGroup bool
}

// WithTransactionID sets the run's transaction id (default: a new ULID). For
// an idempotent workflow the same id returns the first run's result.
func WithTransactionID(id string) RunOption { return func(c *runConfig) { c.txID = id } }

// WithEventGroupID sets the run's event group id (default: a new ULID).
func WithEventGroupID(id string) RunOption { return func(c *runConfig) { c.groupID = id } }

// WithEngine runs on e instead of the engine registered in the scope under
// EngineKey.
func WithEngine(e *Engine) RunOption { return func(c *runConfig) { c.engine = e } }

// WithInfo fills info with the run's ids and outcome when Run returns.
func WithInfo(info *RunInfo) RunOption { return func(c *runConfig) { c.info = info } }

// RunInfo describes a finished run (see WithInfo).
type RunInfo struct {
	TransactionID   string
	EventGroupID    string
	State           RunState
	HasSkippedSteps bool
}

func newID() string { return ids.ULID() }

// Run runs the workflow with input in and returns its result. Steps resolve
// services from scope (a request scope, typically). The engine is the one
// given with WithEngine, else the one registered in scope under EngineKey,
// else a fresh in-memory engine for this run only.
//
// When the run fails, its completed steps are compensated newest-first and
// Run returns a *RunError carrying every invoke and compensate error.
func (w *Workflow[In, Out]) Run(ctx context.Context, scope *container.Container, in In, opts ...RunOption) (Out, error) {
	var zero Out
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	eng := cfg.engine
	if eng == nil && scope != nil && scope.Has(EngineKey.Name()) {
		var err error
		if eng, err = container.ResolveContext(ctx, scope, EngineKey); err != nil {
			return zero, fmt.Errorf("workflows: run %s: %w", w.name, err)
		}
	}
	if eng == nil {
		eng = NewEngine()
	}
	if scope == nil {
		scope = eng.container
	}
	if err := eng.Register(w); err != nil {
		return zero, err
	}
	if cfg.txID == "" {
		cfg.txID, cfg.genTx = newID(), true
	}
	if cfg.groupID == "" {
		cfg.groupID, cfg.genGroup = newID(), true
	}
	key := RunKey{WorkflowID: w.name, TransactionID: cfg.txID}
	out, err := w.start(ctx, eng, key, scope, in, &cfg)
	return out, err
}

func (w *Workflow[In, Out]) retention(e *Engine) time.Duration {
	if w.cfg.retentionSet {
		return w.cfg.retention
	}
	return e.retention
}

func (w *Workflow[In, Out]) start(ctx context.Context, eng *Engine, key RunKey, scope *container.Container, in In, cfg *runConfig) (Out, error) {
	var zero Out
	for range 2 {
		now := time.Now()
		rec := &RunRecord{RunKey: key, State: RunInvoking, Input: in, EventGroupID: cfg.groupID,
			Idempotent: w.cfg.idempotent, Retention: w.retention(eng), Owner: eng.instance, CreatedAt: now}
		eng.heartbeat()
		r := eng.newRun(ctx, key, scope, rec, w.cfg.timeout)
		r.groupFresh = cfg.genGroup
		if other := eng.addLive(r); other != nil {
			r.cancel(nil)
			if !w.cfg.idempotent {
				return zero, merrors.New(merrors.NotAllowed, "Transaction %s of workflow %s is already running.", key.TransactionID, key.WorkflowID)
			}
			select {
			case <-other.done:
			case <-ctx.Done():
				return zero, ctx.Err()
			}
			if other.parked {
				ch := eng.addFinishWaiter(key)
				return awaitParked[Out](ctx, eng, key, ch, cfg.info)
			}
			fillInfo(cfg.info, other)
			out, _ := other.result.(Out)
			return out, other.err
		}
		if _, ok := fastStore(eng.store); ok && cfg.genTx && !w.cfg.idempotent {
			// A fresh transaction id: no run can exist under it, so the
			// record is stored by the first step (see WithDatabaseOnly) or
			// the first other write of the run.
			r.pending = rec
			return w.execute(ctx, r, in, cfg)
		}
		err := eng.store.CreateRun(ctx, rec)
		if err == nil {
			return w.execute(ctx, r, in, cfg)
		}
		eng.removeLive(r)
		r.cancel(nil)
		if !errors.Is(err, ErrRunExists) {
			return zero, fmt.Errorf("workflows: create run %s/%s: %w", key.WorkflowID, key.TransactionID, err)
		}
		existing, gerr := eng.store.GetRun(ctx, key)
		if errors.Is(gerr, ErrRunNotFound) {
			continue
		}
		if gerr != nil {
			return zero, fmt.Errorf("workflows: read run %s/%s: %w", key.WorkflowID, key.TransactionID, gerr)
		}
		if !existing.State.Finished() {
			if w.cfg.idempotent && !existing.ParkedAt.IsZero() {
				// Parked (or just resumed elsewhere): wait for its result,
				// as for a run in progress in this engine.
				return awaitParked[Out](ctx, eng, key, eng.addFinishWaiter(key), cfg.info)
			}
			return zero, merrors.New(merrors.NotAllowed, "Transaction %s of workflow %s is already running.", key.TransactionID, key.WorkflowID)
		}
		if w.cfg.idempotent {
			if cfg.info != nil {
				*cfg.info = RunInfo{TransactionID: key.TransactionID, EventGroupID: existing.EventGroupID, State: existing.State}
			}
			return storedResult[Out](existing)
		}
		if err := eng.store.DeleteRun(ctx, key); err != nil {
			return zero, fmt.Errorf("workflows: replace run %s/%s: %w", key.WorkflowID, key.TransactionID, err)
		}
	}
	return zero, merrors.New(merrors.Conflict, "Transaction %s of workflow %s is being created concurrently.", key.TransactionID, key.WorkflowID)
}

// execute runs a new run for its caller and returns its result; a run that
// parks is awaited (see WithTimers).
func (w *Workflow[In, Out]) execute(ctx context.Context, r *run, in In, cfg *runConfig) (Out, error) {
	r.caller = true
	out, err := execute(w, r, in, false)
	if r.parked {
		return awaitParked[Out](ctx, r.eng, r.key, r.finishCh, cfg.info)
	}
	fillInfo(cfg.info, r)
	return out, err
}

func fillInfo(info *RunInfo, r *run) {
	if info == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	*info = RunInfo{TransactionID: r.key.TransactionID, EventGroupID: r.groupID, State: r.rec.State, HasSkippedSteps: r.skipped}
}

// storedResult returns a finished run's result as stored.
func storedResult[Out any](rec *RunRecord) (Out, error) {
	var zero Out
	if rec.State == RunDone {
		return decode[Out](rec.Output)
	}
	return zero, &RunError{WorkflowID: rec.WorkflowID, TransactionID: rec.TransactionID, State: rec.State, Errors: stepErrors(rec.Errors)}
}

func (w *Workflow[In, Out]) call(wc *Context, in In) (out Out, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("workflow %q panicked: %v", w.name, p)
		}
	}()
	return w.fn(wc, in)
}

// resume replays a stored run (see Engine.Recover and Engine.Cancel).
func (w *Workflow[In, Out]) resume(ctx context.Context, e *Engine, rec *RunRecord, steps []StepRecord, compensateOnly bool, cause error, woken bool) (*run, error) {
	in, err := decode[In](rec.Input)
	if err != nil {
		return nil, fmt.Errorf("workflows: resume %s/%s: input: %w", rec.WorkflowID, rec.TransactionID, err)
	}
	var timeout time.Duration
	if w.cfg.timeout > 0 {
		timeout = w.cfg.timeout - time.Since(rec.CreatedAt)
		if timeout <= 0 {
			timeout = time.Nanosecond
		}
	}
	r := e.newRun(ctx, rec.RunKey, e.container, rec, timeout)
	r.ckpt = make(map[string]*StepRecord, len(steps))
	for i := range steps {
		r.ckpt[steps[i].Position] = &steps[i]
	}
	r.compensateOnly = compensateOnly
	r.woken = woken
	if rec.State == RunCompensating { // the errors that made it compensate
		r.errs = stepErrors(rec.Errors)
	}
	if other := e.addLive(r); other != nil {
		r.cancel(nil)
		return nil, merrors.New(merrors.NotAllowed, "Transaction %s of workflow %s is already running.", rec.TransactionID, rec.WorkflowID)
	}
	if compensateOnly && rec.State != RunCompensating {
		rec.State = RunCompensating
		if err := e.store.UpdateRun(ctx, rec); err != nil {
			e.removeLive(r)
			r.cancel(nil)
			return nil, fmt.Errorf("workflows: mark %s/%s compensating: %w", rec.WorkflowID, rec.TransactionID, err)
		}
	}
	if cause != nil {
		r.addError(w.name, "", HandlerWorkflow, 0, cause)
	}
	go execute(w, r, in, true)
	return r, nil
}

// RunAsStep runs the workflow inside another workflow's run, as one step
// named "<name>-as-step": it shares the parent's transaction id, event group,
// container and checkpoints (under its own position). If it fails, its
// completed steps are compensated at once (the sub-workflow is reverted as a
// unit) before the error is returned; if the parent fails later, the
// sub-workflow's steps are compensated, newest-first, at the place of the
// sub-workflow in the parent. The sub-workflow's own options (idempotency,
// timeout, retention) do not apply.
func (w *Workflow[In, Out]) RunAsStep(wc *Context, in In) (Out, error) {
	var zero Out
	r := wc.r
	pos := wc.next()
	it := &item{kind: kindSub, name: w.name + "-as-step", pos: pos, sub: &seq{}}
	wc.seq.items = append(wc.seq.items, it)
	out, err := w.call(wc.child(it.sub, pos), in)
	if err == nil {
		return out, nil
	}
	if errors.Is(err, errReplayStopped) {
		return zero, err
	}
	if r.parkRequested() { // a step parked the run: the sub-workflow goes on when it resumes
		return zero, errParked
	}
	var se *StepError
	if !errors.As(err, &se) {
		err = r.addError(it.name, pos, HandlerWorkflow, 0, err)
	}
	r.compensateSeq(context.WithoutCancel(r.ctx), it.sub)
	it.reverted = true
	return zero, err
}

// Bind returns a function that runs the workflow as a step with in; handy for
// Parallel.
func (w *Workflow[In, Out]) Bind(in In) func(*Context) (Out, error) {
	return func(wc *Context) (Out, error) { return w.RunAsStep(wc, in) }
}
