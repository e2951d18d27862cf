package pgtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"
)

// ContainerImage is the image used when the harness falls back to Docker.
const ContainerImage = "postgres:15-alpine"

// startContainer starts Postgres with testcontainers-go, after checking that
// a Docker engine answers (so a machine without one gets a clear reason, not
// a long hang).
func startContainer(ctx context.Context) (s *server, err error) {
	defer func() {
		// testcontainers panics on some provider misconfigurations; turn
		// that into an error for the caller's message.
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("testcontainers: %v", r)
		}
	}()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return nil, fmt.Errorf("no Docker provider: %w", err)
	}
	defer provider.Close()
	if err := provider.Health(pctx); err != nil {
		return nil, fmt.Errorf("docker engine not healthy: %w", err)
	}
	c, err := tcpostgres.Run(ctx, ContainerImage,
		tcpostgres.WithDatabase("postgres"),
		tcpostgres.WithUsername("postgres"),
		tcpostgres.WithPassword("postgres"),
		testcontainers.WithCmd("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300"),
		testcontainers.WithWaitStrategy(wait.ForLog("database system is ready to accept connections").WithOccurrence(2).WithStartupTimeout(60*time.Second)),
	)
	if err != nil {
		return nil, fmt.Errorf("start %s container: %w", ContainerImage, err)
	}
	u, err := c.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		return nil, errors.Join(err, testcontainers.TerminateContainer(c))
	}
	return &server{adminURL: u, kind: "container", stop: func(context.Context) error {
		return testcontainers.TerminateContainer(c)
	}}, nil
}
