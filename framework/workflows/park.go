package workflows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Timers is what the engine needs from a job engine to make the waits of its
// runs durable (see WithTimers): Schedule arranges for Engine.Wake(ctx, key,
// at) to be called on some instance at or after at, or as soon as possible
// when at is zero. ctx may carry a database transaction (framework/db) that
// the schedule must commit or roll back with. Schedule may call Wake more
// than once, and after the run has been woken by other means: a Wake that
// finds nothing to do does nothing. framework/wftimers implements it on the
// job engine (River).
type Timers interface {
	Schedule(ctx context.Context, key RunKey, at time.Time) error
}

// WithTimers makes the engine park runs that wait, instead of holding a
// goroutine and in-process timers for them: a step (or a compensation)
// retrying after an interval, an async step waiting for SetStepSuccess/SetStepFailure (and its
// timeout), and the workflow timeout of such a run. A parked run is saved
// with its wake-up time and no owner; t schedules the wake-up on the job
// engine in the same transaction, and whichever instance runs that job
// resumes the run by replaying its checkpoints. So the wait survives the
// restart of the process that started it, and the run goes on wherever a
// worker is. The engine also keeps an in-process timer for the wake-ups of
// the runs it parks, so that on a live instance a run resumes on time
// without waiting for the job engine's scheduler; whichever comes first takes
// the run, the other finds it taken. SetStepSuccess and SetStepFailure
// schedule a wake-up with the completion, atomically, and try to resume the
// run at once. Recover takes over a parked run whose wake-up is overdue by
// more than the lease (a lost job).
//
// Run still returns the run's result: when the run is resumed in this
// engine, from the resumed run; when another instance finishes it, from its
// stored record, read when that instance announces the end (pgstore.Store:
// NOTIFY, heard by a listener connection this engine opens on first need)
// and at every async poll interval (WithAsyncPollInterval) in case an
// announcement was missed. A
// parked run's record is therefore kept for at least ParkedRetention after it
// finishes. A parked run resumes with the engine's container, as a recovered
// run does, not with the scope given to Run.
//
// Still in process: a step's invoke timeout (its context's deadline, while
// the invoke runs).
// Needs a store that supports parking (pgstore.Store; MemoryStore does too,
// but nothing it holds survives the process).
func WithTimers(t Timers) EngineOption { return func(e *Engine) { e.timers = t } }

// ParkedRetention is the least time a run that was parked is kept once
// finished, so that a caller waiting in Run on another instance can read its
// result.
const ParkedRetention = time.Hour

// errParked is returned to the workflow function by the step that parked the
// run and by every step called after it: the run stops there and waits for
// its wake-up.
var errParked = errors.New("workflows: run parked until its wake-up")

// parks reports whether runs park on durable waits (WithTimers).
func (e *Engine) parks() bool { return e.timers != nil }

// requestPark records that the step at pos waits until wakeAt (zero: until
// a completion), for a completion when async.
func (r *run) requestPark(pos string, wakeAt time.Time, async bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parkReq.requested = true
	if !wakeAt.IsZero() && (r.parkReq.at.IsZero() || wakeAt.Before(r.parkReq.at)) {
		r.parkReq.at = wakeAt
	}
	if async {
		r.parkReq.waiting = append(r.parkReq.waiting, pos)
	}
}

// parkRequested reports whether a step asked to park and no step failed.
func (r *run) parkRequested() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.parkReq.requested && len(r.errs) == 0 && !r.lost
}

// parkPending reports whether a step asked to park, whatever else happened
// (a compensation waiting for its retry parks a run that failed).
func (r *run) parkPending() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.parkReq.requested
}

// clearPark forgets a park request.
func (r *run) clearPark() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parkReq.requested, r.parkReq.at, r.parkReq.waiting = false, time.Time{}, nil
}

