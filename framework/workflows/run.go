package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
)

// run is one execution (or replay) of a workflow.
type run struct {
	eng     *Engine
	store   Store
	key     RunKey
	groupID string
	scope   *container.Container
	ctx     context.Context
	cancel  context.CancelCauseFunc
	rec     *RunRecord
	started time.Time

	// ckpt holds the checkpoints of a replayed run, by position; nil for a
	// fresh run.
	ckpt map[string]*StepRecord
	// compensateOnly replays the checkpoints only to rebuild the compensation
	// stack, then compensates (recovery of a compensating run, Cancel).
	compensateOnly bool

	root seq

	// pending is the run's record while it is not stored yet: with a
	// TxStore whose fast path is on, a new run with a generated transaction
	// id is created by its first step when that step is WithDatabaseOnly (in
	// the step's transaction), else just before the first other write. nil
	// once stored. held is the open transaction of the last steps run (see
	// hold.go); lost is set when a held transaction rolled back: the run
	// then fails. Guarded by mu, which ensureCreated holds while it stores
	// the record.
	pending *RunRecord
	held    heldSteps
	lost    bool

	mu      sync.Mutex
	errs    []*StepError
	skipped bool
	// unsaved is the first failure to save the run's state because the
	// database was unavailable (merrors.IsTransient): the run says so once,
	// when it ends, instead of once per failed write. Guarded by mu.
	unsaved error

	// Parking (WithTimers): parkReq is a step's request to park the run,
	// guarded by mu. parked is set when this execution ended parked;
	// wfDeadline is when the workflow timeout expires (zero: none);
	// finishCh, for a run started by Run, gets the run when it finishes in
	// this engine after a park; caller: the run was started by Run here.
	parkReq parkRequest
	parked  bool
	caller  bool
	// groupFresh: the event group was generated for this run (no event of
	// it can exist outside the run's own steps).
	groupFresh bool
	// woken: this execution resumes a parked run, whose caller may be
	// waiting on another instance (told through the store when it ends).
	woken      bool
	wfDeadline time.Time
	finishCh   chan *run

	done   chan struct{}
	result any
	err    error
}

func (r *run) stepContext(name, pos, action string, attempt int) StepContext {
	return StepContext{
		WorkflowID:    r.key.WorkflowID,
		TransactionID: r.key.TransactionID,
		EventGroupID:  r.groupID,
		StepName:      name,
		Position:      pos,
		Action:        action,
		Attempt:       attempt,
		Container:     r.scope,
	}
}

// replayError is addError for an error read back from a checkpoint: the run
// may already hold it (from its stored record, see resume).
func (r *run) replayError(step, pos, handler string, attempt int, err error) *StepError {
	r.mu.Lock()
	for _, se := range r.errs {
		if se.Position == pos && se.Handler == handler && se.Step == step {
			r.mu.Unlock()
			return se
		}
	}
	r.mu.Unlock()
	return r.addError(step, pos, handler, attempt, err)
}

func (r *run) addError(step, pos, handler string, attempt int, err error) *StepError {
	se := &StepError{Step: step, Position: pos, Handler: handler, Attempt: attempt, Err: err}
	r.mu.Lock()
	r.errs = append(r.errs, se)
	r.mu.Unlock()
	return se
}

func (r *run) setSkipped() {
	r.mu.Lock()
	r.skipped = true
	r.mu.Unlock()
}

// ctxErr explains why the run's context ended.
func (r *run) ctxErr() error {
	cause := context.Cause(r.ctx)
	switch {
	case errors.Is(cause, ErrWorkflowTimeout), errors.Is(cause, ErrCancelled):
		return cause
	case cause == nil:
		return nil
	}
	return fmt.Errorf("%w: %w", ErrCancelled, cause)
}

func (r *run) emit(t EventType, step, pos string, attempt int, err error) {
	subs := r.eng.subs.Load()
	if subs == nil || len(*subs) == 0 {
		return
	}
	ev := Event{Type: t, WorkflowID: r.key.WorkflowID, TransactionID: r.key.TransactionID, Step: step, Position: pos, Attempt: attempt, Err: err}
	r.eng.dispatch(r.ctx, ev)
}

