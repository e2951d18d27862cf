package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/workflows"
)

// stepTx is the transaction a step runs in with the Postgres store. It is a
// pgx.Tx that:
//   - acquires a connection and sends BEGIN only when the step first uses
//     it, pipelined with that first statement (one round trip for both);
//   - on Commit writes the step's checkpoint and commits in one pipelined
//     round trip, or, when the step never used the database, writes the
//     checkpoint alone, autocommitted.
//
// Savepoints (Begin), CopyFrom, SendBatch, Prepare and LargeObjects switch to
// a regular pgx transaction on the same connection.
type stepTx struct {
	pool   *pgxpool.Pool
	key    workflows.RunKey
	work   workflows.StepWork
	conn   *pgxpool.Conn
	begun  bool
	real   pgx.Tx
	closed bool
	sql    string
	args   []any // the checkpoint, set when the work succeeded
	// pre are statements sent with the next round trip, pipelined before the
	// next statement (after BEGIN when the transaction has not begun): the
	// new run's record (Store.StepCreatingRun), or a held step's
	// checkpoint and a savepoint (Store.FinishRun). When the
	// transaction never begins they are sent with the checkpoint, in one
	// implicit transaction.
	pre []queued
	// deferred are the engine's own writes that nothing reads before the
	// commit: the new run's record (Store.StepCreatingRun) and the
	// checkpoints of held steps that a later step joined. They are sent
	// with COMMIT, or dropped when the run finishes in this transaction and
	// is deleted (Store.FinishRun): a run that begins and ends in
	// one transaction writes neither its record nor its checkpoints.
	// create: the run's record is among them.
	deferred []queued
	create   *workflows.RunRecord
	// sentTags are the tags of queued statements already sent.
	sentTags map[string]bool
	// queuedN counts the statements queued in pre (see queue).
	queuedN int
	// after are the contexts the held steps' work ran with (they carry the
	// callbacks registered with db.AfterCommit), run once the transaction
	// commits (see Store.StepHeld).
	after []context.Context
	// held is t as the workflows.HeldTx that StepHeld returns.
	held heldTx
}

// queued is one statement with its arguments, its tag (db.TagQueuer) and
// its number in the order of queuing (see mark).
type queued struct {
	sql  string
	args []any
	tag  string
	n    int
}

// stepBeginner hands the stepTx to db.InTx.
type stepBeginner stepTx

func (b *stepBeginner) Begin(context.Context) (pgx.Tx, error) { return (*stepTx)(b), nil }

// do runs the step's work inside db.InTx and prepares the checkpoint.
func (t *stepTx) do(ctx context.Context, _ pgx.Tx) error {
	rec, err := t.work.Do(ctx)
	if err != nil {
		return err
	}
	t.sql = checkpointSQL(rec)
	t.args, err = stepArgs(t.key, rec)
	return err
}

var _ pgx.Tx = (*stepTx)(nil)

func (t *stepTx) acquire(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	if t.conn != nil {
		return nil
	}
	c, err := t.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	t.conn = c
	return nil
}

func (t *stepTx) ensureReal(ctx context.Context) (pgx.Tx, error) {
	if t.real != nil && len(t.pre) == 0 {
		return t.real, nil
	}
	if t.begun || len(t.pre) > 0 {
		if err := t.beginAlone(ctx); err != nil {
			return nil, err
		}
	}
	if t.real != nil {
		return t.real, nil
	}
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}
	// When BEGIN was already sent, this BEGIN only draws a warning; it gives
	// a pgx.Tx bound to the connection for savepoints and the like.
	tx, err := t.conn.Conn().Begin(ctx)
	if err != nil {
		return nil, err
	}
	t.real, t.begun = tx, true
	return tx, nil
}

// hasQueryOptions reports whether args start with a pgx query option (an
// exec mode, result formats or a rewriter such as pgx.NamedArgs). A pgx.Batch
// would pass those on as parameters, so such a statement is not pipelined.
func hasQueryOptions(args []any) bool {
	if len(args) == 0 {
		return false
	}
	switch args[0].(type) {
	case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryRewriter:
		return true
	}
	return false
}

