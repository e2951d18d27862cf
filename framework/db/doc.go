// Package db holds the database plumbing shared by every module: a pgx pool
// opened from DATABASE_URL (Open), and a transaction carried in a
// context.Context (InTx, WithTx, TxFrom, Conn) so that a service call made
// inside a caller's transaction joins it instead of committing on its own.
//
// AfterCommit defers work, such as emitting module events, until the
// outermost transaction has committed; if it rolls back, the work is dropped.
// InTx runs that work itself; code that owns a transaction and hands it on
// with WithTx calls RunAfterCommit after its commit. If fn panics, InTx rolls
// back before the panic goes on, so no connection stays checked out.
//
// WithLimits (an option of Open) bounds what a caller can hold of the
// database: Postgres's statement_timeout on the pool's connections, a
// bounded wait for a free connection, and a connect timeout.
package db