// resetForReplay prepares the run to call its workflow function again from
// the checkpoints in steps.
func (r *run) resetForReplay(steps []StepRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parkReq.requested, r.parkReq.at, r.parkReq.waiting = false, time.Time{}, nil
	r.root = seq{}
	r.skipped = false
	r.ckpt = make(map[string]*StepRecord, len(steps))
	for i := range steps {
		r.ckpt[steps[i].Position] = &steps[i]
	}
}

// park saves the run as parked and schedules its wake-up, in one
// transaction. It reports false when a completion arrived for a step the run
// waits for (the run must go on at once).
func (r *run) park() (bool, error) {
	ctx := context.WithoutCancel(r.ctx)
	if err := r.ensureCreated(ctx); err != nil {
		return false, err
	}
	r.mu.Lock()
	wakeAt, waiting := r.parkReq.at, r.parkReq.waiting
	r.mu.Unlock()
	if d := r.wfDeadline; !d.IsZero() && r.rec.State != RunCompensating && (wakeAt.IsZero() || d.Before(wakeAt)) {
		wakeAt = d
	}
	r.mu.Lock()
	if r.finishCh == nil && r.caller {
		r.finishCh = r.eng.addFinishWaiter(r.key)
	}
	r.mu.Unlock()
	rec := *r.rec
	r.mu.Lock()
	rec.Errors = errorRecords(r.errs)
	r.mu.Unlock()
	if rec.Retention >= 0 && rec.Retention < ParkedRetention {
		rec.Retention = ParkedRetention
	}
	var schedule func(ctx context.Context) error
	if !wakeAt.IsZero() {
		schedule = func(ctx context.Context) error { return r.eng.timers.Schedule(ctx, r.key, wakeAt) }
	}
	ok, err := r.store.ParkRun(ctx, &rec, wakeAt, waiting, schedule)
	if err != nil || !ok {
		return false, err
	}
	r.rec.Retention, r.rec.ParkedAt, r.rec.WakeAt, r.rec.Owner = rec.Retention, time.Now(), wakeAt, ""
	if !wakeAt.IsZero() {
		r.eng.arm(r.key, wakeAt)
	}
	return true, nil
}

// parkOrWait is called when the workflow function returned after a step
// asked to park. It parks the run and reports true, or, when a completion
// arrived meanwhile, reports false at once; when the run cannot be parked
// (the store or the job engine failed), it waits in process until the
// wake-up (or an async poll interval) and reports false. After false the
// run replays from its checkpoints.
func (r *run) parkOrWait() bool {
	parked, err := r.park()
	if err == nil {
		if !parked {
			r.emit(EventResume, "", "", 0, nil)
		}
		return parked
	}
	r.mu.Lock()
	at := r.parkReq.at
	r.mu.Unlock()
	if next := time.Now().Add(r.eng.asyncPoll); at.IsZero() || next.Before(at) {
		at = next
	}
	r.eng.logger.WarnContext(r.ctx, "workflows: cannot park the run; waiting in process",
		"workflow", r.key.WorkflowID, "transaction_id", r.key.TransactionID, "until", at, "err", err)
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.ctx.Done():
	}
	return false
}

// parkedEnd ends this execution of a parked run: it leaves the engine, and
// its wake-up resumes it (here or on another instance).
func (r *run) parkedEnd() {
	r.parked = true
	if r.eng.logger.Enabled(r.ctx, slog.LevelDebug) {
		r.eng.logger.LogAttrs(r.ctx, slog.LevelDebug, "workflows: run parked", slog.String("workflow", r.key.WorkflowID),
			slog.String("transaction_id", r.key.TransactionID), slog.Time("wake_at", r.rec.WakeAt))
	}
	r.emit(EventPark, "", "", 0, nil)
	if r.cancel != nil {
		r.cancel(nil)
	}
	r.eng.mu.Lock()
	if r.eng.live[r.key] == r {
		delete(r.eng.live, r.key)
		r.eng.rememberLocked(r)
	}
	r.eng.mu.Unlock()
	close(r.done)
}