// beginAlone sends BEGIN (unless the transaction has begun) and the pre
// statements, in one batch, before a statement that cannot be pipelined
// with them.
func (t *stepTx) beginAlone(ctx context.Context) error {
	if err := t.acquire(ctx); err != nil {
		return err
	}
	if !t.begun && len(t.pre) == 0 {
		if _, err := t.conn.Exec(ctx, "BEGIN"); err != nil {
			return err
		}
		t.begun = true
		return nil
	}
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue("BEGIN")
	}
	for _, q := range t.pre {
		b.Queue(q.sql, q.args...)
	}
	br := t.conn.SendBatch(ctx, b)
	var err error
	for range b.Len() {
		if _, err = br.Exec(); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	t.sent(t.pre)
	t.begun, t.pre = true, nil
	return nil
}

// pipelineBegin sends BEGIN (unless the transaction has begun) and the pre
// statements followed by the statement sql in one batch, and returns the
// batch positioned at sql's result.
func (t *stepTx) pipelineBegin(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if err := t.acquire(ctx); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue("BEGIN")
	}
	for _, q := range t.pre {
		b.Queue(q.sql, q.args...)
	}
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	for range b.Len() - 1 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return nil, err
		}
	}
	t.sent(t.pre)
	t.begun, t.pre = true, nil
	return br, nil
}

// direct reports whether a statement goes straight to the connection: the
// transaction has begun and nothing is queued.
func (t *stepTx) direct() bool { return t.begun && len(t.pre) == 0 }

