package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
)

// PostgresStore keeps runs in the workflow_run and workflow_step tables
// (created by framework/workflows/migrations). Values are stored as JSON, so
// step outputs, compensation inputs and workflow inputs and outputs must
// survive encoding/json.
//
// A step runs inside a transaction that its context carries (db.WithTx): the
// step's own database work, done through db.InTx or db.Conn, joins it, and the
// checkpoint is written and committed with it in a single round trip. So a
// step's database side effects and its checkpoint are atomic: after a crash
// the step either happened and is not run again, or did not happen and runs
// again. The transaction begins lazily, pipelined with the step's first
// statement; a step that does no database work costs one autocommitted
// checkpoint write. The engine may also keep a step's transaction open until
// the next step or the run's finish, let database-only steps share it, and
// write the run's record in the first step's transaction (see the package
// documentation and WithCommitPerStep).
type PostgresStore struct {
	pool *pgxpool.Pool
}

// NewPostgresStore returns a store on pool. The tables must exist (apply
// migrations.Source()).
func NewPostgresStore(pool *pgxpool.Pool) *PostgresStore { return &PostgresStore{pool: pool} }

var _ Store = (*PostgresStore)(nil)

const runColumns = `workflow_id, transaction_id, state, input, output, errors, event_group_id, idempotent, retention_ms, owner, heartbeat_at, parked_at, wake_at, created_at, updated_at, finished_at`

