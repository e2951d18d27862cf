// Package jobs runs medusa-go's background work on River
// (github.com/riverqueue/river), a Postgres-backed job queue: an Engine owns
// the process's River client, the event bus (framework/eventbus) and the
// workflow engine add their workers to it, and scheduled jobs (Medusa's
// scheduled jobs and scheduled workflows) are registered with Schedule.
//
// Worker modes follow Medusa's projectConfig.workerMode: ModeShared inserts
// and works jobs; ModeServer only inserts (events are stored, deliveries and
// ticks are left to workers); ModeWorker works jobs.
//
// A scheduled job runs once per tick however many instances share the
// database: every working instance inserts the tick's job as a River unique
// job keyed by (name, tick), and River keeps one. If no working instance is
// up at a tick, that tick is skipped. (River's own periodic jobs are
// enqueued by its leader alone and cannot key a job by its tick; see
// Engine.Schedule for why they would lose or double ticks.)
//
// River's schema is created by this package's migrations
// (framework/jobs/migrations, module "jobs"), generated from rivermigrate for
// the pinned River version.
//
//	engine, _ := jobs.New(pool, root, jobs.Options{Mode: jobs.ModeShared})
//	_ = engine.Schedule(jobs.Scheduled{Name: "prune-invites", Cron: "0 3 * * *", Handler: prune})
//	_ = engine.Start(ctx)
//	defer engine.Stop(ctx)
package jobs
