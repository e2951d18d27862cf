// Package workflows runs Medusa-style workflows in Go: named steps with
// compensations, composed by a plain Go function, with durable checkpoints so
// that a run survives the death of its process.
//
// # Steps and workflows
//
// A step has a name, an invoke and an optional compensation. The invoke
// returns the step's output and, separately, the input its compensation will
// get (Medusa's StepResponse(output, compensateInput)):
//
//	var createUser = workflows.NewStep("create-user",
//		func(ctx context.Context, sc workflows.StepContext, in CreateUserInput) (User, string, error) {
//			users, err := container.Resolve(sc.Container, modules.User)
//			if err != nil {
//				return User{}, "", err
//			}
//			u, err := users.CreateUsers(ctx, in)
//			return u, u.ID, err
//		},
//		func(ctx context.Context, sc workflows.StepContext, id string) error {
//			users, err := container.Resolve(sc.Container, modules.User)
//			if err != nil {
//				return err
//			}
//			return users.DeleteUsers(ctx, id)
//		})
//
// A workflow is a Go function that calls its steps:
//
//	var createUserWorkflow = workflows.New("create-user",
//		func(wc *workflows.Context, in CreateUserInput) (Result, error) {
//			u, err := createUser.Run(wc, in)
//			return Result{User: u}, err
//		})
//
//	res, err := createUserWorkflow.Run(ctx, req.Scope, input)
//
// Run uses the Engine registered in the scope under EngineKey ("workflows"),
// or a private in-memory engine. If the run fails, the completed steps are
// compensated newest-first and Run returns a *RunError holding every invoke
// and compensate error with its step name and handler type; errors.As and
// errors.Is see through it to each *StepError and its cause.
//
// # Checkpoints, replay and recovery
//
// Each step call takes a deterministic position in the run (0, 1, 2…; inside
// a parallel branch or a sub-workflow a path such as 3/1/0). When a step
// completes, its output and compensation input are checkpointed in the store
// under that position. A run is resumed by calling the workflow function
// again: a step whose checkpoint exists returns it without running (the
// DBOS/Temporal model). The workflow function must therefore be
// deterministic given its input and its steps' outputs; code between steps
// runs again on replay and must be free of side effects (do side effects in
// steps). A replay that calls a different step at a checkpointed position
// fails with ErrNondeterministic.
//
// Engine.Recover, called at start-up after registering the workflows,
// resumes every run the store holds as invoking (replay, then the remaining
// steps) or compensating (replay to rebuild the compensation stack, then the
// remaining compensations). With several instances on one store, give each
// engine an instance id (WithInstanceID): an engine then takes over only its
// own interrupted runs and runs whose heartbeat is stale.
//
// Stores: MemoryStore (default; nothing survives the process) and
// pgstore.Store (package pgstore; tables from the migrations package). With
// the Postgres store a step runs inside a database transaction carried by its
// context (framework/db.WithTx): services called by the step join it through
// db.InTx or db.Conn, and the checkpoint is written and committed with it. A
// step's database side effects and its checkpoint are therefore atomic: after
// a crash inside a step, the step's writes are rolled back and the step runs
// again; after a crash between steps, completed steps are not run again.
// Side effects outside the database (an e-mail, an HTTP call) happen at least
// once; make them idempotent. Compensations run the same way, so a
// compensation is also applied exactly once.
//
// Fewer commits: a store that implements TxStore (pgstore.Store, unless
// made WithoutFastPath) lets the engine finish a run in one transaction with
// the release of its event group, keep a step's transaction open until the
// next step or the run's finish, let the next WithDatabaseOnly steps join it,
// and write the run's record with its first step, so a run of database-only
// steps commits once (the package documentation of pgstore tells what is
// held when, and what a crash or a failed commit does then). The engine's
// side of it is in hold.go. Only steps without retries, not async and not in
// a parallel branch are held, on an engine without subscribers: nothing can
// observe the step's success before its commit. Callbacks registered with
// db.AfterCommit run after that commit. Row locks are held until that commit
// too; WithCommitPerStep restores one commit per step.
//
// # Decisions
//
// The failing step's own compensation: when a step fails (after its
// retries), its compensation is called once, with the compensation input its
// failing invoke returned alongside the error, or the zero value when it
// returned none. This is Medusa's behaviour (the failing step is compensated
// with undefined input) made useful: an invoke that did part of its work can
// return what its compensation needs to undo that part. With the Postgres
// store the failing attempt's database writes are already rolled back. Retries
// should be idempotent: only the last attempt's compensation input is kept.
//
// A run whose compensations all succeed ends reverted; if one fails (after
// the step's retries), the others still run and the run ends failed.
//
// Context cancellation by the caller is treated like Engine.Cancel: the
// running step's context is cancelled, no further step starts, and the run
// is compensated (compensations run with a context that is not cancelled).
//
// # Medusa behaviours
//
// The table lists the behaviours that Medusa's workflows-sdk tests check,
// whether they apply to the Go API, and how each is expressed (and tested,
// in the named test).
//
//	 #  Medusa behaviour                                    Go
//	 1  eventGroupId from run() reaches steps; generated     WithEventGroupID; StepContext.EventGroupID and
//	    when absent                                          events.GroupFrom(ctx); default ULID
//	                                                         (TestStepsChainAndGroupID)
//	 2  maxRetries:1, failing on attempt 1: invoked twice    WithRetries(1, interval); StepContext.Attempt
//	    with the same input, result of attempt 2             (TestRetries)
//	 3  steps receive earlier outputs; objects combining     plain Go values passed between Run calls
//	    step results are resolved                            (TestStepsChainAndGroupID)
//	 4  workflows composed sequentially or concurrently,     every Run has its own state; RunAsStep
//	    and concurrent runs, stay isolated                   (TestParallelMapAndConcurrentRuns, TestSubWorkflow)
//	 5  parallelize(step2, step3) with the same input        Parallel2/Parallel3/ParallelMap, typed results
//	                                                         (TestParallel)
//	 6  transform chains functions, each runs once           not needed: plain Go between steps (runs again
//	                                                         on replay, so keep it pure)
//	 7  destructured step results passed on                  plain Go struct fields
//	 8  second hook handler → "Cannot define multiple hook   Hook.Handle returns that error (ErrHookHandled);
//	    handlers for the <name> hook"; handler output does   Hook.Run returns the output to the workflow
//	    not replace the result                               (TestHooks)
//	 9  permanentFailure with maxRetries:1 → invoked once,   Permanent(err) / PermanentFailure(msg); the
//	    one error {action, handlerType:"invoke", message}    RunError holds StepError{Step, Handler, Err}
//	                                                         (TestPermanentFailureSkipsRetries)
//	10  StepResponse.skip() → hasSkippedSteps; downstream    invoke returns ErrSkip; Run returns the zero
//	    sees only resolved values                            value; RunInfo.HasSkippedSteps
//	                                                         (TestSkipAndConditionalSteps)
//	11  failing step's compensate called once with           called once with the compensation input the
//	    undefined; one error                                 failing invoke returned (zero if none), see
//	                                                         Decisions (TestFailureCompensatesNewestFirst)
//	12  arrays/objects of step results returned              plain Go values
//	13  cancel() after success compensates with the          Engine.Cancel on a retained or idempotent run
//	    step's compensateInput                               (TestCancelAfterSuccess)
//	14  redefining a workflow id with other steps throws     Engine.Register: the same *Workflow is fine, a
//	    "Workflow with id "<id>" and step definition         different one under a taken name returns that
//	    already exists."                                     error (Go cannot compare step graphs)
//	                                                         (TestRegistry)
//	15  grouped events released once on success, cleared     bus from the scope under events.BusKey;
//	    on failure                                           ReleaseGroup / ClearGroup (TestGroupedEvents)
//	16  runAsStep: result usable; when(false) skips it;      Workflow.RunAsStep; Go if; compensated as a
//	    failure after it compensates both workflows' steps   unit (TestSubWorkflow)
//	    once; ids propagate; ends reverted
//	17  a transform throwing after a failed step: both       the workflow function's own error is recorded
//	    errors reported, no unhandled rejection              with HandlerWorkflow; panics are recovered into
//	                                                         errors (TestWorkflowErrorAndPanic)
//	18  getStepResult(name); hook getResult/resultValidator  Go variables hold step results; Hook.Run
//	                                                         returns the handler's output; validate in Go
//	19  orchestrator: maxRetries:3 → 4 attempts then         TestRetries; TestFailingCompensationDoesNotStopOthers;
//	    reverted; failing compensation → failed;             continueOnPermanentFailure = handle the step's
//	    continueOnPermanentFailure → done; async steps keep  error in Go (TestContinueAfterHandledFailure);
//	    the run invoking; cancel reverts a finished run;     WithAsync + SetStepSuccess/SetStepFailure
//	    step and workflow timeouts revert                    (TestAsyncStep); Cancel (TestCancelAfterSuccess,
//	                                                         TestCancelRunningAndFailedRuns); WithStepTimeout,
//	                                                         WithWorkflowTimeout (TestTimeouts).
//	                                                         Not ported: saveResponse:false (replay needs every
//	                                                         output) and noWait (a parallel branch may run
//	                                                         several steps in sequence instead)
//	20  dataPreparation transforms input before the run      not needed: prepare the input before Run
//	21  engine: finished runs deleted unless retentionTime;  WithRetention / WithDefaultRetention, Purge;
//	    timeouts revert; conditional steps; idempotent       WithIdempotent (TestIdempotentAndRetention).
//	    re-run returns the first run; scheduled workflows    Scheduled workflows are not part of this package
//
// # Async steps, observability, admin
//
// A step created WithAsync waits, after its invoke, for Engine.SetStepSuccess
// or Engine.SetStepFailure (by run key and step name); with pgstore.Store the
// waiting survives a restart. With WithTimers (a job engine, see
// framework/wftimers) a run that waits for a completion, a retry interval or
// a deadline is parked: saved with its wake-up, which is a job scheduled in
// the same transaction, so the wait holds no goroutine, survives restarts and
// resumes on whichever instance works the job; a completion schedules the
// wake-up with itself. Without timers the run waits in process and a
// completion made by another process is seen by polling
// (WithAsyncPollInterval).
//
// Engine.Subscribe delivers run events (begin, resume, step begin, success,
// failure, skipped, awaiting, park, timeout, compensation begin, step compensation
// success and failure, finish). The engine's slog records carry the workflow name and
// the transaction id. Engine.ListRuns and Engine.GetRun read runs (state,
// steps, errors) back for an admin view.
package workflows
