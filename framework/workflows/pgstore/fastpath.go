package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Step implements Store. When ctx already carries a transaction (the run was
// started inside one), the step joins it and the checkpoint is written in it.
// Otherwise the step gets its own transaction (see Store).
func (s *Store) Step(ctx context.Context, key workflows.RunKey, w workflows.StepWork) error {
	if _, ok := db.TxFrom(ctx); ok {
		rec, err := w.Do(ctx)
		if err != nil {
			return err
		}
		return s.SaveStep(ctx, key, rec)
	}
	if !s.fast {
		return s.plainStep(ctx, key, w)
	}
	t := &stepTx{pool: s.pool, key: key, work: w}
	return db.InTx(ctx, (*stepBeginner)(t), t.do)
}

// plainStep is Step with the fast path off: a pgx transaction from the
// pool, BEGIN, the step's work, the checkpoint and COMMIT each in a round
// trip of their own.
func (s *Store) plainStep(ctx context.Context, key workflows.RunKey, w workflows.StepWork) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context, tx pgx.Tx) error {
		rec, err := w.Do(ctx)
		if err != nil {
			return err
		}
		sql := checkpointSQL(rec)
		args, err := stepArgs(key, rec)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, sql, args...)
		return err
	})
}

// heldTx is the workflows.HeldTx StepHeld returns: a stepTx left open (a
// field of the stepTx, so that holding allocates nothing more).
type heldTx struct{ t *stepTx }

// Commit implements workflows.HeldTx.
func (h *heldTx) Commit(ctx context.Context) error {
	if err := h.t.Commit(ctx); err != nil {
		return err
	}
	h.t.runAfterCommit()
	return nil
}

// CreatedRun implements workflows.HeldTx.
func (h *heldTx) CreatedRun() *workflows.RunRecord { return h.t.create }

// held returns the stepTx of h (nil for nil).
func (s *Store) held(h workflows.HeldTx) (*stepTx, error) {
	if h == nil {
		return nil, nil
	}
	t, ok := h.(*heldTx)
	if !ok || t.t.pool != s.pool {
		return nil, fmt.Errorf("pgstore: %T is not a transaction held by this store", h)
	}
	return t.t, nil
}

// StepCreatingRun is Step for the first step of a run whose record is not
// stored yet: the run's record is inserted in the step's transaction,
// pipelined with BEGIN and the step's first statement (or, when the step does
// no database work, in one implicit transaction with the checkpoint). The run
// then exists if and only if the step's checkpoint does. The engine uses it
// only for a step declared workflows.WithDatabaseOnly that starts a run with a
// generated transaction id (see workflows.WithDatabaseOnly).
func (s *Store) StepCreatingRun(ctx context.Context, r *workflows.RunRecord, w workflows.StepWork) error {
	if _, ok := db.TxFrom(ctx); ok {
		if err := s.CreateRun(ctx, r); err != nil {
			return err
		}
		return s.Step(ctx, r.RunKey, w)
	}
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	t := &stepTx{pool: s.pool, key: r.RunKey, work: w, deferred: []queued{{sql: insertRunSQL, args: args}}, create: r}
	return db.InTx(ctx, (*stepBeginner)(t), t.do)
}

