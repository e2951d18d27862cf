package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/workflows"
)

func ExampleParseSchedule() {
	s, err := jobs.ParseSchedule("*/15 * * * *") // every quarter of an hour
	if err != nil {
		panic(err)
	}
	t := time.Date(2026, 11, 27, 10, 7, 0, 0, time.UTC)
	for range 3 {
		t = s.Next(t)
		fmt.Println(t.Format(time.TimeOnly))
	}
	// Output:
	// 10:15:00
	// 10:30:00
	// 10:45:00
}

// A scheduled job that runs a workflow once a night across all instances,
// with the worker mode read from the environment (shared, server or
// worker). An application lists its jobs in app.Config.Jobs instead of
// calling Schedule.
func ExampleEngine_Schedule() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	mode, err := jobs.ParseMode(os.Getenv("MEDUSA_WORKER_MODE"))
	if err != nil {
		panic(err)
	}
	engine, err := jobs.New(pool, container.New(), jobs.Options{Mode: mode})
	if err != nil {
		panic(err)
	}
	expireInvites := workflows.New("expire-invites", func(wc *workflows.Context, tick time.Time) (int, error) {
		// steps that resolve the User Module from wc.Container() ...
		return 0, nil
	})
	err = engine.Schedule(jobs.Scheduled{
		Name: "expire-invites",
		Cron: "0 3 * * *", // 03:00 UTC; or Every: 10 * time.Minute (Medusa's {interval})
		Handler: func(ctx context.Context, c *container.Container, run jobs.Run) error {
			slog.InfoContext(ctx, "expiring invites", "tick", run.Tick, "attempt", run.Attempt)
			_, err := expireInvites.Run(ctx, c, run.Tick, workflows.WithTransactionID(fmt.Sprintf("expire-invites:%d", run.Tick.Unix())))
			return err
		},
		MaxAttempts: 3, // default
	})
	if err != nil {
		panic(err)
	}
	if err := engine.Start(ctx); err != nil {
		panic(err)
	}
	defer engine.Stop(ctx)
}
