package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// InvokeFunc is a step's invoke handler. It returns the step's output and,
// separately, the input its compensation will get (Medusa's
// StepResponse(output, compensateInput)). Return ErrSkip to skip the step and
// Permanent(err) to fail without retries.
type InvokeFunc[In, Out, Comp any] func(ctx context.Context, sc StepContext, in In) (Out, Comp, error)

// CompensateFunc is a step's compensation: it undoes the invoke, given the
// compensation input the invoke returned.
type CompensateFunc[Comp any] func(ctx context.Context, sc StepContext, comp Comp) error

// Step is a named unit of work with an optional compensation. Create steps
// with NewStep at package level and call them from workflow functions with
// Run. A Step is immutable and safe for concurrent use.
type Step[In, Out, Comp any] struct {
	name       string
	invoke     InvokeFunc[In, Out, Comp]
	compensate CompensateFunc[Comp]
	cfg        stepConfig
}

type stepConfig struct {
	maxRetries    int
	retryInterval time.Duration
	timeout       time.Duration
	async         bool
	dbOnly        bool
}

// StepOption configures a step.
type StepOption func(*stepConfig)

// WithRetries retries a failing invoke (or compensation) up to max times,
// waiting interval between attempts (0: immediately). Medusa's maxRetries and
// retryInterval. A permanent failure (Permanent) is not retried.
func WithRetries(max int, interval time.Duration) StepOption {
	return func(c *stepConfig) { c.maxRetries, c.retryInterval = max, interval }
}

// WithStepTimeout bounds the step: its context is cancelled after d, and the
// step fails with ErrStepTimeout (state "timeout", not retried, the run
// reverts) if it has not completed by then, whatever its invoke returns. For an
// async step, d bounds the wait for SetStepSuccess/SetStepFailure too.
func WithStepTimeout(d time.Duration) StepOption {
	return func(c *stepConfig) { c.timeout = d }
}

// WithAsync makes the step asynchronous: after its invoke returns, the step
// waits (state "waiting") until Engine.SetStepSuccess delivers its output or
// Engine.SetStepFailure fails it. The invoke's output is ignored; its
// compensation input is kept. A waiting step survives a restart with a
// durable store.
func WithAsync() StepOption {
	return func(c *stepConfig) { c.async = true }
}

// WithDatabaseOnly declares that the step's only side effects are database
// writes made in the transaction its context carries (through db.InTx or
// db.Conn; a transactional outbox such as framework/eventbus counts, and so
// do callbacks registered with db.AfterCommit, which run only once the step
// committed). With the Postgres store such a step happens exactly once with
// its checkpoint, so when it is the first step of a new run (not in a
// parallel branch) and the run's transaction id was generated, the engine
// inserts the run's record in the step's transaction instead of in a commit
// of its own before the step: one round trip and one commit less per run.
// Until that transaction commits the run is not in the store (ListRuns and
// GetRun do not see it; a crash before the commit leaves nothing to
// recover, as the step's writes roll back with it).
//
// Do not declare it for a step that calls other systems (e-mail, HTTP, a
// non-transactional queue) before it commits: after a crash inside such a
// step nothing would recover the run, so the call would not be retried nor
// compensated.
func WithDatabaseOnly() StepOption {
	return func(c *stepConfig) { c.dbOnly = true }
}

// NewStep returns a step named name. compensate may be nil (nothing to undo).
// Names identify steps in checkpoints, errors and SetStepSuccess; give each
// step of a workflow its own name.
func NewStep[In, Out, Comp any](name string, invoke InvokeFunc[In, Out, Comp], compensate CompensateFunc[Comp], opts ...StepOption) *Step[In, Out, Comp] {
	s := &Step[In, Out, Comp]{name: name, invoke: invoke, compensate: compensate}
	for _, o := range opts {
		o(&s.cfg)
	}
	return s
}

// Name returns the step's name.
func (s *Step[In, Out, Comp]) Name() string { return s.name }

