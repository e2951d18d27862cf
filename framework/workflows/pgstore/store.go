package pgstore

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
	"github.com/medusa-go/medusa/framework/workflows"
)

// Store keeps runs in the workflow_run and workflow_step tables (created by
// framework/workflows/migrations). Values are stored as JSON, so step
// outputs, compensation inputs and workflow inputs and outputs must survive
// encoding/json.
//
// A step runs inside a transaction that its context carries (db.WithTx): the
// step's own database work, done through db.InTx or db.Conn, joins it, and
// the checkpoint is written and committed with it. So a step's database side
// effects and its checkpoint are atomic: after a crash the step either
// happened and is not run again, or did not happen and runs again. How that
// transaction is run is the fast path (see the package documentation and
// WithoutFastPath).
type Store struct {
	pool *pgxpool.Pool
	fast bool
}

// Option configures a Store.
type Option func(*Store)

// WithoutFastPath turns the fast path off: every step runs in a plain pgx
// transaction (BEGIN, the step's statements, the checkpoint and COMMIT, each
// a round trip), and the engine writes the run's record, its steps and its
// finish each on its own (FastPath reports false). Runs keep the same
// guarantees, at more round trips and commits per run. It is there to
// compare the two paths and to rule the fast path out when hunting a bug.
func WithoutFastPath() Option { return func(s *Store) { s.fast = false } }

// New returns a store on pool. The tables must exist (apply
// migrations.Source()).
func New(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, fast: true}
	for _, o := range opts {
		o(s)
	}
	return s
}

// FastPath implements workflows.TxStore: it reports whether the fast path
// is on (it is unless WithoutFastPath).
func (s *Store) FastPath() bool { return s.fast }

var _ workflows.TxStore = (*Store)(nil)

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

// checkpointSQL is the statement that writes rec: an invoke's first
// checkpoint is an insert (a later attempt may follow a "retrying" one).
func checkpointSQL(rec *workflows.StepRecord) string {
	switch rec.State {
	case workflows.StepDone, workflows.StepWaiting, workflows.StepSkipped:
		if rec.Attempt <= 1 {
			return insertStepSQL
		}
	}
	return upsertStepSQL
}

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

