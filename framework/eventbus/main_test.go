package eventbus_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	pgtest.Main(m)
}

var sources = []migrate.Source{jobsmig.Source, busmig.Source}

// quietLogger drops River's info logs; set EVENTBUS_TEST_LOG=1 to see them.
func quietLogger() *slog.Logger {
	if os.Getenv("EVENTBUS_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// fast tunes River for tests: short fetch intervals, no start-up jitter.
func fast(cfg *river.Config) {
	cfg.TestOnly = true
	cfg.FetchCooldown = 5 * time.Millisecond
	cfg.FetchPollInterval = 50 * time.Millisecond
}

// newBus returns a bus on pool with its engine (not started).
func newBus(t *testing.T, pool *pgxpool.Pool, mode jobs.Mode, c *container.Container, opts ...eventbus.Option) (*eventbus.Bus, *jobs.Engine) {
	t.Helper()
	e, err := jobs.New(pool, c, jobs.Options{Mode: mode, Logger: quietLogger(), Configure: fast})
	if err != nil {
		t.Fatal(err)
	}
	b, err := eventbus.New(e, 0, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b, e
}

func start(t *testing.T, e *jobs.Engine) {
	t.Helper()
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}
