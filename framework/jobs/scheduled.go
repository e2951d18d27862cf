package jobs

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/medusa-go/medusa/framework/container"
)

// Run describes one execution of a scheduled job.
type Run struct {
	// Name is the scheduled job's name.
	Name string
	// Tick is the schedule time this run is for; it is the same for every
	// attempt and on every instance.
	Tick time.Time
	// Attempt counts from 1; above 1 the handler is being retried.
	Attempt int
	// JobID is River's job id.
	JobID int64
}

// Handler runs a scheduled job. c is a fresh scope of the engine's container:
// resolve services from it or run a workflow with it.
type Handler func(ctx context.Context, c *container.Container, run Run) error

// Scheduled is a job run on a schedule (Medusa's scheduled jobs, and
// workflows with a schedule option).
type Scheduled struct {
	// Name identifies the job: letters, digits, '_', '-', '.', ':'.
	Name string
	// Cron is a cron expression, see ParseSchedule. Exactly one of Cron,
	// Every and Schedule is set.
	Cron string
	// Every runs the job at a fixed interval (Medusa's {interval}); see Every.
	Every time.Duration
	// Schedule is any other schedule.
	Schedule Schedule
	// Handler does the work.
	Handler Handler
	// MaxAttempts is how many times a failing tick is tried (default 3);
	// after that the job is discarded (kept in river_job for inspection).
	MaxAttempts int
	// Timeout bounds one attempt (the engine's JobTimeout when 0).
	Timeout time.Duration
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// Schedule registers a scheduled job. With several instances on one database,
// each working instance inserts a job for every tick, keyed by (name, tick)
// as a River unique job, so each tick is inserted, hence run, once.
//
// Why not River's periodic jobs (river.NewPeriodicJob, River v0.51): they
// are enqueued by River's leader alone, from a schedule it keeps in memory
// (keeping it in the database is left to a pilot plugin; River's standard
// pilot keeps nothing), and their constructor is not told the tick, so a
// tick cannot be the job's unique key. Two things follow. A leader that
// dies takes its schedule with it: another instance is elected only once
// the leader's term has expired, up to 15 s later (5 s election interval +
// 10 s padding), and the ticks in between are lost, where here every other
// working instance goes on inserting them. And a tick can run twice when
// leadership changes near it: River inserts a tick up to 100 ms early, and
// a new leader computes its first tick from the time it was elected, so it
// can insert the same tick again, with nothing to make the two unique.
// River also asks for periods of at least a second; Every allows less.
func (e *Engine) Schedule(s Scheduled) error {
	if !nameRe.MatchString(s.Name) {
		return fmt.Errorf("jobs: schedule: name %q must match %s", s.Name, nameRe)
	}
	if s.Handler == nil {
		return fmt.Errorf("jobs: schedule %q: nil handler", s.Name)
	}
	set := 0
	for _, b := range []bool{s.Cron != "", s.Every != 0, s.Schedule != nil} {
		if b {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("jobs: schedule %q: set exactly one of Cron, Every and Schedule", s.Name)
	}
	var err error
	switch {
	case s.Cron != "":
		s.Schedule, err = ParseSchedule(s.Cron)
	case s.Every != 0:
		s.Schedule, err = Every(s.Every)
	}
	if err != nil {
		return fmt.Errorf("jobs: schedule %q: %w", s.Name, err)
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 3
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return ErrFrozen
	}
	if _, dup := e.scheduled[s.Name]; dup {
		return fmt.Errorf("jobs: schedule %q: already registered", s.Name)
	}
	e.scheduled[s.Name] = &s
	e.order = append(e.order, s.Name)
	return nil
}

// ScheduledArgs is the River job of one tick of a scheduled job.
type ScheduledArgs struct {
	Name string    `json:"name"`
	Tick time.Time `json:"tick"`
}

// Kind implements river.JobArgs.
func (ScheduledArgs) Kind() string { return "medusa_scheduled" }

// allStates makes a tick unique whatever became of an earlier insert of it,
// including a discarded one.
var allStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// tickLoop inserts one job per tick of s until ctx is done.
func (e *Engine) tickLoop(ctx context.Context, s *Scheduled) {
	next := s.Schedule.Next(time.Now())
	for {
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := e.insertTick(ctx, s, next); err != nil && ctx.Err() == nil {
			e.log.ErrorContext(ctx, "jobs: insert scheduled tick", "job", s.Name, "tick", next, "err", err)
		}
		after := s.Schedule.Next(next)
		if now := time.Now(); after.Before(now) {
			// This process fell behind (suspended, overloaded): skip to the
			// next tick to come rather than firing a burst of stale ones.
			e.log.WarnContext(ctx, "jobs: scheduled ticks skipped", "job", s.Name, "from", after, "now", now)
			after = s.Schedule.Next(now)
		}
		next = after
	}
}

func (e *Engine) insertTick(ctx context.Context, s *Scheduled, tick time.Time) error {
	client, err := e.Client()
	if err != nil {
		return err
	}
	_, err = client.Insert(ctx, ScheduledArgs{Name: s.Name, Tick: tick.UTC()}, &river.InsertOpts{
		Queue:       QueueScheduled,
		MaxAttempts: s.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: allStates},
	})
	return err
}

// RunNow inserts a run of the named scheduled job for tick, as the tick loop
// would (a second insert for the same tick is skipped). It is for operators
// and tests; the tick need not be on the schedule.
func (e *Engine) RunNow(ctx context.Context, name string, tick time.Time) error {
	e.mu.Lock()
	s, ok := e.scheduled[name]
	e.mu.Unlock()
	if !ok {
		return fmt.Errorf("jobs: run %q: no such scheduled job", name)
	}
	return e.insertTick(ctx, s, tick)
}

type scheduledWorker struct {
	river.WorkerDefaults[ScheduledArgs]
	e *Engine
}

func (w *scheduledWorker) lookup(name string) *Scheduled {
	w.e.mu.Lock()
	defer w.e.mu.Unlock()
	return w.e.scheduled[name]
}

func (w *scheduledWorker) Timeout(job *river.Job[ScheduledArgs]) time.Duration {
	if s := w.lookup(job.Args.Name); s != nil {
		return s.Timeout
	}
	return 0
}

func (w *scheduledWorker) Work(ctx context.Context, job *river.Job[ScheduledArgs]) error {
	s := w.lookup(job.Args.Name)
	if s == nil {
		// Medusa drops a scheduled workflow that no longer exists; so do we.
		w.e.log.WarnContext(ctx, "jobs: no scheduled job of that name, cancelling its run", "job", job.Args.Name, "tick", job.Args.Tick)
		return river.JobCancel(fmt.Errorf("jobs: scheduled job %q is not registered", job.Args.Name))
	}
	run := Run{Name: s.Name, Tick: job.Args.Tick, Attempt: job.Attempt, JobID: job.ID}
	if err := s.Handler(ctx, w.e.root.Scope(), run); err != nil {
		return fmt.Errorf("scheduled job %q tick %s: %w", s.Name, run.Tick.Format(time.RFC3339Nano), err)
	}
	return nil
}
