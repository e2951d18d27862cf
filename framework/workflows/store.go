package workflows

import (
	"context"
	"errors"
	"time"
)

// RunState is the state of a run (Medusa's TransactionState, reduced to the
// states a Go run can be in).
type RunState string

// Run states. A run is invoking until its function returns; on success it is
// done; on failure it is compensating and then reverted (every compensation
// succeeded) or failed (at least one compensation failed).
const (
	RunInvoking     RunState = "invoking"
	RunCompensating RunState = "compensating"
	RunDone         RunState = "done"
	RunReverted     RunState = "reverted"
	RunFailed       RunState = "failed"
)

// Finished reports whether s is a final state.
func (s RunState) Finished() bool {
	return s == RunDone || s == RunReverted || s == RunFailed
}

// StepState is the state of one step execution.
type StepState string

// Step states.
const (
	StepDone             StepState = "done"              // invoked successfully; output checkpointed
	StepSkipped          StepState = "skipped"           // invoke returned ErrSkip
	StepWaiting          StepState = "waiting"           // async step waiting for SetStepSuccess/SetStepFailure
	StepRetrying         StepState = "retrying"          // a failed attempt; the next one is due at WakeAt (parked runs, see WithTimers)
	StepFailed           StepState = "failed"            // invoke failed after its retries
	StepTimeout          StepState = "timeout"           // invoke exceeded its timeout
	StepReverted         StepState = "reverted"          // compensated
	StepCompensateFailed StepState = "compensate_failed" // compensation failed after its retries
	// StepCompensateRetrying: the compensation's attempt Attempt failed; the
	// next one is due at WakeAt (parked runs, see WithTimers).
	StepCompensateRetrying StepState = "compensate_retrying"
)

// RunKey identifies a run: a transaction id is unique per workflow.
type RunKey struct {
	WorkflowID    string `json:"workflow_id"`
	TransactionID string `json:"transaction_id"`
}

// ErrorRecord is a stored step error.
type ErrorRecord struct {
	Step     string `json:"action"`
	Position string `json:"position,omitempty"`
	Handler  string `json:"handler_type"`
	Message  string `json:"message"`
	// Code keeps the identity of an engine error ("step_timeout",
	// "workflow_timeout", "cancelled"), so that errors.Is sees it in a
	// result read from the store.
	Code string `json:"code,omitempty"`
}

