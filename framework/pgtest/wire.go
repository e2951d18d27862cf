package pgtest

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// WireCounter is a pgx tracer (pgx.QueryTracer and pgx.BatchTracer) that
// counts what a client sends, over every connection it is set on: round
// trips (a statement outside a batch, or a whole batch), statements, and
// commits (COMMIT, a write autocommitted outside a transaction, or a batch
// that writes in its implicit transaction). Tests and benchmarks use it to
// show what an operation costs on the wire:
//
//	cfg.ConnConfig.Tracer = wc // a *pgxpool.Config's
type WireCounter struct {
	RoundTrips, Statements, Commits atomic.Int64
}

type wireBatchKey struct{}

type wireBatch struct{ idle, begins, writes bool }

func isWrite(sql string) bool {
	s := strings.ToUpper(strings.TrimSpace(sql))
	return !strings.HasPrefix(s, "SELECT") && !strings.HasPrefix(s, "BEGIN") && !strings.HasPrefix(s, "COMMIT") && !strings.HasPrefix(s, "ROLLBACK")
}

// TraceQueryStart counts a statement sent on its own.
func (w *WireCounter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	w.RoundTrips.Add(1)
	w.Statements.Add(1)
	if strings.EqualFold(strings.TrimSpace(d.SQL), "COMMIT") || (conn.PgConn().TxStatus() == 'I' && isWrite(d.SQL)) {
		w.Commits.Add(1)
	}
	return ctx
}

// TraceQueryEnd does nothing.
func (w *WireCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TraceBatchStart counts a batch's round trip.
func (w *WireCounter) TraceBatchStart(ctx context.Context, conn *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	w.RoundTrips.Add(1)
	return context.WithValue(ctx, wireBatchKey{}, &wireBatch{idle: conn.PgConn().TxStatus() == 'I'})
}

// TraceBatchQuery counts a statement of a batch.
func (w *WireCounter) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	w.Statements.Add(1)
	st, _ := ctx.Value(wireBatchKey{}).(*wireBatch)
	s := strings.ToUpper(strings.TrimSpace(d.SQL))
	switch {
	case s == "COMMIT":
		w.Commits.Add(1)
	case s == "BEGIN":
		if st != nil {
			st.begins = true
		}
	case isWrite(d.SQL) && st != nil:
		st.writes = true
	}
}

// TraceBatchEnd counts the commit of a batch that wrote in its implicit
// transaction.
func (w *WireCounter) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchEndData) {
	if st, _ := ctx.Value(wireBatchKey{}).(*wireBatch); st != nil && st.idle && !st.begins && st.writes {
		w.Commits.Add(1)
	}
}