// StepHeld is Step (StepCreatingRun when create is set) that leaves the
// step's transaction open when the step used the database: its checkpoint
// is queued, not yet sent, and the open transaction is returned, to be
// committed by the engine (HeldTx.Commit, which also runs the step's
// after-commit callbacks) or joined by StepJoin or FinishRun. A step without database work is committed
// at once and nil is returned. Within a caller's transaction nothing is held.
func (s *Store) StepHeld(ctx context.Context, key workflows.RunKey, create *workflows.RunRecord, w workflows.StepWork) (workflows.HeldTx, error) {
	if _, ok := db.TxFrom(ctx); ok {
		if create != nil {
			return nil, s.StepCreatingRun(ctx, create, w)
		}
		return nil, s.Step(ctx, key, w)
	}
	t := &stepTx{pool: s.pool, key: key, work: w}
	if create != nil {
		args, err := runArgs(create)
		if err != nil {
			return nil, err
		}
		t.deferred, t.create = []queued{{sql: insertRunSQL, args: args}}, create
	}
	txCtx := db.WithTx(ctx, t)
	returned := false
	defer func() {
		if !returned { // the work panicked: the connection must not stay in a transaction
			_ = t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	err := t.do(txCtx, t)
	returned = true
	if err != nil {
		_ = t.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	if !t.begun {
		if err := t.Commit(ctx); err != nil {
			return nil, fmt.Errorf("db: commit: %w", err)
		}
		db.RunAfterCommit(txCtx)
		return nil, nil
	}
	t.after = append(t.after, txCtx)
	t.held.t = t
	return &t.held, nil
}

const stepSavepoint = "SAVEPOINT workflows_step"

// StepJoin runs a step in t, the open transaction of the steps before it
// (StepHeld), after a savepoint: the previous checkpoint and the savepoint
// go with the step's first statement. On success t holds this step too (its
// checkpoint queued). If the step fails, its work is rolled back to the
// savepoint and t holds what it held before; if that rollback fails, the
// held steps are lost with it: a *workflows.HeldLostError.
func (s *Store) StepJoin(ctx context.Context, h workflows.HeldTx, w workflows.StepWork) error {
	t, err := s.held(h)
	if err != nil {
		return err
	}
	if t.args != nil {
		t.deferred = append(t.deferred, queued{sql: t.sql, args: t.args})
	}
	t.sql, t.args = "", nil
	m := t.mark()
	t.queue(queued{sql: stepSavepoint})
	t.work = w
	txCtx := db.WithTx(ctx, t)
	returned := false
	defer func() {
		if !returned {
			_ = t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	err = t.do(txCtx, t)
	returned = true
	if err == nil {
		t.dropQueued(stepSavepoint) // the step sent and queued nothing
		t.after = append(t.after, txCtx)
		return nil
	}
	t.sql, t.args = "", nil
	// What the failed step queued goes with it, sent or not: what it sent
	// after its savepoint is rolled back to the savepoint, unless the
	// savepoint itself was never sent.
	if !t.dropSince(m) {
		if _, rerr := t.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK TO "+stepSavepoint); rerr != nil {
			_ = t.Rollback(context.WithoutCancel(ctx))
			return &workflows.HeldLostError{Err: fmt.Errorf("roll back the failed step %w: %w", err, rerr)}
		}
	}
	return err
}

// commitHeld commits a transaction returned by StepHeld and runs its
// after-commit callbacks.
func commitHeld(ctx context.Context, t *stepTx) error {
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	t.runAfterCommit()
	return nil
}

const finishSavepoint = "SAVEPOINT workflows_finish"

// FinishRun runs before (the release of the run's events) and then writes
// the run's final state, deleting the run and its steps when del is set, in
// one transaction: BEGIN goes with before's first statement, the run's write
// with COMMIT. Either both happen or neither: a crash leaves the run
// unfinished with its events held, and recovery replays it and finishes it
// again. When ctx carries a transaction, both join it.
//
// held, when not nil, is the open transaction of the run's last step
// (StepHeld): the finish joins it, so the step's commit is the finish's. Its
// checkpoint goes first (skipped when the run is deleted in the same
// transaction), then a savepoint, both pipelined with before's first
// statement. If before fails the transaction rolls back to the savepoint and
// the step commits with its checkpoint; before's error is returned. If the
// commit fails, the step is lost with the rest: a *workflows.HeldLostError.
func (s *Store) FinishRun(ctx context.Context, r *workflows.RunRecord, del bool, h workflows.HeldTx, before func(ctx context.Context) error) error {
	held, err := s.held(h)
	if err != nil {
		return err
	}
	var sql string
	var args []any
	if del {
		sql, args = deleteRunSQL, []any{r.WorkflowID, r.TransactionID}
	} else {
		a, err := updateRunArgs(r)
		if err != nil {
			if held != nil { // the steps did succeed: commit them
				if cerr := commitHeld(context.WithoutCancel(ctx), held); cerr != nil {
					return &workflows.HeldLostError{Err: cerr}
				}
			}
			return err
		}
		sql, args = updateRunSQL, a
	}
	if _, ok := db.TxFrom(ctx); ok && held == nil {
		if before != nil {
			if err := before(ctx); err != nil {
				return err
			}
		}
		_, err := db.Conn(ctx, s.pool).Exec(ctx, sql, args...)
		return err
	}
	t := held
	var ckptSQL string
	var ckptArgs []any
	if t == nil {
		t = &stepTx{pool: s.pool, key: r.RunKey}
	} else {
		ckptSQL, ckptArgs = t.sql, t.args
		t.sql, t.args = "", nil
		if !del && ckptArgs != nil {
			t.queue(queued{sql: ckptSQL, args: ckptArgs})
		}
		t.queue(queued{sql: finishSavepoint})
	}
	fail := func(err error) error {
		if held != nil {
			return &workflows.HeldLostError{Err: err}
		}
		return err
	}
	txCtx := db.WithTx(ctx, t)
	returned := false
	defer func() {
		if !returned {
			_ = t.Rollback(context.WithoutCancel(ctx))
		}
	}()
	var berr error
	if before != nil {
		berr = before(txCtx)
	}
	returned = true
	if berr != nil {
		if held == nil {
			_ = t.Rollback(context.WithoutCancel(ctx))
			return berr
		}
		// Undo before's work, keep the step's, commit the step.
		if !t.dropQueued(finishSavepoint) { // else before never reached the database
			if _, err := t.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK TO "+finishSavepoint); err != nil {
				_ = t.Rollback(context.WithoutCancel(ctx))
				return fail(err)
			}
		}
		if del {
			t.sql, t.args = ckptSQL, ckptArgs
		}
		if err := commitHeld(context.WithoutCancel(ctx), t); err != nil {
			return fail(err)
		}
		return berr
	}
	if held != nil {
		t.dropQueued(finishSavepoint)
	}
	t.sql, t.args = sql, args
	if del && held != nil {
		// The run's record and checkpoints not sent yet need not be: the
		// run is deleted. If its record was never sent, neither is the
		// delete.
		t.deferred = nil
		if t.create != nil {
			t.sql, t.args = "", nil
		}
	}
	if err := t.Commit(ctx); err != nil {
		return fail(fmt.Errorf("db: commit: %w", err))
	}
	t.runAfterCommit()
	db.RunAfterCommit(txCtx)
	return nil
}