func stepArgs(key workflows.RunKey, s *workflows.StepRecord) ([]any, error) {
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

func runArgs(r *workflows.RunRecord) ([]any, error) {
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
func (s *Store) CreateRun(ctx context.Context, r *workflows.RunRecord) error {
	args, err := runArgs(r)
	if err != nil {
		return err
	}
	tag, err := db.Conn(ctx, s.pool).Exec(ctx, insertRunSQL+` ON CONFLICT DO NOTHING`, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return workflows.ErrRunExists
	}
	return nil
}

const updateRunSQL = `UPDATE workflow_run SET state = $3, output = $4, errors = $5, finished_at = $6, updated_at = now()
WHERE workflow_id = $1 AND transaction_id = $2`

func updateRunArgs(r *workflows.RunRecord) ([]any, error) {
	out, err := toJSON(r.Output)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	errs := r.Errors
	if errs == nil {
		errs = []workflows.ErrorRecord{}
	}
	eb, err := json.Marshal(errs)
	if err != nil {
		return nil, err
	}
	return []any{r.WorkflowID, r.TransactionID, string(r.State), out, eb, nullTime(r.FinishedAt)}, nil
}

// UpdateRun implements Store.
func (s *Store) UpdateRun(ctx context.Context, r *workflows.RunRecord) error {
	args, err := updateRunArgs(r)
	if err != nil {
		return err
	}
	tag, err := db.Conn(ctx, s.pool).Exec(ctx, updateRunSQL, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return workflows.ErrRunNotFound
	}
	return nil
}

const deleteRunSQL = `WITH steps AS (DELETE FROM workflow_step WHERE workflow_id = $1 AND transaction_id = $2)
DELETE FROM workflow_run WHERE workflow_id = $1 AND transaction_id = $2`

// DeleteRun implements Store.
func (s *Store) DeleteRun(ctx context.Context, key workflows.RunKey) error {
	_, err := db.Conn(ctx, s.pool).Exec(ctx, deleteRunSQL, key.WorkflowID, key.TransactionID)
	return err
}

func scanRun(row pgx.Row) (*workflows.RunRecord, error) {
	var r workflows.RunRecord
	var state string
	var in, out, errs []byte
	var retention int64
	var finished, heartbeat, parked, wake *time.Time
	if err := row.Scan(&r.WorkflowID, &r.TransactionID, &state, &in, &out, &errs, &r.EventGroupID, &r.Idempotent, &retention, &r.Owner, &heartbeat, &parked, &wake, &r.CreatedAt, &r.UpdatedAt, &finished); err != nil {
		return nil, err
	}
	r.HeartbeatAt, r.ParkedAt, r.WakeAt = derefTime(heartbeat), derefTime(parked), derefTime(wake)
	r.State, r.Input, r.Output, r.Retention = workflows.RunState(state), fromJSON(in), fromJSON(out), time.Duration(retention)*time.Millisecond
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
func (s *Store) GetRun(ctx context.Context, key workflows.RunKey) (*workflows.RunRecord, error) {
	r, err := scanRun(db.Conn(ctx, s.pool).QueryRow(ctx, `SELECT `+runColumns+` FROM workflow_run WHERE workflow_id = $1 AND transaction_id = $2`, key.WorkflowID, key.TransactionID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflows.ErrRunNotFound
	}
	return r, err
}

// ListRuns implements Store.
func (s *Store) ListRuns(ctx context.Context, f workflows.ListFilter) ([]workflows.RunRecord, error) {
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

func scanStep(row pgx.Row) (*workflows.StepRecord, error) {
	var st workflows.StepRecord
	var state string
	var out, comp []byte
	var wake *time.Time
	if err := row.Scan(&st.Position, &st.Name, &state, &st.Attempt, &out, &comp, &st.Error, &wake, &st.UpdatedAt); err != nil {
		return nil, err
	}
	st.WakeAt = derefTime(wake)
	st.State, st.Output, st.CompInput = workflows.StepState(state), fromJSON(out), fromJSON(comp)
	return &st, nil
}

// Steps implements Store.
func (s *Store) Steps(ctx context.Context, key workflows.RunKey) ([]workflows.StepRecord, error) {
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
			return nil, workflows.ErrRunNotFound
		}
	}
	return out, nil
}

// GetStep implements Store.
func (s *Store) GetStep(ctx context.Context, key workflows.RunKey, position string) (*workflows.StepRecord, error) {
	st, err := scanStep(db.Conn(ctx, s.pool).QueryRow(ctx, `SELECT `+stepColumns+` FROM workflow_step WHERE workflow_id = $1 AND transaction_id = $2 AND position = $3`,
		key.WorkflowID, key.TransactionID, position))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, workflows.ErrRunNotFound
	}
	return st, err
}

// SaveStep implements Store.
func (s *Store) SaveStep(ctx context.Context, key workflows.RunKey, st *workflows.StepRecord) error {
	args, err := stepArgs(key, st)
	if err != nil {
		return err
	}
	_, err = db.Conn(ctx, s.pool).Exec(ctx, upsertStepSQL, args...)
	return err
}

// CompareAndSaveStep implements Store.
func (s *Store) CompareAndSaveStep(ctx context.Context, key workflows.RunKey, st *workflows.StepRecord, from workflows.StepState) (bool, error) {
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
func (s *Store) ClaimRuns(ctx context.Context, owner string, staleBefore, overdueBefore time.Time) ([]workflows.RunRecord, error) {
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
	slices.SortFunc(out, func(a, b workflows.RunRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// ParkRun implements Store.
func (s *Store) ParkRun(ctx context.Context, r *workflows.RunRecord, wakeAt time.Time, waiting []string, within func(ctx context.Context) error) (bool, error) {
	parked := false
	err := db.InTx(ctx, s.pool, func(ctx context.Context, tx pgx.Tx) error {
		errs := r.Errors
		if errs == nil {
			errs = []workflows.ErrorRecord{}
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
func (s *Store) ClaimParked(ctx context.Context, key workflows.RunKey, owner string, due time.Time) (*workflows.RunRecord, error) {
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
func (s *Store) Atomically(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.pool, func(ctx context.Context, _ pgx.Tx) error { return fn(ctx) })
}

// finishedChannel is the NOTIFY channel of finished runs that had been
// parked (see workflows.WithTimers).
const finishedChannel = "medusa_workflow_finished"

// NotifyFinished announces that run key finished, to the engines listening
// (ListenFinished), when the transaction ctx carries commits (at once
// without one).
func (s *Store) NotifyFinished(ctx context.Context, key workflows.RunKey) error {
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
func (s *Store) ListenFinished(ctx context.Context, listening func(), fn func(workflows.RunKey)) error {
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
		var key workflows.RunKey
		if json.Unmarshal([]byte(n.Payload), &key) == nil {
			fn(key)
		}
	}
}

// Heartbeat implements Store.
func (s *Store) Heartbeat(ctx context.Context, owner string) error {
	_, err := db.Conn(ctx, s.pool).Exec(ctx, `UPDATE workflow_run SET heartbeat_at = now()
WHERE owner = $1 AND state IN ('invoking', 'compensating')`, owner)
	return err
}

// Purge implements Store.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
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
