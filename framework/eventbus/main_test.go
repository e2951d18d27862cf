package eventbus_test

import (
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	pgtest.Main(m)
}

var sources = []migrate.Source{jobsmig.Source, busmig.Source}

// newBus returns a bus on pool with its engine (not started).
func newBus(t *testing.T, pool *pgxpool.Pool, mode jobs.Mode, c *container.Container, opts ...eventbus.Option) (*eventbus.Bus, *jobs.Engine) {
	t.Helper()
	e := testkit.Jobs(t, pool, c, jobs.Options{Mode: mode, Configure: testkit.FastRiver})
	b, err := eventbus.New(e, 0, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b, e
}