func (s *Step[In, Out, Comp]) stepName() string    { return s.name }
func (s *Step[In, Out, Comp]) hasCompensate() bool { return s.compensate != nil }
func (s *Step[In, Out, Comp]) retryPolicy() (int, time.Duration) {
	return s.cfg.maxRetries, s.cfg.retryInterval
}

func (s *Step[In, Out, Comp]) compensateRecord(ctx context.Context, sc StepContext, rec *StepRecord) (err error) {
	comp, err := decode[Comp](rec.CompInput)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("compensate panicked: %v", p)
		}
	}()
	return s.compensate(ctx, sc, comp)
}

// Bind returns a function that runs the step with in; handy for Parallel.
func (s *Step[In, Out, Comp]) Bind(in In) func(*Context) (Out, error) {
	return func(wc *Context) (Out, error) { return s.Run(wc, in) }
}

// invocation is one step call: everything a run needs for it, in a single
// allocation.
type invocation[In, Out, Comp any] struct {
	item
	s    *Step[In, Out, Comp]
	r    *run
	in   In
	out  Out
	comp Comp
	err  error
	rec  StepRecord
}

// Do implements StepWork.
func (v *invocation[In, Out, Comp]) Do(ctx context.Context) (*StepRecord, error) {
	var cancel context.CancelFunc
	if v.s.cfg.timeout > 0 {
		ctx, cancel = context.WithTimeoutCause(ctx, v.s.cfg.timeout, ErrStepTimeout)
		defer cancel()
	}
	v.out, v.comp, v.err = v.call(ctx)
	if v.s.cfg.timeout > 0 && context.Cause(ctx) == ErrStepTimeout {
		if v.err == nil {
			v.err = fmt.Errorf("%w after %v", ErrStepTimeout, v.s.cfg.timeout)
		} else if !errors.Is(v.err, ErrStepTimeout) {
			v.err = fmt.Errorf("%w after %v: %w", ErrStepTimeout, v.s.cfg.timeout, v.err)
		}
	}
	if v.err != nil {
		if errors.Is(v.err, ErrSkip) {
			v.rec.State = StepSkipped
			v.rec.Output, v.rec.CompInput = nil, nil
			return &v.rec, nil
		}
		return nil, v.err
	}
	if v.s.cfg.async {
		v.rec.State = StepWaiting
		if v.s.cfg.timeout > 0 { // the deadline of the wait, kept with the checkpoint
			v.rec.WakeAt = time.Now().Add(v.s.cfg.timeout)
		}
	} else {
		v.rec.State = StepDone
		v.rec.Output = &v.out // a pointer into the invocation: no boxing allocation
	}
	if v.s.compensate != nil {
		v.rec.CompInput = &v.comp
	}
	return &v.rec, nil
}

func (v *invocation[In, Out, Comp]) call(ctx context.Context) (out Out, comp Comp, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("invoke panicked: %v", p)
		}
	}()
	return v.s.invoke(ctx, v.r.stepContext(v.s.name, v.rec.Position, HandlerInvoke, v.rec.Attempt), v.in)
}

// Run calls the step from a workflow function. On a replay (recovery, an
// idempotent re-run, an async completion) a step whose checkpoint exists
// returns the checkpointed output without running again. A skipped step
// returns the zero Out and nil. A failing step returns a *StepError.
func (s *Step[In, Out, Comp]) Run(wc *Context, in In) (Out, error) {
	var zero Out
	r := wc.r
	pos := wc.next()
	if r.eng.parks() && r.parkRequested() { // an earlier step parked the run
		return zero, errParked
	}
	if r.ckpt != nil {
		if rec, ok := r.ckpt[pos]; ok {
			return replayStep(s, wc, pos, rec, in)
		}
		if r.compensateOnly {
			return zero, errReplayStopped
		}
	}
	return s.attempts(wc, pos, in, 1)
}