// emitTimeout emits EventTimeout when err is a step or workflow timeout.
func (r *run) emitTimeout(step, pos string, attempt int, err error) {
	if errors.Is(err, ErrStepTimeout) || errors.Is(err, ErrWorkflowTimeout) {
		r.emit(EventTimeout, step, pos, attempt, err)
	}
}

func (r *run) bus() events.Bus {
	if r.scope == nil || !r.scope.Has(events.BusKey.Name()) {
		return nil
	}
	b, err := container.ResolveContext(r.ctx, r.scope, events.BusKey)
	if err != nil {
		r.eng.logger.WarnContext(r.ctx, "workflows: resolve event bus", "err", err)
		return nil
	}
	return b
}

// compensateSeq compensates a sequence newest-first; the branches of a
// parallel group compensate concurrently.
func (r *run) compensateSeq(ctx context.Context, s *seq) {
	for i := len(s.items) - 1; i >= 0; i-- {
		it := s.items[i]
		switch it.kind {
		case kindStep:
			r.compensateStep(ctx, it)
		case kindGroup:
			var wg sync.WaitGroup
			for _, b := range it.branches {
				wg.Go(func() { r.compensateSeq(ctx, b) })
			}
			wg.Wait()
		case kindSub:
			if !it.reverted {
				r.compensateSeq(ctx, it.sub)
				it.reverted = true
			}
		}
	}
}

// compWork is one compensation attempt, handed to Store.Step so that the
// compensation's database work and the "reverted" checkpoint commit together.
type compWork struct {
	r   *run
	it  *item
	sc  StepContext
	err error
}

func (w *compWork) Do(ctx context.Context) (*StepRecord, error) {
	if err := w.it.def.compensateRecord(ctx, w.sc, w.it.rec); err != nil {
		w.err = err
		return nil, err
	}
	rec := *w.it.rec
	rec.State, rec.Error = StepReverted, ""
	return &rec, nil
}