// arm sets this engine's in-process timer for the wake-up of the parked run
// key at at.
func (e *Engine) arm(key RunKey, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.stopped {
		return
	}
	if t := e.alarms[key]; t != nil {
		t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(time.Until(at), func() {
		e.mu.Lock()
		if e.alarms[key] == t {
			delete(e.alarms, key)
		}
		e.mu.Unlock()
		if err := e.Wake(context.Background(), key, at); err != nil {
			e.logger.Warn("workflows: wake a parked run", "workflow", key.WorkflowID, "transaction_id", key.TransactionID, "err", err)
		}
	})
	e.alarms[key] = t
}

// disarm drops the in-process timer of run key.
func (e *Engine) disarm(key RunKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if t := e.alarms[key]; t != nil {
		t.Stop()
		delete(e.alarms, key)
	}
}

// Wake resumes the parked run key in this engine (see WithTimers): the job
// engine calls it when a wake-up is due (due is the time it was scheduled
// for) or a completion arrived (due is zero). It takes the run only if it is
// still parked and, for a timed wake-up, its wake-up time is not later than
// due (a wake-up scheduled for an earlier park does nothing), then replays it
// in the background and returns. A run that is not parked, finished or
// unknown is left alone (nil). A run of a workflow this engine does not
// register is left parked, with an error, so that the job is retried, maybe
// on an instance that registers it.
func (e *Engine) Wake(ctx context.Context, key RunKey, due time.Time) error {
	e.mu.Lock()
	_, live := e.live[key]
	def := e.workflows[key.WorkflowID]
	stopped := e.stopped
	e.mu.Unlock()
	if live {
		return nil
	}
	if stopped {
		return fmt.Errorf("workflows: wake %s/%s: the engine is shut down", key.WorkflowID, key.TransactionID)
	}
	if def == nil {
		return fmt.Errorf("workflows: wake %s/%s: workflow %q is not registered", key.WorkflowID, key.TransactionID, key.WorkflowID)
	}
	rec, err := e.store.ClaimParked(ctx, key, e.instance, due)
	if err != nil {
		return fmt.Errorf("workflows: wake %s/%s: %w", key.WorkflowID, key.TransactionID, err)
	}
	if rec == nil {
		return nil
	}
	return e.resumeClaimed(ctx, key, def, rec)
}

// resumeClaimed replays the parked run key that this engine has just taken
// (rec, from ClaimParked) with def, in the background. Once taken, the run
// belongs to this instance: if this fails, recovery resumes it (this
// instance's periodic recovery, or another's once the heartbeat is stale).
func (e *Engine) resumeClaimed(ctx context.Context, key RunKey, def Definition, rec *RunRecord) error {
	e.disarm(key)
	e.heartbeat()
	steps, err := e.store.Steps(ctx, key)
	if err != nil {
		return fmt.Errorf("workflows: wake %s/%s: steps: %w", key.WorkflowID, key.TransactionID, err)
	}
	if _, err := def.resume(context.WithoutCancel(ctx), e, rec, steps, rec.State == RunCompensating, nil, true); err != nil {
		return fmt.Errorf("workflows: wake %s/%s: %w", key.WorkflowID, key.TransactionID, err)
	}
	return nil
}

// addFinishWaiter registers a channel that gets the run key when it
// finishes in this engine.
func (e *Engine) addFinishWaiter(key RunKey) chan *run {
	ch := make(chan *run, 2)
	e.mu.Lock()
	e.finishWait[key] = append(e.finishWait[key], ch)
	e.mu.Unlock()
	return ch
}

func (e *Engine) removeFinishWaiter(key RunKey, ch chan *run) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ws := e.finishWait[key]
	for i, w := range ws {
		if w == ch {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(e.finishWait, key)
	} else {
		e.finishWait[key] = ws
	}
}

// retire removes the finished run r from the engine and returns the callers
// waiting for it (see awaitParked), under one lock.
func (e *Engine) retire(r *run) []chan *run {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.live[r.key] == r {
		delete(e.live, r.key)
		e.rememberLocked(r)
	}
	ws := e.finishWait[r.key]
	if ws != nil {
		delete(e.finishWait, r.key)
	}
	return ws
}

// poke tells the callers waiting for run key that it finished elsewhere:
// they read its stored record.
func (e *Engine) poke(key RunKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pokeEach(e.finishWait[key])
}

// pokeEach sends each waiter the nil poke (read the stored record), unless
// its channel is full already.
func pokeEach(ws []chan *run) {
	for _, ch := range ws {
		select {
		case ch <- nil:
		default:
		}
	}
}

// pokeAll makes every waiting caller read its run's stored record: called
// when the listener (re)starts listening, since a run may have finished
// and been announced before, while nothing listened.
func (e *Engine) pokeAll() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ws := range e.finishWait {
		pokeEach(ws)
	}
}

