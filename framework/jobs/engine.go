package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/medusa-go/medusa/framework/container"
)

// Key is the engine's container key.
var Key = container.NewKey[*Engine]("jobs")

// QueueScheduled is the River queue scheduled jobs run on.
const QueueScheduled = "scheduled"

// ErrFrozen is returned when a worker, queue or scheduled job is added after
// the engine built its River client (on Start or on the first insert).
var ErrFrozen = errors.New("jobs: engine already built; register workers, queues and scheduled jobs before Start and before the first insert")

// DefaultMaxWorkers is the default number of concurrent jobs per queue.
const DefaultMaxWorkers = 50

// Options configure an Engine.
type Options struct {
	// Mode: shared (default), server (insert only) or worker.
	Mode Mode
	// ID names this instance in River's tables (river_leader, river_job.attempted_by);
	// empty lets River pick one from the host name and time.
	ID string
	// Logger receives River's and the engine's logs (default slog.Default());
	// errors that only say the database is unavailable come at WARN, and
	// River's producers' job counts, logged every five seconds while jobs
	// run, at DEBUG instead of River's INFO.
	Logger *slog.Logger
	// MaxWorkers is the default number of concurrent jobs per queue (default 50).
	MaxWorkers int
	// JobTimeout bounds one attempt of a job (River's default, 1 minute, when 0;
	// -1 for none). Workers can override it per job.
	JobTimeout time.Duration
	// RescueStuckJobsAfter is how long a job may stay running before River's
	// leader considers its worker dead and schedules a retry. Default: 5
	// minutes, or JobTimeout + 1 minute when that is longer (River's own
	// default is 1 hour: a dead instance's deliveries would wait that long).
	// It must exceed JobTimeout; a job is also never rescued before its own
	// timeout (Subscriber.Timeout, Scheduled.Timeout) has passed.
	RescueStuckJobsAfter time.Duration
	// FetchCooldown is the least time between two fetches of one queue
	// (default 10ms; River's own default, 100ms, puts ~100ms on every
	// delivery of a quiet system, see docs/perf/events.md).
	FetchCooldown time.Duration
	// FetchPollInterval is how often workers poll for jobs when no
	// LISTEN/NOTIFY wake-up arrives (default 200ms; River's is 1s). River
	// rate-limits its insert notifications, so this bounds the worst-case
	// latency of a delivery.
	FetchPollInterval time.Duration
	// Configure, if set, gets the last word on River's configuration.
	Configure func(*river.Config)
}

// Engine owns the process's River client: the queues and workers of the
// event bus, of scheduled jobs and of anything else that needs a durable
// job (the workflow engine's timers), so that one leader election and one
// set of maintenance services serve them all.
//
// Register workers (AddWorker), queues and scheduled jobs first; the River
// client is built on Start or on the first call to Client, after which
// registrations fail with ErrFrozen.
type Engine struct {
	pool *pgxpool.Pool
	root *container.Container
	opts Options
	log  *slog.Logger

	// mu guards registrations and the client; lc serialises Start and Stop
	// (and guards running, stopLoops).
	mu        sync.Mutex
	lc        sync.Mutex
	workers   *river.Workers
	queues    map[string]int
	scheduled map[string]*Scheduled
	order     []string
	client    *river.Client[pgx.Tx]
	buildErr  error
	running   bool
	stopLoops context.CancelFunc
	loops     sync.WaitGroup
	services  []Service
	started   []Service // the services Start started, for Stop
}

// Service is a component that runs with the engine's workers (the event
// bus's direct deliveries, say): in a mode that works jobs, Start starts it
// after River, and Stop stops it, in reverse order of registration, before
// River stops. A server-mode engine never starts it.
type Service interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// AddService registers s to start and stop with the engine (see Service).
func (e *Engine) AddService(s Service) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return ErrFrozen
	}
	e.services = append(e.services, s)
	return nil
}

// JobTimeout returns how long one attempt of a job may run by default: the
// JobTimeout option, River's 1 minute when unset, or -1 for none.
func (e *Engine) JobTimeout() time.Duration {
	if e.opts.JobTimeout == 0 {
		return time.Minute
	}
	return e.opts.JobTimeout
}

// New returns an engine on pool. c is the container handed (as a fresh scope)
// to scheduled job handlers; it may be nil when none resolves services.
func New(pool *pgxpool.Pool, c *container.Container, opts Options) (*Engine, error) {
	if pool == nil {
		return nil, errors.New("jobs: nil pool")
	}
	mode, err := ParseMode(string(opts.Mode))
	if err != nil {
		return nil, err
	}
	opts.Mode = mode
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = DefaultMaxWorkers
	}
	if opts.RescueStuckJobsAfter <= 0 {
		jt := opts.JobTimeout
		if jt == 0 {
			jt = time.Minute // River's default JobTimeout
		}
		if jt > 0 {
			opts.RescueStuckJobsAfter = max(5*time.Minute, jt+time.Minute)
		} // jt == -1 (no timeout): leave River's default
	}
	if opts.FetchCooldown <= 0 {
		opts.FetchCooldown = 10 * time.Millisecond
	}
	if opts.FetchPollInterval <= 0 {
		opts.FetchPollInterval = 200 * time.Millisecond
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = outageLogger(log) // database outages are WARN, not ERROR (logger.go)
	if c == nil {
		c = container.New()
	}
	e := &Engine{pool: pool, root: c, opts: opts, log: log, workers: river.NewWorkers(), queues: map[string]int{}, scheduled: map[string]*Scheduled{}}
	if err := river.AddWorkerSafely(e.workers, &scheduledWorker{e: e}); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	e.queues[QueueScheduled] = opts.MaxWorkers
	return e, nil
}