func (r *run) compensateStep(ctx context.Context, it *item) {
	rec := it.rec
	switch rec.State {
	case StepDone, StepFailed, StepTimeout, StepWaiting, StepRetrying, StepCompensateRetrying:
	default:
		return
	}
	if r.parkPending() { // a newer compensation waits for its retry: keep the order
		return
	}
	name := it.def.stepName()
	_ = r.flush() // a lost step is marked failed
	if err := r.ensureCreated(ctx); err != nil {
		r.saveFailed(ctx, "workflows: store the run before compensating", err, "step", name)
	}
	if !it.def.hasCompensate() {
		rec.State = StepReverted
		if err := r.store.SaveStep(ctx, r.key, rec); err != nil {
			r.saveFailed(ctx, "workflows: save reverted step", err, "step", name)
		}
		return
	}
	maxRetries, interval := it.def.retryPolicy()
	first := 1
	if rec.State == StepCompensateRetrying {
		if time.Now().Before(rec.WakeAt) { // woken early: park again
			r.requestPark(rec.Position, rec.WakeAt, false)
			return
		}
		first = rec.Attempt + 1
	}
	var lastErr error
	for attempt := first; ; attempt++ {
		w := &compWork{r: r, it: it, sc: r.stepContext(name, rec.Position, HandlerCompensate, attempt)}
		r.emit(EventCompensateStepBegin, name, rec.Position, attempt, nil)
		err := r.store.Step(ctx, r.key, w)
		if err == nil {
			rec.State, rec.Error = StepReverted, ""
			r.emit(EventCompensateStepSuccess, name, rec.Position, attempt, nil)
			return
		}
		if w.err == nil {
			err = fmt.Errorf("checkpoint: %w", err)
		}
		lastErr = err
		var perm *PermanentError
		if errors.As(err, &perm) || attempt > maxRetries {
			break
		}
		if interval > 0 && r.eng.parks() {
			// Park until the next attempt is due (WithTimers).
			retry := *rec
			retry.State, retry.Attempt, retry.Error, retry.WakeAt = StepCompensateRetrying, attempt, err.Error(), time.Now().Add(interval)
			if serr := r.store.SaveStep(ctx, r.key, &retry); serr == nil {
				*rec = retry
				r.emit(EventCompensateStepFailure, name, rec.Position, attempt, err)
				r.requestPark(rec.Position, rec.WakeAt, false)
				return
			} else {
				r.eng.logger.WarnContext(ctx, "workflows: save a retrying compensation; retrying in process", "workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "step", name, "err", serr)
			}
		}
		if interval > 0 {
			time.Sleep(interval)
		}
	}
	rec.State, rec.Error = StepCompensateFailed, lastErr.Error()
	if err := r.store.SaveStep(ctx, r.key, rec); err != nil {
		r.saveFailed(ctx, "workflows: save failed compensation", err, "step", name)
	}
	r.emit(EventCompensateStepFailure, name, rec.Position, rec.Attempt, lastErr)
	r.addError(name, rec.Position, HandlerCompensate, rec.Attempt, lastErr)
}

// execute runs (or replays) a workflow function to its end: success releases
// the run's events; failure compensates and clears them.
func execute[In, Out any](w *Workflow[In, Out], r *run, in In, resumed bool) (Out, error) {
	var zero Out
	log := r.eng.logger
	if resumed {
		r.emit(EventResume, "", "", 0, nil)
		log.LogAttrs(r.ctx, slog.LevelInfo, "workflows: run resumed", slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID), slog.Bool("compensating", r.compensateOnly))
	} else {
		r.emit(EventBegin, "", "", 0, nil)
		if log.Enabled(r.ctx, slog.LevelDebug) {
			log.LogAttrs(r.ctx, slog.LevelDebug, "workflows: run begins", slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID))
		}
	}
	var out Out
	var err error
	for {
		wc := &Context{r: r, seq: &r.root}
		out, err = w.call(wc, in)
		if r.compensateOnly || !r.parkRequested() {
			break
		}
		// A step parked the run (WithTimers): the steps before it are
		// committed, then the run is saved as parked and its wake-up
		// scheduled. When that is not possible, or a completion arrived
		// meanwhile, the run replays from its checkpoints here.
		_ = r.flush()
		if !r.parkRequested() { // the flush lost the steps before the park
			break
		}
		if r.parkOrWait() {
			r.parkedEnd()
			return zero, errParked
		}
		steps, serr := r.store.Steps(context.WithoutCancel(r.ctx), r.key)
		if serr != nil {
			err = r.addError(w.name, "", HandlerWorkflow, 0, fmt.Errorf("reload checkpoints: %w", serr))
			break
		}
		r.resetForReplay(steps)
	}
	failed := err != nil || r.compensateOnly || r.isLost()
	if !failed && errors.Is(context.Cause(r.ctx), ErrCancelled) {
		err, failed = r.addError(w.name, "", HandlerWorkflow, 0, ErrCancelled), true
	}
	if !failed {
		if err = r.succeed(out); err == nil {
			return out, nil
		}
		failed = true
	}
	if err != nil && !errors.Is(err, errReplayStopped) && !errors.Is(err, errParked) {
		var se *StepError
		if !errors.As(err, &se) {
			r.addError(w.name, "", HandlerWorkflow, 0, err)
		}
	}
	cctx := context.WithoutCancel(r.ctx)
	_ = r.flush() // a lost step is recorded in r.errs
	r.rec.State = RunCompensating
	r.mu.Lock()
	r.rec.Errors = errorRecords(r.errs) // kept for a resumption of the compensation
	r.mu.Unlock()
	// A run whose record is still pending has no step stored: nothing a
	// crash could leave to compensate, so no compensating state to save.
	if !r.isPending() {
		if uerr := r.store.UpdateRun(cctx, r.rec); uerr != nil {
			r.saveFailed(cctx, "workflows: save compensating state", uerr)
		}
	}
	r.emit(EventCompensateBegin, "", "", 0, nil)
	for {
		r.compensateSeq(cctx, &r.root)
		if !r.parkPending() {
			break
		}
		// A compensation waits for its retry (WithTimers): park the
		// compensating run; if that is not possible, go on here once the
		// retry is due.
		if r.parkOrWait() {
			r.parkedEnd()
			return zero, errParked
		}
		r.clearPark()
	}
	state := RunReverted
	for _, se := range r.errs {
		if se.Handler == HandlerCompensate {
			state = RunFailed
		}
	}
	if b := r.bus(); b != nil {
		if cerr := b.ClearGroup(cctx, r.groupID); cerr != nil && !r.noteUnsaved(cerr) {
			log.WarnContext(cctx, "workflows: clear event group", "group", r.groupID, "err", cerr)
		}
	}
	var rerr error
	if len(r.errs) > 0 {
		rerr = &RunError{WorkflowID: r.key.WorkflowID, TransactionID: r.key.TransactionID, State: state, Errors: append([]*StepError(nil), r.errs...)}
	}
	r.finish(state, nil, rerr)
	return zero, rerr
}

