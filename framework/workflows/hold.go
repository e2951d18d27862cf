package workflows

import (
	"context"
	"errors"
	"fmt"
)

// This file is the engine's side of the fast path of a TxStore (pgstore):
// the run's record written by its first step, a step's transaction held open
// until the next step or the run's finish, database-only steps joining it.
// The store's side, the transaction itself, is in the pgstore package.

// heldSteps is the open transaction of the steps last run, when the engine
// left it open (see run.step): committed before anything else the run does,
// or joined by the finish or by a next step that can join (see canJoin).
type heldSteps struct {
	tx  HeldTx
	its []*item // the steps it holds, oldest first
}

// ensureCreated stores the run's record if it is still pending.
func (r *run) ensureCreated(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending == nil {
		return nil
	}
	if err := r.store.CreateRun(ctx, r.pending); err != nil {
		return fmt.Errorf("create run %s/%s: %w", r.key.WorkflowID, r.key.TransactionID, err)
	}
	r.pending = nil
	return nil
}

// isPending reports whether the run's record is not stored yet.
func (r *run) isPending() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending != nil
}

// setPending sets (or, with nil, clears) the run's pending record.
func (r *run) setPending(rec *RunRecord) {
	r.mu.Lock()
	r.pending = rec
	r.mu.Unlock()
}

// step runs one step execution through the store. A WithDatabaseOnly step
// that is not in a parallel branch creates the pending run in its own
// transaction; any other step first stores the pending run. With a TxStore
// whose fast path is on, a step that may be held (not async, no retries) and
// is not in a parallel branch, on an engine without subscribers, leaves its
// transaction open (held): the workflow function runs on to its next step or
// to its end, and the transaction commits before the next step starts or
// with the run's finish. Nothing can observe the step's success in between:
// the workflow function is deterministic and does no side effects of its own
// outside steps.
func (r *run) step(wc *Context, dbOnly, hold, join bool, w StepWork, it *item) error {
	ts, fast := fastStore(r.store)
	if !fast {
		if err := r.ensureCreated(r.ctx); err != nil {
			return err
		}
		return r.store.Step(r.ctx, r.key, w)
	}
	if join {
		r.mu.Lock()
		t := r.held.tx
		r.mu.Unlock()
		if t != nil {
			err := ts.StepJoin(r.ctx, t, w)
			var lost *HeldLostError
			if errors.As(err, &lost) {
				r.heldLost(r.takeHeld(), lost.Err)
				return lost.Err
			}
			if err == nil {
				r.mu.Lock()
				r.held.its = append(r.held.its, it)
				r.mu.Unlock()
			}
			return err
		}
	}
	var create *RunRecord
	if dbOnly && !wc.concurrent {
		r.mu.Lock()
		create = r.pending
		r.mu.Unlock()
	}
	if create == nil {
		if err := r.ensureCreated(r.ctx); err != nil {
			return err
		}
	}
	if hold && !wc.concurrent && r.mayHold() {
		t, err := ts.StepHeld(r.ctx, r.key, create, w)
		if err != nil {
			return err
		}
		r.mu.Lock()
		if create != nil {
			r.pending = nil
		}
		if t != nil {
			r.held = heldSteps{tx: t, its: []*item{it}}
		}
		r.mu.Unlock()
		return nil
	}
	if create != nil {
		if err := ts.StepCreatingRun(r.ctx, create, w); err != nil {
			return err
		}
		r.setPending(nil)
		return nil
	}
	return r.store.Step(r.ctx, r.key, w)
}

// mayHold reports whether step transactions may be held: the engine
// has no subscribers (nothing observes a step's success before its commit)
// and was not made WithCommitPerStep.
func (r *run) mayHold() bool {
	if r.eng.commitEach {
		return false
	}
	subs := r.eng.subs.Load()
	return subs == nil || len(*subs) == 0
}

// canJoin reports whether a step can run in the held transaction of the
// steps before it instead of committing them first: it is database-only (so
// nothing outside the database happens before that transaction commits),
// has no retries, no timeout (a cancelled statement may cost the
// connection, and the held steps with it), is not async nor in a parallel
// branch, the engine has no subscribers, and a transaction is held.
func (r *run) canJoin(wc *Context, c *stepConfig) bool {
	if !c.dbOnly || c.maxRetries != 0 || c.timeout != 0 || c.async || wc.concurrent || !r.mayHold() {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held.tx != nil
}

// takeHeld returns the held transaction, if any, and forgets it.
func (r *run) takeHeld() heldSteps {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.held
	r.held = heldSteps{}
	return h
}

// flush commits the held transaction, if any. If the commit fails the held
// steps did not happen (heldLost) and the first one's error is returned.
func (r *run) flush() error {
	h := r.takeHeld()
	if h.tx == nil {
		return nil
	}
	if err := h.tx.Commit(context.WithoutCancel(r.ctx)); err != nil {
		return r.heldLost(h, fmt.Errorf("db: commit: %w", err))
	}
	return nil
}

// heldLost records that the held transaction of steps h rolled back: the
// steps' writes and checkpoints are gone. As when a step's own commit fails,
// each step is failed (no retries: only steps without retries are held) and
// saved as such, its compensation runs with its compensation input when the
// run reverts, and the run's record is pending again if the first step
// created it. The run fails whatever the workflow function does. It returns
// the first step's error.
func (r *run) heldLost(h heldSteps, err error) *StepError {
	ctx := context.WithoutCancel(r.ctx)
	r.mu.Lock()
	if create := h.tx.CreatedRun(); create != nil {
		r.pending = create
	}
	r.lost = true
	r.mu.Unlock()
	err = fmt.Errorf("checkpoint: %w", err)
	if cerr := r.ensureCreated(ctx); cerr != nil {
		r.saveFailed(ctx, "workflows: store the run of a failed step", cerr)
	}
	var first *StepError
	for _, it := range h.its {
		rec := it.rec
		rec.State, rec.Output, rec.Error = StepFailed, nil, err.Error()
		if serr := r.store.SaveStep(ctx, r.key, rec); serr != nil {
			r.saveFailed(ctx, "workflows: save failed step", serr, "step", rec.Name)
		}
		r.emit(EventStepFailure, rec.Name, rec.Position, rec.Attempt, err)
		se := r.addError(rec.Name, rec.Position, HandlerInvoke, rec.Attempt, err)
		if first == nil {
			first = se
		}
	}
	return first
}

func (r *run) isLost() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}