// attempts invokes the step, from attempt first on, with its retries.
func (s *Step[In, Out, Comp]) attempts(wc *Context, pos string, in In, first int) (Out, error) {
	var zero Out
	r := wc.r
	join := r.canJoin(wc, &s.cfg)
	if !join {
		if err := r.flush(); err != nil { // the previous steps' transaction
			return zero, err
		}
	}
	v := &invocation[In, Out, Comp]{s: s, r: r, in: in}
	v.item = item{kind: kindStep, def: s, rec: &v.rec, pos: pos}
	v.rec.Position, v.rec.Name = pos, s.name
	for attempt := first; ; attempt++ {
		if err := r.ctx.Err(); err != nil {
			v.err = r.ctxErr()
			if attempt == 1 { // never invoked: nothing to compensate
				r.emitTimeout(s.name, pos, 0, v.err)
				r.emit(EventStepFailure, s.name, pos, 0, v.err)
				return zero, r.addError(s.name, pos, HandlerInvoke, 0, v.err)
			}
			break
		}
		v.rec.Attempt = attempt
		r.emit(EventStepBegin, s.name, pos, attempt, nil)
		err := r.step(wc, s.cfg.dbOnly, !s.cfg.async && s.cfg.maxRetries == 0, join, v, &v.item)
		if err == nil {
			v.err = nil
			break
		}
		if v.err == nil { // the checkpoint could not be written
			v.err = fmt.Errorf("checkpoint: %w", err)
		} else if v.err != err {
			v.err = err
		}
		if r.ctx.Err() != nil {
			if cause := r.ctxErr(); !errors.Is(v.err, cause) {
				v.err = fmt.Errorf("%w: %w", cause, v.err)
			}
			break
		}
		var perm *PermanentError
		if errors.As(v.err, &perm) || errors.Is(v.err, ErrStepTimeout) || attempt > s.cfg.maxRetries {
			break
		}
		r.emit(EventStepFailure, s.name, pos, attempt, v.err)
		r.eng.logger.LogAttrs(r.ctx, slog.LevelWarn, "workflows: step failed, retrying",
			slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID),
			slog.String("step", s.name), slog.Int("attempt", attempt), slog.Any("err", v.err))
		if s.cfg.retryInterval > 0 && r.eng.parks() {
			if s.retryLater(wc, v) {
				return zero, errParked
			}
		}
		if s.cfg.retryInterval > 0 {
			t := time.NewTimer(s.cfg.retryInterval)
			select {
			case <-t.C:
			case <-r.ctx.Done():
				t.Stop()
			}
		}
	}
	if v.err != nil {
		return zero, s.failed(wc, v)
	}
	switch v.rec.State {
	case StepSkipped:
		r.setSkipped()
		r.emit(EventStepSkipped, s.name, pos, v.rec.Attempt, nil)
		return zero, nil
	case StepWaiting:
		wc.seq.items = append(wc.seq.items, &v.item)
		return s.await(wc, &v.rec)
	}
	wc.seq.items = append(wc.seq.items, &v.item)
	r.emit(EventStepSuccess, s.name, pos, v.rec.Attempt, nil)
	r.afterStep(s.name)
	return v.out, nil
}