// RunRecord is a run as stored. Input and Output hold the typed values in the
// memory store and json.RawMessage when read from the Postgres store.
type RunRecord struct {
	RunKey
	State        RunState      `json:"state"`
	Input        any           `json:"input,omitempty"`
	Output       any           `json:"output,omitempty"`
	Errors       []ErrorRecord `json:"errors,omitempty"`
	EventGroupID string        `json:"event_group_id,omitempty"`
	Idempotent   bool          `json:"idempotent,omitempty"`
	// Retention is how long the finished run is kept; 0 deletes it when it
	// finishes (unless Idempotent), a negative value keeps it for ever.
	Retention time.Duration `json:"retention,omitempty"`
	// Owner is the instance id of the engine running the run ("" when the
	// engine has none); HeartbeatAt is when that engine last said it still
	// runs it. See WithInstanceID.
	Owner       string    `json:"owner,omitempty"`
	HeartbeatAt time.Time `json:"heartbeat_at,omitzero"`
	// ParkedAt is set while the run is parked (see WithTimers): no instance
	// runs it, and it waits for a wake-up at WakeAt (zero: only a
	// completion of one of its async steps, or Cancel, wakes it).
	ParkedAt   time.Time `json:"parked_at,omitzero"`
	WakeAt     time.Time `json:"wake_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// StepRecord is one step's checkpoint. Output and CompInput hold pointers to
// the step's typed values in the memory store (or the value given to
// SetStepSuccess) and json.RawMessage when read from Postgres; both encode to
// the same JSON.
type StepRecord struct {
	Position  string    `json:"position"`
	Name      string    `json:"name"`
	State     StepState `json:"state"`
	Attempt   int       `json:"attempt"`
	Output    any       `json:"output,omitempty"`
	CompInput any       `json:"compensate_input,omitempty"`
	Error     string    `json:"error,omitempty"`
	// WakeAt is, for a waiting async step with a timeout, its deadline, and
	// for a retrying step, when its next attempt is due.
	WakeAt    time.Time `json:"wake_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// ListFilter selects runs for List. Zero fields match everything.
type ListFilter struct {
	WorkflowID string
	States     []RunState
	Limit      int // 0: no limit
	Offset     int
}

// StepWork is the work of one step execution, handed to Store.Step: Do runs
// the step's handler with ctx and returns the checkpoint to save, or an error.
type StepWork interface {
	Do(ctx context.Context) (*StepRecord, error)
}

// ErrRunExists is returned by Store.CreateRun when the run key is taken.
var ErrRunExists = errors.New("workflows: run already exists")

// ErrRunNotFound is returned by stores for an unknown run.
var ErrRunNotFound = errors.New("workflows: run not found")

// Store keeps runs and their step checkpoints. Implementations: MemoryStore
// (the default) and pgstore.Store (a TxStore).
type Store interface {
	// CreateRun stores a new run, or returns ErrRunExists.
	CreateRun(ctx context.Context, r *RunRecord) error
	// UpdateRun saves a run's state, output, errors and finish time.
	UpdateRun(ctx context.Context, r *RunRecord) error
	// DeleteRun removes a run and its steps.
	DeleteRun(ctx context.Context, key RunKey) error
	// GetRun returns a run, or ErrRunNotFound.
	GetRun(ctx context.Context, key RunKey) (*RunRecord, error)
	// ListRuns returns runs matching f, newest first.
	ListRuns(ctx context.Context, f ListFilter) ([]RunRecord, error)
	// Steps returns a run's step records in no particular order.
	Steps(ctx context.Context, key RunKey) ([]StepRecord, error)
	// GetStep returns one step record, or ErrRunNotFound.
	GetStep(ctx context.Context, key RunKey, position string) (*StepRecord, error)
	// SaveStep inserts or replaces a step record.
	SaveStep(ctx context.Context, key RunKey, s *StepRecord) error
	// CompareAndSaveStep replaces the step record at s.Position only if its
	// state is from; it reports whether it did.
	CompareAndSaveStep(ctx context.Context, key RunKey, s *StepRecord, from StepState) (bool, error)
	// Step runs w and, if it succeeds, saves the record it returns. A store
	// backed by a database makes both atomic: w runs with a transaction in its
	// context that the step's own database work joins (framework/db.InTx),
	// and the checkpoint is written and committed with it.
	Step(ctx context.Context, key RunKey, w StepWork) error
	// ClaimRuns takes over the unfinished (invoking or compensating) runs
	// that belong to owner, or whose heartbeat is older than staleBefore
	// (or missing), setting their owner to owner and their heartbeat to now,
	// and returns them. Parked runs are left alone unless their wake-up is
	// older than overdueBefore (a wake-up that was lost); a claimed run is
	// no longer parked.
	ClaimRuns(ctx context.Context, owner string, staleBefore, overdueBefore time.Time) ([]RunRecord, error)
	// ParkRun parks the unfinished run r.RunKey: no owner, ParkedAt now,
	// WakeAt wakeAt, and r.Retention saved; unless one of the steps at the
	// positions waiting is no longer waiting (a completion arrived), in
	// which case it changes nothing and reports false. within, when not
	// nil, runs in the same transaction (it schedules the wake-up) and its
	// error undoes the park.
	ParkRun(ctx context.Context, r *RunRecord, wakeAt time.Time, waiting []string, within func(ctx context.Context) error) (bool, error)
	// ClaimParked takes over the parked run key for owner (no longer
	// parked, owner set, heartbeat now) and returns it, or nil when the run
	// is not parked, or when due is not zero and the run's wake-up is
	// missing or later than due (the wake-up is for an earlier park).
	ClaimParked(ctx context.Context, key RunKey, owner string, due time.Time) (*RunRecord, error)
	// Atomically runs fn in one transaction (a store without transactions
	// just calls it): SetStepSuccess completes a step and schedules the
	// run's wake-up together.
	Atomically(ctx context.Context, fn func(ctx context.Context) error) error
	// Heartbeat marks owner's unfinished runs as still running.
	Heartbeat(ctx context.Context, owner string) error
	// Purge deletes finished runs whose retention has passed at now and
	// returns how many it deleted.
	Purge(ctx context.Context, now time.Time) (int, error)
}

// TxStore is a Store that can put the engine's own writes in the
// transactions of steps (pgstore.Store): the engine then creates a run with
// its first step, keeps a step's transaction open until the next step or the
// run's finish (database-only steps share it), and finishes the run with the
// release of its events, saving round trips and commits. The engine uses the
// methods below only when FastPath reports true; other stores, and a TxStore
// whose fast path is off, get the separate Store calls.
type TxStore interface {
	Store
	// FastPath reports whether the engine may use the methods below.
	FastPath() bool
	// StepCreatingRun is Step that also creates the run r, atomically with
	// the step's checkpoint.
	StepCreatingRun(ctx context.Context, r *RunRecord, w StepWork) error
	// StepHeld is Step (StepCreatingRun when create is not nil) that may
	// leave the step's transaction open, its checkpoint written with the
	// commit, and return it; nil when the step was committed at once.
	StepHeld(ctx context.Context, key RunKey, create *RunRecord, w StepWork) (HeldTx, error)
	// StepJoin runs a step in the held transaction t, after a savepoint: on
	// success t holds this step too; if the step fails, t holds what it held
	// before, and the step's error is returned, or a *HeldLostError when
	// the held steps were lost with it.
	StepJoin(ctx context.Context, t HeldTx, w StepWork) error
	// FinishRun runs before, then saves r's final state (deletes the run
	// when del is set), atomically, in held when it is not nil. If before
	// fails, held's steps still commit; if they cannot, a *HeldLostError.
	FinishRun(ctx context.Context, r *RunRecord, del bool, held HeldTx, before func(ctx context.Context) error) error
}

// HeldTx is a step's transaction left open by TxStore.StepHeld.
type HeldTx interface {
	// Commit writes the held steps' checkpoints, commits and runs their
	// after-commit callbacks (db.AfterCommit).
	Commit(ctx context.Context) error
	// CreatedRun is the run's record when the first held step created the
	// run (its record is written with the commit), else nil.
	CreatedRun() *RunRecord
}

// HeldLostError reports that a held transaction rolled back: the held
// steps' writes and checkpoints are gone.
type HeldLostError struct{ Err error }

func (e *HeldLostError) Error() string { return e.Err.Error() }
func (e *HeldLostError) Unwrap() error { return e.Err }

// fastStore returns the store as a TxStore when its fast path is on.
func fastStore(s Store) (TxStore, bool) {
	ts, ok := s.(TxStore)
	if !ok || !ts.FastPath() {
		return nil, false
	}
	return ts, true
}