// insertStepSQL writes the first checkpoint of a step (a plain insert is a
// little cheaper than an upsert); later writes (failure, compensation) use
// upsertStepSQL.
const insertStepSQL = `INSERT INTO workflow_step (workflow_id, transaction_id, position, name, state, attempt, output, comp_input, error, wake_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

const upsertStepSQL = `INSERT INTO workflow_step (workflow_id, transaction_id, position, name, state, attempt, output, comp_input, error, wake_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
ON CONFLICT (workflow_id, transaction_id, position) DO UPDATE SET name = EXCLUDED.name, state = EXCLUDED.state,
attempt = EXCLUDED.attempt, output = EXCLUDED.output, comp_input = EXCLUDED.comp_input, error = EXCLUDED.error, wake_at = EXCLUDED.wake_at, updated_at = now()`

func toJSON(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if len(x) == 0 {
			return nil, nil
		}
		return x, nil
	}
	return json.Marshal(v)
}

func fromJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// retentionMillis is a retention as stored: milliseconds, -1 for ever, at
// least 1 when positive.
func retentionMillis(d time.Duration) int64 {
	switch {
	case d < 0:
		return -1
	case d > 0:
		return max(d.Milliseconds(), 1)
	}
	return 0
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func stepArgs(key RunKey, s *StepRecord) ([]any, error) {
	out, err := toJSON(s.Output)
	if err != nil {
		return nil, fmt.Errorf("encode output of step %s: %w", s.Name, err)
	}
	comp, err := toJSON(s.CompInput)
	if err != nil {
		return nil, fmt.Errorf("encode compensation input of step %s: %w", s.Name, err)
	}
	return []any{key.WorkflowID, key.TransactionID, s.Position, s.Name, string(s.State), s.Attempt, out, comp, s.Error, nullTime(s.WakeAt)}, nil
}

const insertRunSQL = `INSERT INTO workflow_run (workflow_id, transaction_id, state, input, event_group_id, idempotent, retention_ms, owner, heartbeat_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)`

func runArgs(r *RunRecord) ([]any, error) {
	in, err := toJSON(r.Input)
	if err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	return []any{r.WorkflowID, r.TransactionID, string(r.State), in, r.EventGroupID, r.Idempotent, retentionMillis(r.Retention), r.Owner, created}, nil
}

// CreateRun implements Store.
func (s *PostgresStore) CreateRun(ctx context.Context, r *RunRecord) error {
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	tag, err := db.Conn(ctx, s.pool).Exec(ctx, insertRunSQL+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrRunExists
	}
	return nil
}

const updateRunSQL = `UPDATE workflow_run SET state = $3, output = $4, errors = $5, finished_at = $6, updated_at = now()
WHERE workflow_id = $1 AND transaction_id = $2`

func updateRunArgs(r *RunRecord) ([]any, error) {
	out, err := toJSON(r.Output)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	errs := r.Errors
	if errs == nil {
		errs = []ErrorRecord{}
	}
	eb, err := json.Marshal(errs)
	if err != nil {
		return nil, err
	}
	return []any{r.WorkflowID, r.TransactionID, string(r.State), out, eb, nullTime(r.FinishedAt)}, nil
}

// UpdateRun implements Store.
func (s *PostgresStore) UpdateRun(ctx context.Context, r *RunRecord) error {
	args, err := updateRunArgs(r)
	if err != nil {
		return err
	}
	tag, err := db.Conn(ctx, s.pool).Exec(ctx, updateRunSQL, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrRunNotFound
	}
	return nil
}

const deleteRunSQL = `WITH steps AS (DELETE FROM workflow_step WHERE workflow_id = $1 AND transaction_id = $2)
DELETE FROM workflow_run WHERE workflow_id = $1 AND transaction_id = $2`

// DeleteRun implements Store.
func (s *PostgresStore) DeleteRun(ctx context.Context, key RunKey) error {
	_, err := db.Conn(ctx, s.pool).Exec(ctx, deleteRunSQL, key.WorkflowID, key.TransactionID)
	return err
}

func scanRun(row pgx.Row) (*RunRecord, error) {
	var r RunRecord
	var state string
	var in, out, errs []byte
	var retention int64
	var finished, heartbeat, parked, wake *time.Time
	if err := row.Scan(&r.WorkflowID, &r.TransactionID, &state, &in, &out, &errs, &r.EventGroupID, &r.Idempotent, &retention, &r.Owner, &heartbeat, &parked, &wake, &r.CreatedAt, &r.UpdatedAt, &finished); err != nil {
		return nil, err
	}
	r.HeartbeatAt, r.ParkedAt, r.WakeAt = derefTime(heartbeat), derefTime(parked), derefTime(wake)
	r.State, r.Input, r.Output, r.Retention = RunState(state), fromJSON(in), fromJSON(out), time.Duration(retention)*time.Millisecond
	if finished != nil {
		r.FinishedAt = *finished
	}
	if len(errs) > 0 {
		if err := json.Unmarshal(errs, &r.Errors); err != nil {
			return nil, fmt.Errorf("decode errors: %w", err)
		}
		if len(r.Errors) == 0 {
			r.Errors = nil
		}
	}
	return &r, nil
}

// GetRun implements Store.
func (s *PostgresStore) GetRun(ctx context.Context, key RunKey) (*RunRecord, error) {
	r, err := scanRun(db.Conn(ctx, s.pool).QueryRow(ctx, `SELECT `+runColumns+` FROM workflow_run WHERE workflow_id = $1 AND transaction_id = $2`, key.WorkflowID, key.TransactionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrRunNotFound
	}
	return r, err
}

// ListRuns implements Store.
func (s *PostgresStore) ListRuns(ctx context.Context, f ListFilter) ([]RunRecord, error) {
	var where []string
	var args []any
	if f.WorkflowID != "" {
		args = append(args, f.WorkflowID)
		where = append(where, "workflow_id = $"+strconv.Itoa(len(args)))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		args = append(args, states)
		where = append(where, "state = ANY($"+strconv.Itoa(len(args))+")")
	}
	q := `SELECT ` + runColumns + ` FROM workflow_run`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, transaction_id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	if f.Offset > 0 {
		q += " OFFSET " + strconv.Itoa(f.Offset)
	}
	rows, err := db.Conn(ctx, s.pool).Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRun)
}

// scanAll reads every row of rows with scan, then closes rows; nil when
// there are none.
func scanAll[T any](rows pgx.Rows, scan func(pgx.Row) (*T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *x)
	}
	return out, rows.Err()
}

const stepColumns = `position, name, state, attempt, output, comp_input, error, wake_at, updated_at`

func scanStep(row pgx.Row) (*StepRecord, error) {
	var st StepRecord
	var state string
	var out, comp []byte
	var wake *time.Time
	if err := row.Scan(&st.Position, &st.Name, &state, &st.Attempt, &out, &comp, &st.Error, &wake, &st.UpdatedAt); err != nil {
		return nil, err
	}
	st.WakeAt = derefTime(wake)
	st.State, st.Output, st.CompInput = StepState(state), fromJSON(out), fromJSON(comp)
	return &st, nil
}

// Steps implements Store.
func (s *PostgresStore) Steps(ctx context.Context, key RunKey) ([]StepRecord, error) {
	c := db.Conn(ctx, s.pool)
	rows, err := c.Query(ctx, `SELECT `+stepColumns+` FROM workflow_step WHERE workflow_id = $1 AND transaction_id = $2`, key.WorkflowID, key.TransactionID)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, scanStep)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		var exists bool
		if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workflow_run WHERE workflow_id = $1 AND transaction_id = $2)`, key.WorkflowID, key.TransactionID).Scan(&exists); err != nil {
			return nil, err
		}
		if !exists {
			return nil, ErrRunNotFound
		}
	}
	return out, nil
}