// failed records a failed invoke: the step is saved as failed (or timeout) with
// the compensation input the failing invoke returned, and it joins the
// compensation stack, so its own compensation runs with that input (the zero
// Comp when the invoke returned none; Medusa passes undefined).
func (s *Step[In, Out, Comp]) failed(wc *Context, v *invocation[In, Out, Comp]) error {
	r := wc.r
	v.rec.State = StepFailed
	if errors.Is(v.err, ErrStepTimeout) {
		v.rec.State = StepTimeout
	}
	v.rec.Output, v.rec.Error = nil, v.err.Error()
	if s.compensate != nil {
		v.rec.CompInput = &v.comp
	}
	// The steps before it (held, when this one tried to join them) did
	// succeed: commit them before writing anything else, which also frees
	// their connection for the writes below. A lost commit is recorded.
	_ = r.flush()
	if err := r.ensureCreated(context.WithoutCancel(r.ctx)); err != nil {
		r.saveFailed(r.ctx, "workflows: store the run of a failed step", err, "step", s.name)
	}
	if err := r.store.SaveStep(context.WithoutCancel(r.ctx), r.key, &v.rec); err != nil {
		r.saveFailed(r.ctx, "workflows: save failed step", err, "step", s.name)
	}
	wc.seq.items = append(wc.seq.items, &v.item)
	r.emitTimeout(s.name, v.rec.Position, v.rec.Attempt, v.err)
	r.emit(EventStepFailure, s.name, v.rec.Position, v.rec.Attempt, v.err)
	return r.addError(s.name, v.rec.Position, HandlerInvoke, v.rec.Attempt, v.err)
}