// finishNotifier and finishListener are implemented by stores that can
// announce finished runs to other processes (pgstore.Store: NOTIFY/LISTEN):
// a run resumed after a park announces its end, and a caller waiting for it
// in another process reads its result at once instead of at its next poll.
type finishNotifier interface {
	NotifyFinished(ctx context.Context, key RunKey) error
}

type finishListener interface {
	// ListenFinished calls fn with the key of every announced run until ctx
	// ends or the connection fails; it calls listening (if not nil) once
	// announcements reach fn.
	ListenFinished(ctx context.Context, listening func(), fn func(RunKey)) error
}

// listen starts, once, the listener of announced finished runs, if the
// store has one; it reconnects after a failure and stops at Shutdown.
func (e *Engine) listen() {
	ls, ok := e.store.(finishListener)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.listenStop != nil || e.stopped {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.listenStop = cancel
	go func() {
		for {
			// Announcements made while nothing listened (before the first
			// LISTEN, or during a reconnection) are lost: once listening,
			// every waiting caller reads its run's record.
			err := ls.ListenFinished(ctx, e.pokeAll, e.poke)
			if ctx.Err() != nil {
				return
			}
			e.logger.Warn("workflows: listen for finished runs; retrying in 1s", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
}

// awaitParked waits for the end of a parked run on behalf of the caller of
// Run: from this engine when the run is resumed here (ch), else from its
// stored record. Cancelling ctx cancels the run (as it does a running one)
// and waits for its compensation.
func awaitParked[Out any](ctx context.Context, e *Engine, key RunKey, ch chan *run, info *RunInfo) (Out, error) {
	var zero Out
	defer e.removeFinishWaiter(key, ch)
	e.listen()
	bg := context.WithoutCancel(ctx)
	poll := time.NewTicker(e.asyncPoll)
	defer poll.Stop()
	done := ctx.Done()
	for {
		select {
		case fr := <-ch:
			if fr != nil {
				fillInfo(info, fr)
				out, _ := fr.result.(Out)
				return out, fr.err
			}
			// Announced as finished by another process: read it.
		case <-poll.C:
		case <-done:
			done = nil
			if err := e.Cancel(bg, key); err != nil {
				e.logger.WarnContext(bg, "workflows: cancel a parked run", "workflow", key.WorkflowID, "transaction_id", key.TransactionID, "err", err)
			}
			continue
		}
		rec, err := e.store.GetRun(bg, key)
		if errors.Is(err, ErrRunNotFound) {
			return zero, fmt.Errorf("workflows: run %s/%s finished elsewhere and its record is gone", key.WorkflowID, key.TransactionID)
		}
		if err != nil {
			e.logger.WarnContext(bg, "workflows: read a parked run", "workflow", key.WorkflowID, "transaction_id", key.TransactionID, "err", err)
			continue
		}
		if rec.State.Finished() {
			if info != nil {
				*info = RunInfo{TransactionID: key.TransactionID, EventGroupID: rec.EventGroupID, State: rec.State}
			}
			return storedResult[Out](rec)
		}
	}
}

// parkRequest is a step's request to park the run (see run.requestPark):
// until at (zero: a completion), waiting for the async steps at the
// positions waiting.
type parkRequest struct {
	requested bool
	at        time.Time
	waiting   []string
}
