package wftimers_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/wftimers"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

// The workflow engine parks the runs that wait (retries, async steps,
// deadlines) and the job engine wakes them, on whichever instance works the
// job. An application's engines are wired like this by the framework.
func ExampleNew() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	root := container.New()
	jobsEngine, err := jobs.New(pool, root, jobs.Options{Mode: jobs.ModeShared})
	if err != nil {
		log.Fatal(err)
	}
	host, _ := os.Hostname()

	timers, err := wftimers.New(jobsEngine) // before the job engine starts
	if err != nil {
		log.Fatal(err)
	}
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithTimers(timers),
		workflows.WithInstanceID(host, 30*time.Second))
	timers.Bind(eng)

	if err := jobsEngine.Start(ctx); err != nil {
		log.Fatal(err)
	}
	defer jobsEngine.Stop(ctx)
}