// Pool returns the engine's database pool.
func (e *Engine) Pool() *pgxpool.Pool { return e.pool }

// Container returns the root container handed to handlers.
func (e *Engine) Container() *container.Container { return e.root }

// Mode returns the worker mode.
func (e *Engine) Mode() Mode { return e.opts.Mode }

// MaxWorkers returns the default number of concurrent jobs per queue.
func (e *Engine) MaxWorkers() int { return e.opts.MaxWorkers }

// Logger returns the engine's logger.
func (e *Engine) Logger() *slog.Logger { return e.log }

// AddQueue declares a River queue worked with up to maxWorkers concurrent
// jobs (0: Options.MaxWorkers). Declaring a queue twice keeps the larger.
func (e *Engine) AddQueue(name string, maxWorkers int) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return ErrFrozen
	}
	if maxWorkers <= 0 {
		maxWorkers = e.opts.MaxWorkers
	}
	e.queues[name] = max(e.queues[name], maxWorkers)
	return nil
}

// AddWorker registers a River worker for its job kind.
func AddWorker[T river.JobArgs](e *Engine, w river.Worker[T]) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return ErrFrozen
	}
	if err := river.AddWorkerSafely(e.workers, w); err != nil {
		return fmt.Errorf("jobs: add worker: %w", err)
	}
	return nil
}

// Client returns the River client, building it on first use (which freezes
// registrations). Use it to insert jobs; in a transaction, use InsertTx or
// InsertManyTx with the pgx.Tx the context carries.
func (e *Engine) Client() (*river.Client[pgx.Tx], error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.build()
}

func (e *Engine) build() (*river.Client[pgx.Tx], error) {
	if e.client != nil || e.buildErr != nil {
		return e.client, e.buildErr
	}
	cfg := &river.Config{
		ID:                   e.opts.ID,
		Logger:               riverLogger(e.log),
		JobTimeout:           e.opts.JobTimeout,
		RescueStuckJobsAfter: e.opts.RescueStuckJobsAfter,
		FetchCooldown:        e.opts.FetchCooldown,
		FetchPollInterval:    e.opts.FetchPollInterval,
		Workers:              e.workers,
		// A server-mode client never works jobs, so it must not take River's
		// leadership either: the leader runs maintenance (rescuing stuck
		// jobs, promoting retries) that worker instances rely on.
		LeaderElectionDisabled: !e.opts.Mode.Works(),
	}
	if e.opts.Mode.Works() {
		cfg.Queues = map[string]river.QueueConfig{}
		for q, n := range e.queues {
			cfg.Queues[q] = river.QueueConfig{MaxWorkers: n}
		}
	}
	if e.opts.Configure != nil {
		e.opts.Configure(cfg)
	}
	e.client, e.buildErr = river.NewClient(riverpgxv5.New(e.pool), cfg)
	if e.buildErr != nil {
		e.buildErr = fmt.Errorf("jobs: build River client: %w", e.buildErr)
	}
	return e.client, e.buildErr
}

// Start builds the River client and, unless the mode is server, starts
// working queues, River's leader election and maintenance, and the tick loops
// of scheduled jobs. Starting twice is a no-op. Cancelling ctx does not stop
// the engine; Stop does.
func (e *Engine) Start(ctx context.Context) error {
	e.lc.Lock()
	defer e.lc.Unlock()
	e.mu.Lock()
	client, err := e.build()
	var scheduled []*Scheduled
	for _, name := range e.order {
		scheduled = append(scheduled, e.scheduled[name])
	}
	services := slices.Clone(e.services)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	if e.running || !e.opts.Mode.Works() {
		e.running = true
		return nil
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start River: %w", err)
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.stopLoops = cancel
	for _, s := range scheduled {
		e.loops.Go(func() { e.tickLoop(loopCtx, s) })
	}
	e.running = true
	for _, svc := range services {
		if err := svc.Start(ctx); err != nil {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = e.stopLocked(stopCtx)
			return fmt.Errorf("jobs: start service: %w", err)
		}
		e.started = append(e.started, svc)
	}
	e.log.InfoContext(ctx, "jobs: started", "mode", string(e.opts.Mode), "id", client.ID(), "scheduled", len(scheduled))
	return nil
}

// Stop stops the tick loops and River: running jobs get until ctx is done to
// finish, then their contexts are cancelled. Jobs that do not return are
// rescued later by another instance (see Options.RescueStuckJobsAfter).
func (e *Engine) Stop(ctx context.Context) error {
	// Only the lifecycle lock is held while waiting: running jobs and tick
	// loops take e.mu to look up their registrations.
	e.lc.Lock()
	defer e.lc.Unlock()
	return e.stopLocked(ctx)
}

// stopLocked is Stop with e.lc held.
func (e *Engine) stopLocked(ctx context.Context) error {
	if !e.running {
		return nil
	}
	e.running = false
	if e.stopLoops == nil {
		return nil // server mode: nothing was started
	}
	var svcErr error
	for i := len(e.started) - 1; i >= 0; i-- {
		if err := e.started[i].Stop(ctx); err != nil {
			svcErr = errors.Join(svcErr, fmt.Errorf("jobs: stop service: %w", err))
		}
	}
	e.started = nil
	e.stopLoops()
	e.loops.Wait()
	e.stopLoops = nil
	if err := e.client.Stop(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err2 := e.client.StopAndCancel(hard); err2 != nil {
				return errors.Join(svcErr, fmt.Errorf("jobs: stop River: %w", errors.Join(err, err2)))
			}
			return svcErr
		}
		return errors.Join(svcErr, fmt.Errorf("jobs: stop River: %w", err))
	}
	return svcErr
}
