package wftimers

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Queue is the River queue wake-ups run on.
const Queue = "workflows"

// WakeArgs is a wake-up job: wake the run at Due (zero: a completion, wake
// it now).
type WakeArgs struct {
	WorkflowID    string    `json:"workflow_id"`
	TransactionID string    `json:"transaction_id"`
	Due           time.Time `json:"due,omitzero"`
}

// Kind implements river.JobArgs.
func (WakeArgs) Kind() string { return "medusa_workflow_wake" }

// InsertOpts implements river.JobArgsWithInsertOpts: wake-ups go to Queue
// and are retried a few times (a wake-up for a workflow the instance does
// not register fails, and may succeed on another instance).
func (WakeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 10}
}

// Timers implements workflows.Timers on a job engine.
type Timers struct {
	jobs *jobs.Engine
	wf   atomic.Pointer[workflows.Engine]
}

var _ workflows.Timers = (*Timers)(nil)

// ErrUnbound is returned by a wake-up worked before Bind.
var ErrUnbound = errors.New("wftimers: no workflow engine bound")

// New registers the wake-up queue and worker on je (before it starts) and
// returns the timers to give to workflows.WithTimers.
func New(je *jobs.Engine) (*Timers, error) {
	t := &Timers{jobs: je}
	if err := je.AddQueue(Queue, 0); err != nil {
		return nil, fmt.Errorf("wftimers: %w", err)
	}
	if err := jobs.AddWorker(je, &worker{t: t}); err != nil {
		return nil, fmt.Errorf("wftimers: %w", err)
	}
	return t, nil
}

// Bind sets the workflow engine whose runs the wake-ups resume.
func (t *Timers) Bind(wf *workflows.Engine) { t.wf.Store(wf) }

// Schedule implements workflows.Timers: it inserts a wake-up job for key at
// at (now when zero), in the transaction ctx carries if any.
func (t *Timers) Schedule(ctx context.Context, key workflows.RunKey, at time.Time) error {
	client, err := t.jobs.Client()
	if err != nil {
		return fmt.Errorf("wftimers: %w", err)
	}
	args := WakeArgs{WorkflowID: key.WorkflowID, TransactionID: key.TransactionID, Due: at}
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	if tx, ok := db.TxFrom(ctx); ok {
		_, err = client.InsertTx(ctx, tx, args, opts)
	} else {
		_, err = client.Insert(ctx, args, opts)
	}
	if err != nil {
		return fmt.Errorf("wftimers: schedule the wake-up of %s/%s: %w", key.WorkflowID, key.TransactionID, err)
	}
	return nil
}

type worker struct {
	river.WorkerDefaults[WakeArgs]
	t *Timers
}

// Timeout bounds a wake-up: it takes the run and starts its replay in the
// background.
func (w *worker) Timeout(*river.Job[WakeArgs]) time.Duration { return 30 * time.Second }

func (w *worker) Work(ctx context.Context, job *river.Job[WakeArgs]) error {
	wf := w.t.wf.Load()
	if wf == nil {
		return ErrUnbound
	}
	a := job.Args
	return wf.Wake(ctx, workflows.RunKey{WorkflowID: a.WorkflowID, TransactionID: a.TransactionID}, a.Due)
}