// retryLater saves the failed attempt v as retrying, due after the retry
// interval, and asks to park the run until then (WithTimers). It reports
// false when the record could not be saved: the step then waits in process.
func (s *Step[In, Out, Comp]) retryLater(wc *Context, v *invocation[In, Out, Comp]) bool {
	r := wc.r
	ctx := context.WithoutCancel(r.ctx)
	if err := r.flush(); err != nil {
		return false
	}
	rec := v.rec
	rec.State, rec.Output, rec.Error = StepRetrying, nil, v.err.Error()
	rec.WakeAt = time.Now().Add(s.cfg.retryInterval)
	if s.compensate != nil {
		rec.CompInput = &v.comp
	}
	err := r.ensureCreated(ctx)
	if err == nil {
		err = r.store.SaveStep(ctx, r.key, &rec)
	}
	if err != nil {
		r.eng.logger.WarnContext(ctx, "workflows: save a retrying step; retrying in process", "workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "step", s.name, "err", err)
		return false
	}
	v.rec = rec
	wc.seq.items = append(wc.seq.items, &v.item) // compensated as a failed step if the run reverts
	r.requestPark(rec.Position, rec.WakeAt, false)
	return true
}

// replayStep returns a step call's checkpointed result.
func replayStep[In, Out, Comp any](s *Step[In, Out, Comp], wc *Context, pos string, rec *StepRecord, in In) (Out, error) {
	var zero Out
	r := wc.r
	if rec.Name != s.name {
		return zero, r.addError(s.name, pos, HandlerInvoke, rec.Attempt,
			fmt.Errorf("%w: position %s holds step %q, the workflow called %q", ErrNondeterministic, pos, rec.Name, s.name))
	}
	it := &item{kind: kindStep, def: s, rec: rec, pos: pos}
	switch rec.State {
	case StepSkipped:
		r.setSkipped()
		return zero, nil
	case StepWaiting:
		wc.seq.items = append(wc.seq.items, it)
		if r.compensateOnly {
			return zero, errReplayStopped
		}
		return s.await(wc, rec)
	case StepRetrying:
		if r.compensateOnly { // cancelled between attempts: compensated as failed
			wc.seq.items = append(wc.seq.items, it)
			return zero, errReplayStopped
		}
		if time.Now().Before(rec.WakeAt) { // woken early: park again
			wc.seq.items = append(wc.seq.items, it)
			r.requestPark(pos, rec.WakeAt, false)
			return zero, errParked
		}
		return s.attempts(wc, pos, in, rec.Attempt+1)
	case StepFailed, StepTimeout:
		wc.seq.items = append(wc.seq.items, it)
		return zero, r.replayError(s.name, pos, HandlerInvoke, rec.Attempt, &storedError{msg: rec.Error})
	case StepCompensateFailed:
		r.replayError(s.name, pos, HandlerCompensate, rec.Attempt, &storedError{msg: rec.Error})
	}
	out, err := decode[Out](rec.Output)
	if err != nil {
		return zero, r.addError(s.name, pos, HandlerInvoke, rec.Attempt, err)
	}
	wc.seq.items = append(wc.seq.items, it)
	return out, nil
}

// await waits for an async step's completion (SetStepSuccess/SetStepFailure).
func (s *Step[In, Out, Comp]) await(wc *Context, rec *StepRecord) (Out, error) {
	var zero Out
	r := wc.r
	r.emit(EventStepAwaiting, s.name, rec.Position, rec.Attempt, nil)
	parks := r.eng.parks()
	var notify chan struct{}
	var deadline, pollC <-chan time.Time
	if !parks {
		notify = r.eng.addWaiter(r.key, rec.Position)
		defer r.eng.removeWaiter(r.key, rec.Position)
		if s.cfg.timeout > 0 {
			d := s.cfg.timeout
			if !rec.WakeAt.IsZero() { // the deadline set when the wait began
				d = time.Until(rec.WakeAt)
			}
			t := time.NewTimer(d)
			defer t.Stop()
			deadline = t.C
		}
		poll := time.NewTicker(r.eng.asyncPoll)
		defer poll.Stop()
		pollC = poll.C
	}
	bg := context.WithoutCancel(r.ctx) // a response that arrived must be seen even when the run is cancelled
	for {
		cur, err := r.store.GetStep(bg, r.key, rec.Position)
		if err == nil {
			switch cur.State {
			case StepDone:
				out, derr := decode[Out](cur.Output)
				if derr != nil {
					return zero, r.addError(s.name, rec.Position, HandlerInvoke, rec.Attempt, derr)
				}
				comp := rec.CompInput
				*rec = *cur
				rec.CompInput = comp
				r.emit(EventStepSuccess, s.name, rec.Position, rec.Attempt, nil)
				r.afterStep(s.name)
				return out, nil
			case StepFailed:
				rec.State, rec.Error = StepFailed, cur.Error
				ferr := &storedError{msg: cur.Error}
				r.emit(EventStepFailure, s.name, rec.Position, rec.Attempt, ferr)
				return zero, r.addError(s.name, rec.Position, HandlerInvoke, rec.Attempt, ferr)
			}
		}
		var ferr error
		if parks {
			// Park until the deadline or a completion (WithTimers); a
			// wake-up replays the run to here.
			switch {
			case r.ctx.Err() != nil:
				ferr = r.ctxErr()
				rec.State = StepFailed
			case !rec.WakeAt.IsZero() && !time.Now().Before(rec.WakeAt):
				ferr = fmt.Errorf("%w after %v waiting for the step's response", ErrStepTimeout, s.cfg.timeout)
				rec.State = StepTimeout
			default:
				r.requestPark(rec.Position, rec.WakeAt, true)
				return zero, errParked
			}
		} else {
			select {
			case <-notify:
				continue
			case <-pollC:
				continue
			case <-deadline:
				ferr = fmt.Errorf("%w after %v waiting for the step's response", ErrStepTimeout, s.cfg.timeout)
				rec.State = StepTimeout
			case <-r.ctx.Done():
				ferr = r.ctxErr()
				rec.State = StepFailed
			}
		}
		rec.Error = ferr.Error()
		if ok, err := r.store.CompareAndSaveStep(bg, r.key, rec, StepWaiting); err != nil || !ok {
			// The response arrived at the same moment: take it.
			if cur, gerr := r.store.GetStep(bg, r.key, rec.Position); gerr == nil && (cur.State == StepDone || cur.State == StepFailed) {
				rec.State, rec.Error = StepWaiting, ""
				continue
			}
		}
		r.emitTimeout(s.name, rec.Position, rec.Attempt, ferr)
		r.emit(EventStepFailure, s.name, rec.Position, rec.Attempt, ferr)
		return zero, r.addError(s.name, rec.Position, HandlerInvoke, rec.Attempt, ferr)
	}
}
