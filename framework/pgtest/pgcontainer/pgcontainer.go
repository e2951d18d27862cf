package pgcontainer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/medusa-go/medusa/framework/pgtest"
)

// Image is the Postgres image the container runs.
const Image = "postgres:15-alpine"

// Name is what the harness calls this fallback in its messages.
const Name = "testcontainers-go with a Docker engine"

// ErrNoEngine is wrapped by Start's error when no Docker engine answers.
var ErrNoEngine = errors.New("no Docker engine")

func init() {
	pgtest.SetFallback(pgtest.Fallback{Name: Name, Start: Start})
}

// Start starts Postgres (Image) in a container, after checking that a
// Docker engine answers (so a machine without one gets a clear reason within
// seconds, not a long hang). It returns the superuser URL of the maintenance
// database "postgres" and a function that terminates the container.
func Start(ctx context.Context) (adminURL string, stop func(context.Context) error, err error) {
	defer func() {
		// testcontainers panics on some provider misconfigurations; turn
		// that into an error for the harness's message.
		if r := recover(); r != nil {
			adminURL, stop, err = "", nil, fmt.Errorf("%w: testcontainers: %v", ErrNoEngine, r)
		}
	}()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return "", nil, fmt.Errorf("%w: no Docker provider: %w", ErrNoEngine, err)
	}
	defer provider.Close()
	if err := provider.Health(pctx); err != nil {
		return "", nil, fmt.Errorf("%w: docker engine not healthy: %w", ErrNoEngine, err)
	}
	c, err := tcpostgres.Run(ctx, Image,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		testcontainers.WithCmd("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"),
		testcontainers.WithWaitStrategy(wait.ForLog("database system is ready to accept connections").WithOccurrence(2).WithStartupTimeout(60*time.Second)),
	)
	if err != nil {
		// Run can return a container together with its error; remove it.
		return "", nil, fmt.Errorf("start %s container: %w", Image, errors.Join(err, testcontainers.TerminateContainer(c)))
	}
	u, err := c.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return "", nil, errors.Join(err, testcontainers.TerminateContainer(c))
	}
	return u, func(context.Context) error { return testcontainers.TerminateContainer(c) }, nil
}
