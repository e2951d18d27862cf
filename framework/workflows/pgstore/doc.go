// Package pgstore is the workflow engine's Postgres store: runs and their
// step checkpoints in the workflow_run and workflow_step tables (created by
// framework/workflows/migrations), and the fast path that writes them with
// as few round trips and commits as the guarantees allow.
//
//	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)))
//
// A step runs inside a transaction that its context carries
// (framework/db.WithTx): the step's own database work, done through db.InTx
// or db.Conn, joins it, and the checkpoint is written and committed with it.
// A step's database side effects and its checkpoint are atomic: after a
// crash the step either happened and is not run again, or did not happen and
// runs again.
//
// # The fast path
//
// Everything below is one piece (steptx.go and fastpath.go here, hold.go in
// the engine), switched off as one piece by WithoutFastPath: every step then
// runs in a plain pgx transaction and the engine writes the run's record,
// each checkpoint and the run's finish on their own, with the same
// guarantees (the engine's semantics and crash tests run against both).
//
// The step's transaction (stepTx) is a stand-in pgx.Tx: it acquires a
// connection and sends BEGIN only when the step first uses it, pipelined
// with that first statement (one round trip for both); on commit it sends
// the step's checkpoint and COMMIT in one pipelined round trip, or, when the
// step never used the database, writes the checkpoint alone, autocommitted.
// Savepoints (Begin), CopyFrom, SendBatch, Prepare and LargeObjects switch
// it to a regular pgx transaction on the same connection.
//
// The store is a workflows.TxStore, and the engine uses its methods:
//
//   - StepCreatingRun: the first step of a run with a generated transaction
//     id, declared workflows.WithDatabaseOnly, inserts the run's record in its own
//     transaction, so the run exists if and only if the step's checkpoint
//     does.
//   - StepHeld: the transaction of a step without retries that is not async
//     nor in a parallel branch stays open, on an engine without
//     subscribers, until the next step starts or the run finishes, as
//     nothing can observe the step's success in between. Its checkpoint is
//     queued and sent with the commit.
//   - StepJoin: a next step declared workflows.WithDatabaseOnly (no retries, no
//     timeout) joins that open transaction after a savepoint instead of
//     committing it first; a failure rolls back to the savepoint, and the
//     steps before it keep their writes.
//   - FinishRun: the release of the run's event group and the run's final
//     write (its deletion or final update) in one transaction, the held
//     one when there is one.
//
// So a run of database-only steps commits once. The run's record and the
// checkpoints of held steps are sent with that commit; a run that begins and
// ends in one transaction and is deleted when it finishes (no retention, not
// idempotent) sends neither, nor the deletion; and when its event group was
// generated for it, its release tells the bus so (events.WithGroupInTx), so
// that the events held by its steps, still queued in the transaction, are
// delivered without passing through the bus's table. A crash before such a
// commit rolls back what it holds, and recovery runs those steps again (or,
// when the run's record was in it, the run did not happen). If the held
// commit itself fails, its steps fail as if their own commits had failed
// (workflows.HeldLostError: saved as failed, compensated), and the run
// reverts. Callbacks registered with db.AfterCommit run after that commit.
// Row locks are held until that commit too; workflows.WithCommitPerStep
// keeps the rest of the fast path but commits every step when it ends.
//
// The numbers (round trips, commits and times per step, with and without
// the fast path) are in docs/perf/workflows.md and come from
// BenchmarkPostgresStep and BenchmarkPostgresStepPlain in
// framework/workflows.
package pgstore
