package testkit

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
)

// Logger returns a logger that drops everything, unless the environment
// has MEDUSA_TEST_LOG=1: then it writes DEBUG and up to stderr.
func Logger() *slog.Logger {
	if os.Getenv("MEDUSA_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// FastRiver tunes River for tests, as a jobs.Options.Configure: a queue is
// fetched at most every 5 ms and polled every 50 ms, and River's TestOnly
// mode drops the start-up jitter of its maintenance services.
func FastRiver(cfg *river.Config) {
	cfg.TestOnly = true
	cfg.FetchCooldown = 5 * time.Millisecond
	cfg.FetchPollInterval = 50 * time.Millisecond
}

// Jobs returns a job engine on pool for tb, not started: it and River log
// to Logger() unless opts.Logger is set; the rest of opts is the caller's
// (opts.Configure: FastRiver for quick deliveries). The engine is stopped
// when the test ends, if it runs then.
func Jobs(tb testing.TB, pool *pgxpool.Pool, c *container.Container, opts jobs.Options) *jobs.Engine {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = Logger()
	}
	e, err := jobs.New(pool, c, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stop(tb, e) })
	return e
}

// StartJobs starts e and stops it when the test ends (running jobs get 5 s
// to finish), failing the test if either fails.
func StartJobs(tb testing.TB, e *jobs.Engine) {
	tb.Helper()
	if err := e.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stop(tb, e) })
}

func stop(tb testing.TB, e *jobs.Engine) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Stop(ctx); err != nil {
		tb.Errorf("stop the job engine: %v", err)
	}
}