// GetStep implements Store.
func (s *PostgresStore) GetStep(ctx context.Context, key RunKey, position string) (*StepRecord, error) {
	st, err := scanStep(db.Conn(ctx, s.pool).QueryRow(ctx, `SELECT `+stepColumns+` FROM workflow_step WHERE workflow_id = $1 AND transaction_id = $2 AND position = $3`,
		key.WorkflowID, key.TransactionID, position))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrRunNotFound
	}
	return st, err
}

// SaveStep implements Store.
func (s *PostgresStore) SaveStep(ctx context.Context, key RunKey, st *StepRecord) error {
	args, err := stepArgs(key, st)
	if err != nil {
		return err
	}
	_, err = db.Conn(ctx, s.pool).Exec(ctx, upsertStepSQL, args...)
	return err
}

// CompareAndSaveStep implements Store.
func (s *PostgresStore) CompareAndSaveStep(ctx context.Context, key RunKey, st *StepRecord, from StepState) (bool, error) {
	args, err := stepArgs(key, st)
	if err != nil {
		return false, err
	}
	tag, err := db.Conn(ctx, s.pool).Exec(ctx, `UPDATE workflow_step SET name = $4, state = $5, attempt = $6, output = $7, comp_input = $8, error = $9, wake_at = $10, updated_at = now()
WHERE workflow_id = $1 AND transaction_id = $2 AND position = $3 AND state = $11`, append(args, string(from))...)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

// ClaimRuns implements Store.
func (s *PostgresStore) ClaimRuns(ctx context.Context, owner string, staleBefore, overdueBefore time.Time) ([]RunRecord, error) {
	rows, err := db.Conn(ctx, s.pool).Query(ctx, `UPDATE workflow_run SET owner = $1, heartbeat_at = now(), parked_at = NULL, wake_at = NULL
WHERE state IN ('invoking', 'compensating') AND (
  (parked_at IS NULL AND (owner = $1 OR heartbeat_at IS NULL OR heartbeat_at < $2))
  OR (parked_at IS NOT NULL AND wake_at < $3))
RETURNING `+runColumns, owner, staleBefore, overdueBefore)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, scanRun)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b RunRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// ParkRun implements Store.
func (s *PostgresStore) ParkRun(ctx context.Context, r *RunRecord, wakeAt time.Time, waiting []string, within func(ctx context.Context) error) (bool, error) {
	parked := false
	err := db.InTx(ctx, s.pool, func(ctx context.Context, tx pgx.Tx) error {
		errs := r.Errors
		if errs == nil {
			errs = []ErrorRecord{}
		}
		eb, err := json.Marshal(errs)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE workflow_run SET parked_at = now(), wake_at = $3, owner = '', retention_ms = $4, errors = $6, updated_at = now()
WHERE workflow_id = $1 AND transaction_id = $2 AND finished_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM workflow_step s WHERE s.workflow_id = $1 AND s.transaction_id = $2
    AND s.position = ANY($5) AND s.state <> 'waiting')`,
			r.WorkflowID, r.TransactionID, nullTime(wakeAt), retentionMillis(r.Retention), waiting, eb)
		if err != nil {
			return err
		}
		if parked = tag.RowsAffected() == 1; !parked || within == nil {
			return nil
		}
		return within(ctx)
	})
	if err != nil {
		return false, err
	}
	return parked, nil
}

// ClaimParked implements Store.
func (s *PostgresStore) ClaimParked(ctx context.Context, key RunKey, owner string, due time.Time) (*RunRecord, error) {
	r, err := scanRun(db.Conn(ctx, s.pool).QueryRow(ctx, `UPDATE workflow_run SET parked_at = NULL, wake_at = NULL, owner = $3, heartbeat_at = now(), updated_at = now()
WHERE workflow_id = $1 AND transaction_id = $2 AND parked_at IS NOT NULL AND finished_at IS NULL
  AND ($4::timestamptz IS NULL OR wake_at <= $4)
RETURNING `+runColumns, key.WorkflowID, key.TransactionID, owner, nullTime(due)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// Atomically implements Store: fn runs in a transaction (joining the one ctx
// carries, if any).
func (s *PostgresStore) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context, _ pgx.Tx) error { return fn(ctx) })
}

// finishedChannel is the NOTIFY channel of finished runs that had been
// parked (see WithTimers).
const finishedChannel = "medusa_workflow_finished"

// NotifyFinished announces that run key finished, to the engines listening
// (ListenFinished), when the transaction ctx carries commits (at once
// without one).
func (s *PostgresStore) NotifyFinished(ctx context.Context, key RunKey) error {
	payload, err := json.Marshal(key)
	if err != nil {
		return err
	}
	_, err = db.Conn(ctx, s.pool).Exec(ctx, `SELECT pg_notify($1, $2)`, finishedChannel, string(payload))
	return err
}

// ListenFinished calls fn with every run announced by NotifyFinished, on a
// connection of its own, until ctx ends or the connection fails. listening,
// when not nil, is called once the LISTEN is in effect: every announcement
// from then on reaches fn, so a caller that checks a run's record after
// listening was called misses no end.
func (s *PostgresStore) ListenFinished(ctx context.Context, listening func(), fn func(RunKey)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if !conn.Conn().IsClosed() {
			// Do not hand a listening connection back to the pool.
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := conn.Exec(uctx, "UNLISTEN *"); err != nil {
				_ = conn.Conn().Close(uctx)
			}
			cancel()
		}
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+finishedChannel); err != nil {
		return err
	}
	if listening != nil {
		listening()
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var key RunKey
		if json.Unmarshal([]byte(n.Payload), &key) == nil {
			fn(key)
		}
	}
}

// Heartbeat implements Store.
func (s *PostgresStore) Heartbeat(ctx context.Context, owner string) error {
	_, err := db.Conn(ctx, s.pool).Exec(ctx, `UPDATE workflow_run SET heartbeat_at = now()
WHERE owner = $1 AND state IN ('invoking', 'compensating')`, owner)
	return err
}

// Purge implements Store.
func (s *PostgresStore) Purge(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.Conn(ctx, s.pool).QueryRow(ctx, `WITH runs AS (
  DELETE FROM workflow_run WHERE finished_at IS NOT NULL AND retention_ms > 0
  AND finished_at + retention_ms * interval '1 millisecond' <= $1
  RETURNING workflow_id, transaction_id
), steps AS (
  DELETE FROM workflow_step s USING runs r WHERE s.workflow_id = r.workflow_id AND s.transaction_id = r.transaction_id
)
SELECT count(*) FROM runs`, now).Scan(&n)
	return n, err
}

// Step implements Store. When ctx already carries a transaction (the run was
// started inside one), the step joins it and the checkpoint is written in it.
// Otherwise the step gets its own transaction (see PostgresStore).
func (s *PostgresStore) Step(ctx context.Context, key RunKey, w StepWork) error {
	if _, ok := db.TxFrom(ctx); ok {
		rec, err := w.Do(ctx)
		if err != nil {
			return err
		}
		return s.SaveStep(ctx, key, rec)
	}
	t := &stepTx{pool: s.pool, key: key, work: w}
	return db.InTx(ctx, (*stepBeginner)(t), t.do)
}

// StepCreatingRun is Step for the first step of a run whose record is not
// stored yet: the run's record is inserted in the step's transaction,
// pipelined with BEGIN and the step's first statement (or, when the step does
// no database work, in one implicit transaction with the checkpoint). The run
// then exists if and only if the step's checkpoint does. The engine uses it
// only for a step declared WithDatabaseOnly that starts a run with a
// generated transaction id (see WithDatabaseOnly).
func (s *PostgresStore) StepCreatingRun(ctx context.Context, r *RunRecord, w StepWork) error {
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
	t := &stepTx{pool: s.pool, key: r.RunKey, work: w, deferred: []queued{{sql: insertRunSQL, args: args}}, createsRun: true}
	return db.InTx(ctx, (*stepBeginner)(t), t.do)
}

// stepHeld is Step (StepCreatingRun when create is set) that leaves the
// step's transaction open when the step used the database: its checkpoint
// is queued, not yet sent, and the open transaction is returned, to be
// committed by the caller (stepTx.Commit, then db.RunAfterCommit with its
// txCtx) or joined by FinishRun. A step without database work is committed
// at once and nil is returned. Within a caller's transaction nothing is held.
func (s *PostgresStore) stepHeld(ctx context.Context, key RunKey, create *RunRecord, w StepWork) (*stepTx, error) {
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
		t.deferred, t.createsRun = []queued{{sql: insertRunSQL, args: args}}, true
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
	return t, nil
}

const stepSavepoint = "SAVEPOINT workflows_step"

// stepJoin runs a step in t, the open transaction of the steps before it
// (stepHeld), after a savepoint: the previous checkpoint and the savepoint
// go with the step's first statement. On success t holds this step too (its
// checkpoint queued). If the step fails, its work is rolled back to the
// savepoint and t holds what it held before; if that rollback fails, the
// held steps are lost with it: a *heldLostError.
func (s *PostgresStore) stepJoin(ctx context.Context, t *stepTx, w StepWork) error {
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
	err := t.do(txCtx, t)
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
			return &heldLostError{fmt.Errorf("roll back the failed step %w: %w", err, rerr)}
		}
	}
	return err
}

// commitHeld commits a transaction returned by stepHeld and runs its
// after-commit callbacks.
func commitHeld(ctx context.Context, t *stepTx) error {
	if err := t.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	t.runAfterCommit()
	return nil
}

// heldLostError reports that the held transaction of a run's last step
// rolled back: that step's writes and checkpoint are gone.
type heldLostError struct{ err error }

func (e *heldLostError) Error() string { return e.err.Error() }
func (e *heldLostError) Unwrap() error { return e.err }

const finishSavepoint = "SAVEPOINT workflows_finish"

// FinishRun runs before (the release of the run's events) and then writes
// the run's final state, deleting the run and its steps when del is set, in
// one transaction: BEGIN goes with before's first statement, the run's write
// with COMMIT. Either both happen or neither: a crash leaves the run
// unfinished with its events held, and recovery replays it and finishes it
// again. When ctx carries a transaction, both join it.
//
// held, when not nil, is the open transaction of the run's last step
// (stepHeld): the finish joins it, so the step's commit is the finish's. Its
// checkpoint goes first (skipped when the run is deleted in the same
// transaction), then a savepoint, both pipelined with before's first
// statement. If before fails the transaction rolls back to the savepoint and
// the step commits with its checkpoint; before's error is returned. If the
// commit fails, the step is lost with the rest: a *heldLostError.
func (s *PostgresStore) FinishRun(ctx context.Context, r *RunRecord, del bool, held *stepTx, before func(ctx context.Context) error) error {
	var sql string
	var args []any
	if del {
		sql, args = deleteRunSQL, []any{r.WorkflowID, r.TransactionID}
	} else {
		a, err := updateRunArgs(r)
		if err != nil {
			if held != nil { // the steps did succeed: commit them
				if cerr := commitHeld(context.WithoutCancel(ctx), held); cerr != nil {
					return &heldLostError{cerr}
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
			return &heldLostError{err}
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
		if t.createsRun {
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