func (t *stepTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.closed {
		return pgconn.CommandTag{}, pgx.ErrTxClosed
	}
	if !t.direct() && hasQueryOptions(args) {
		if err := t.beginAlone(ctx); err != nil {
			return pgconn.CommandTag{}, err
		}
	}
	if t.direct() {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.pipelineBegin(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (t *stepTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	if !t.direct() && hasQueryOptions(args) {
		if err := t.beginAlone(ctx); err != nil {
			return nil, err
		}
	}
	if t.direct() {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.pipelineBegin(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *stepTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.closed {
		return errRow{pgx.ErrTxClosed}
	}
	if !t.direct() && hasQueryOptions(args) {
		if err := t.beginAlone(ctx); err != nil {
			return errRow{err}
		}
	}
	if t.direct() {
		return t.conn.QueryRow(ctx, sql, args...)
	}
	br, err := t.pipelineBegin(ctx, sql, args)
	if err != nil {
		return errRow{err}
	}
	return &batchRow{row: br.QueryRow(), br: br}
}

func (t *stepTx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := t.ensureReal(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Begin(ctx)
}

func (t *stepTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	tx, err := t.ensureReal(ctx)
	if err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, table, cols, src)
}

func (t *stepTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	tx, err := t.ensureReal(ctx)
	if err != nil {
		return errBatch{err: err}
	}
	return tx.SendBatch(ctx, b)
}

func (t *stepTx) LargeObjects() pgx.LargeObjects {
	tx, err := t.ensureReal(context.Background())
	if err != nil {
		return pgx.LargeObjects{}
	}
	return tx.LargeObjects()
}

func (t *stepTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	tx, err := t.ensureReal(ctx)
	if err != nil {
		return nil, err
	}
	return tx.Prepare(ctx, name, sql)
}

func (t *stepTx) Conn() *pgx.Conn {
	if err := t.acquire(context.Background()); err != nil {
		return nil
	}
	return t.conn.Conn()
}

func (t *stepTx) release() {
	t.closed = true
	if t.conn != nil {
		t.conn.Release() // a connection not idle is closed by the pool
		t.conn = nil
	}
}

// Commit writes the checkpoint and commits.
func (t *stepTx) Commit(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	defer t.release()
	if len(t.deferred) > 0 {
		t.pre = append(t.deferred, t.pre...)
		t.deferred = nil
	}
	if !t.begun {
		if t.args == nil && len(t.pre) == 0 {
			return nil
		}
		if len(t.pre) == 0 {
			var err error
			if t.conn != nil {
				_, err = t.conn.Exec(ctx, t.sql, t.args...)
			} else {
				_, err = t.pool.Exec(ctx, t.sql, t.args...)
			}
			return err
		}
		// The pre statements and the checkpoint in one batch: one implicit
		// transaction, so they commit together or not at all.
		b := &pgx.Batch{}
		for _, q := range t.pre {
			b.Queue(q.sql, q.args...)
		}
		if t.args != nil {
			b.Queue(t.sql, t.args...)
		}
		var br pgx.BatchResults
		if t.conn != nil {
			br = t.conn.SendBatch(ctx, b)
		} else {
			br = t.pool.SendBatch(ctx, b)
		}
		var err error
		for range b.Len() {
			if _, err = br.Exec(); err != nil {
				break
			}
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	}
	b := &pgx.Batch{}
	for _, q := range t.pre {
		b.Queue(q.sql, q.args...)
	}
	t.pre = nil
	if t.args != nil {
		b.Queue(t.sql, t.args...)
	}
	b.Queue("COMMIT")
	br := t.conn.SendBatch(ctx, b)
	var err error
	var tag pgconn.CommandTag
	for range b.Len() {
		if tag, err = br.Exec(); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() == "ROLLBACK" {
		err = pgx.ErrTxCommitRollback
	}
	if err != nil {
		if t.conn.Conn().PgConn().TxStatus() != 'I' {
			_, _ = t.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return err
	}
	return nil
}

// Rollback rolls back.
func (t *stepTx) Rollback(ctx context.Context) error {
	if t.closed {
		return pgx.ErrTxClosed
	}
	defer t.release()
	if !t.begun || t.conn == nil {
		return nil
	}
	_, err := t.conn.Exec(ctx, "ROLLBACK")
	return err
}

// batchRow is the row of a statement pipelined with BEGIN; Scan also finishes
// the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r *batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are the rows of a statement pipelined with BEGIN; the batch is
// finished when the rows are done or closed.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *batchRows) finish() {
	if !r.closed {
		r.closed = true
		r.Rows.Close()
		r.err = r.br.Close()
	}
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

func (r *batchRows) Close() { r.finish() }

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch reports err from every method of pgx.BatchResults it defines.
type errBatch struct {
	pgx.BatchResults
	err error
}

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow{b.err} }
func (b errBatch) Close() error                     { return b.err }

// QueueTagged implements db.TagQueuer: sql goes with the next round trip,
// after what is queued already (or with the commit).
func (t *stepTx) QueueTagged(tag, sql string, args ...any) {
	t.queue(queued{sql: sql, args: args, tag: tag})
}

// queue appends q to pre, numbered.
func (t *stepTx) queue(q queued) {
	q.n = t.queuedN
	t.queuedN++
	t.pre = append(t.pre, q)
}

// TakeTagged implements db.TagQueuer.
func (t *stepTx) TakeTagged(tag string) ([][]any, bool) {
	if t.sentTags[tag] {
		return nil, false
	}
	var out [][]any
	kept := t.pre[:0]
	for _, q := range t.pre {
		if q.tag == tag {
			out = append(out, q.args)
			continue
		}
		kept = append(kept, q)
	}
	t.pre = kept
	return out, true
}

// sent records the tags of the queued statements just sent.
func (t *stepTx) sent(qs []queued) {
	for _, q := range qs {
		if q.tag != "" {
			if t.sentTags == nil {
				t.sentTags = map[string]bool{}
			}
			t.sentTags[q.tag] = true
		}
	}
}

// mark returns the position of the next statement to be queued: what is
// queued from there on can be dropped with dropSince.
func (t *stepTx) mark() int { return t.queuedN }

// dropSince drops the statements queued since mark m that are not sent yet
// and reports whether the first of them (a savepoint) was among them, that
// is, was never sent.
func (t *stepTx) dropSince(m int) (firstUnsent bool) {
	kept := t.pre[:0]
	for _, q := range t.pre {
		if q.n >= m {
			firstUnsent = firstUnsent || q.n == m
			continue
		}
		kept = append(kept, q)
	}
	t.pre = kept
	return firstUnsent
}

// dropQueued removes sql from the end of the queued statements when it is
// still there (not sent), and reports whether it did.
func (t *stepTx) dropQueued(sql string) bool {
	if n := len(t.pre); n > 0 && t.pre[n-1].sql == sql && t.pre[n-1].args == nil {
		t.pre = t.pre[:n-1]
		return true
	}
	return false
}

// runAfterCommit runs the held steps' after-commit callbacks.
func (t *stepTx) runAfterCommit() {
	for _, c := range t.after {
		db.RunAfterCommit(c)
	}
	t.after = nil
}
