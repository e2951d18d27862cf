// Package wftimers runs the workflow engine's timers and wake-ups on the job
// engine (framework/jobs, River), so that a workflow run waiting for a retry,
// for an async step's completion or for a deadline survives the restart of
// its process and resumes on whichever instance works the job.
//
// Wire it before building the workflow engine, and bind it after:
//
//	t, err := wftimers.New(jobsEngine)
//	...
//	wf := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithTimers(t))
//	t.Bind(wf)
//
// A wake-up is one River job of kind "medusa_workflow_wake" on the queue
// "workflows", inserted in the transaction that parks the run (or completes
// its async step), scheduled at the wake-up time. Its worker calls
// Engine.Wake, which takes the run only if it is still parked and due, so
// duplicate and stale jobs do nothing. River promotes scheduled jobs every
// few seconds (its scheduler's interval, 5 s), so a job-driven wake-up may be
// that late; the workflow engine's in-process timer resumes the runs of a
// live instance on time, and the job matters when that instance is gone.
package wftimers