// succeed releases the run's event group and saves the run as done. With a
// TxStore (fast path on) both happen in one transaction; if that transaction fails other
// than in the release, they are retried one after the other. A release
// failure is returned (the run then reverts); a failure to save the final
// state is only logged, as the run did succeed.
func (r *run) succeed(out any) error {
	ctx := context.WithoutCancel(r.ctx)
	b := r.bus()
	release := func(ctx context.Context) error {
		if b == nil {
			return nil
		}
		if err := b.ReleaseGroup(ctx, r.groupID); err != nil {
			return fmt.Errorf("release event group %s: %w", r.groupID, err)
		}
		return nil
	}
	del := r.deletes()
	if ts, ok := fastStore(r.store); ok && !(del && r.isPending()) && (del || r.ensureCreated(ctx) == nil) {
		held := r.takeHeld()
		// A run that began in the finishing transaction, with a group of
		// its own, emitted every event of the group in it: the bus may
		// take them from the transaction's pending writes.
		inTx := r.groupFresh && held.tx != nil && held.tx.CreatedRun() != nil
		now := r.setFinal(RunDone, out)
		var relErr error
		err := ts.FinishRun(ctx, r.rec, del, held.tx, func(ctx context.Context) error {
			if inTx {
				ctx = events.WithGroupInTx(ctx)
			}
			relErr = release(ctx)
			return relErr
		})
		if err == nil {
			r.finished(RunDone, out, nil, now)
			return nil
		}
		r.rec.State, r.rec.FinishedAt, r.rec.Output = RunInvoking, time.Time{}, nil
		var lost *HeldLostError
		if errors.As(err, &lost) {
			return r.heldLost(held, lost.Err)
		}
		if relErr != nil {
			return relErr
		}
		r.eng.logger.WarnContext(ctx, "workflows: finish run and release its events in one transaction; retrying one after the other",
			"workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "err", err)
	}
	if err := release(ctx); err != nil {
		return err
	}
	r.finish(RunDone, out, nil)
	return nil
}

// deletes reports whether the finished run is deleted rather than kept.
func (r *run) deletes() bool { return r.rec.Retention == 0 && !r.rec.Idempotent }

// setFinal sets the run record's final state and returns the finish time.
func (r *run) setFinal(state RunState, out any) time.Time {
	now := time.Now()
	r.rec.State, r.rec.FinishedAt = state, now
	r.rec.Output = nil
	if state == RunDone {
		r.rec.Output = out
	}
	r.rec.Errors = errorRecords(r.errs)
	return now
}

func (r *run) finish(state RunState, out any, err error) {
	ctx := context.WithoutCancel(r.ctx)
	_ = r.flush()
	now := r.setFinal(state, out)
	var serr error
	if r.deletes() {
		if !r.isPending() { // a pending run was never stored
			serr = r.store.DeleteRun(ctx, r.key)
		}
	} else if serr = r.ensureCreated(ctx); serr == nil {
		serr = r.store.UpdateRun(ctx, r.rec)
	}
	if serr != nil {
		r.saveFailed(ctx, "workflows: save finished run", serr)
	}
	r.finished(state, out, err, now)
}

// saveFailed reports that saving part of the run's state failed. When the
// database is unavailable (a restart, a dropped connection) the run only
// notes it, and says so once when it ends (see finished): the run is
// recovered from its stored checkpoints later, and one failed request is
// not a screen of errors. Any other failure is logged at once.
func (r *run) saveFailed(ctx context.Context, msg string, err error, attrs ...any) {
	if r.noteUnsaved(err) {
		return
	}
	r.eng.logger.ErrorContext(ctx, msg, append([]any{"workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "err", err}, attrs...)...)
}

// noteUnsaved notes err for the run's last line and reports true when err
// means the database is unavailable; else it reports false.
func (r *run) noteUnsaved(err error) bool {
	if !merrors.IsTransient(err) {
		return false
	}
	r.mu.Lock()
	if r.unsaved == nil {
		r.unsaved = err
	}
	r.mu.Unlock()
	return true
}

// finished ends the run once its final state is saved: result, finish event,
// log, purge, and the run leaves the engine.
func (r *run) finished(state RunState, out any, err error, now time.Time) {
	ctx := context.WithoutCancel(r.ctx)
	if r.rec.Retention > 0 {
		r.eng.maybePurge(now)
	}
	r.result, r.err = out, err
	if subs := r.eng.subs.Load(); subs != nil && len(*subs) > 0 {
		r.eng.dispatch(ctx, Event{Type: EventFinish, WorkflowID: r.key.WorkflowID, TransactionID: r.key.TransactionID, State: state, Err: err, Result: out})
	}
	level := slog.LevelDebug
	if state != RunDone && !merrors.IsTransient(err) {
		// A run failed by a transient cause (the database went away, a
		// deadline) is its caller's to report: a failed request is one
		// line, the caller's.
		level = slog.LevelWarn
	}
	r.mu.Lock()
	unsaved := r.unsaved
	r.mu.Unlock()
	switch {
	case unsaved != nil && !r.isPending():
		// The one line of a stored run the database went away under: its
		// stored state is behind, and recovery will take it from there.
		r.eng.logger.LogAttrs(ctx, slog.LevelWarn, "workflows: run ended with the database unavailable; its state is not saved, recovery resumes it from its last saved checkpoint",
			slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID),
			slog.String("state", string(state)), slog.Any("err", err), slog.String("save_error", unsaved.Error()))
	case unsaved != nil:
		// Nothing of the run was stored: nothing to recover, nothing to
		// say beyond its caller's failure.
		r.eng.logger.LogAttrs(ctx, slog.LevelDebug, "workflows: run ended with the database unavailable; nothing of it was stored",
			slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID),
			slog.String("state", string(state)), slog.Any("err", err), slog.String("save_error", unsaved.Error()))
	case r.eng.logger.Enabled(ctx, level):
		r.eng.logger.LogAttrs(ctx, level, "workflows: run finished", slog.String("workflow", r.key.WorkflowID), slog.String("transaction_id", r.key.TransactionID),
			slog.String("state", string(state)), slog.Duration("duration", now.Sub(r.started)), slog.Any("err", err))
	}
	if r.cancel != nil {
		r.cancel(nil)
	}
	waiters := r.eng.retire(r)
	close(r.done)
	for _, ch := range waiters {
		select { // full only of pokes: the waiter reads the stored run
		case ch <- r:
		default:
		}
	}
	if r.woken {
		if n, ok := r.store.(finishNotifier); ok {
			if err := n.NotifyFinished(ctx, r.key); err != nil {
				r.eng.logger.WarnContext(ctx, "workflows: announce a finished run", "workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "err", err)
			}
		}
	}
}
