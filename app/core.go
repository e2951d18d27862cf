package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	ebmigrations "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/httpauth"
	httpmigrations "github.com/medusa-go/medusa/framework/httpauth/migrations"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmigrations "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/wftimers"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
	"github.com/medusa-go/medusa/modules"
)

// CoreModules are the framework's own parts, as module values, in the order
// an application registers them: the job engine ("jobs", River), the
// durable event bus ("event_bus"), the workflow engine ("workflows", with
// its Postgres store and recovery), HTTP tokens and sessions ("http_auth"),
// notifications ("notification") and the admin dashboard ("dashboard"). An application can replace one by
// listing a module of the same name, or remove it with module.Disable.
func CoreModules() []module.Module {
	return []module.Module{jobsModule(), eventBusModule(), workflowsModule(), httpAuthModule(), notificationModule(), dashboardModule()}
}

// jobsModule is the job engine: River on the application's pool, in the
// configured worker mode, and the compaction of trigger-kept row counts.
func jobsModule() module.Module {
	return module.Module{
		Name:       jobs.Key.Name(),
		Migrations: []migrate.Source{jobsmigrations.Source},
		Register: func(ctx context.Context, h *module.Host) error {
			mode, err := jobs.ParseMode(h.Settings.WorkerMode)
			if err != nil {
				return err
			}
			engine, err := jobs.New(h.Pool, h.Container, jobs.Options{Mode: mode, Logger: h.Logger})
			if err != nil {
				return err
			}
			// Tables counted by triggers (dml CountRows) get one count row
			// per write statement; merging them keeps a list's count one
			// row read.
			h.Schedule(jobs.Scheduled{Name: RowCountCompaction, Every: RowCountCompactionEvery, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
				_, err := sqlb.CompactRowCounts(ctx, h.Pool)
				return err
			}})
			return container.Register(h.Container, jobs.Key, engine)
		},
	}
}

// eventBusModule is the durable event bus on the job engine.
func eventBusModule() module.Module {
	return module.Module{
		Name:       events.BusKey.Name(),
		Migrations: []migrate.Source{ebmigrations.Source},
		Register: func(ctx context.Context, h *module.Host) error {
			engine, err := container.Resolve(h.Container, jobs.Key)
			if err != nil {
				return err
			}
			bus, err := eventbus.New(engine, 0, eventbus.WithDirectLease(lease(h.Settings))) // MEDUSA_LEASE
			if err != nil {
				return err
			}
			// Registered with its concrete type's lifecycle (Start and Stop
			// start and stop the job engine).
			return container.Register(h.Container, events.BusKey, events.Bus(bus))
		},
	}
}

// workflowsModule is the workflow engine: the Postgres store, waits as
// wake-up jobs on the job engine, recovery of interrupted runs at start-up
// (this instance's) and every half lease (those of instances that died).
func workflowsModule() module.Module {
	return module.Module{
		Name:       workflows.EngineKey.Name(),
		Migrations: []migrate.Source{wfmigrations.Source()},
		Register: func(ctx context.Context, h *module.Host) error {
			engine, err := container.Resolve(h.Container, jobs.Key)
			if err != nil {
				return err
			}
			timers, err := wftimers.New(engine)
			if err != nil {
				return err
			}
			wf := workflows.NewEngine(
				workflows.WithStore(pgstore.New(h.Pool)),
				workflows.WithContainer(h.Container),
				workflows.WithLogger(h.Logger),
				workflows.WithInstanceID(instanceID(h.Getenv), lease(h.Settings)),
				workflows.WithTimers(timers),
			)
			timers.Bind(wf)
			if err := container.Register(h.Container, workflows.EngineKey, wf); err != nil {
				return err
			}
			recover := func(ctx context.Context) error {
				keys, err := wf.Recover(ctx)
				if len(keys) > 0 {
					h.Logger.InfoContext(ctx, "recovered interrupted workflow runs", "count", len(keys))
				}
				if err != nil {
					// Runs of workflows this build does not register stay in
					// the store; they must not keep the application from
					// starting.
					h.Logger.WarnContext(ctx, "workflow recovery incomplete", "err", err)
				}
				return nil
			}
			// Runs are recovered once every module has registered its
			// workflows, when the application starts.
			h.Container.OnLifecycle("workflows-recover", recover, wf.Shutdown)
			h.Schedule(jobs.Scheduled{Name: "workflows-recover", Every: lease(h.Settings) / 2, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
				return recover(ctx)
			}})
			return nil
		},
	}
}

// httpAuthModule issues and verifies the API's tokens and cookie sessions
// (httpauth.AuthKey), and sweeps expired sessions.
func httpAuthModule() module.Module {
	return module.Module{
		Name:       httpauth.AuthKey.Name(),
		Migrations: []migrate.Source{httpmigrations.Source},
		Register: func(ctx context.Context, h *module.Host) error {
			sc := httpauth.SessionConfig{}
			if h.Settings.Mode == config.Production {
				sc = sc.ProductionCookies()
			}
			sessions, err := httpauth.NewSessionStore(h.Pool, sc)
			if err != nil {
				return err
			}
			// Expired sessions are also deleted when a session is created;
			// this sweep keeps the table small when nobody logs in.
			h.Schedule(jobs.Scheduled{Name: SessionSweep, Every: 10 * time.Minute, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
				n, err := sessions.DeleteExpired(ctx)
				if n > 0 {
					h.Logger.InfoContext(ctx, "deleted expired sessions", "count", n)
				}
				return err
			}})
			auth, err := httpauth.NewAuth(httpauth.AuthConfig{JWTSecret: h.Settings.JWTSecret, JWTExpiresIn: h.Settings.JWTExpires, Sessions: sessions})
			if err != nil {
				return err
			}
			return container.Register(h.Container, httpauth.AuthKey, auth)
		},
	}
}

// SessionSweep is the scheduled job that deletes expired HTTP sessions
// (every 10 minutes, once per tick across instances).
const SessionSweep = "http-sessions-sweep"

// RowCountCompaction is the scheduled job that merges the count rows of
// tables counted by triggers (sqlb.CompactRowCounts), every
// RowCountCompactionEvery.
const RowCountCompaction = "row-counts-compact"

// RowCountCompactionEvery is how often RowCountCompaction runs.
const RowCountCompactionEvery = 10 * time.Second

// WorkflowLease is how long a workflow run's heartbeat may be silent before
// another instance takes the run over, unless MEDUSA_LEASE sets another.
const WorkflowLease = 30 * time.Second

// instanceID names this instance for the workflow engine: $MEDUSA_INSTANCE_ID,
// else the host name (set MEDUSA_INSTANCE_ID when several instances share a
// host).
func instanceID(getenv func(string) string) string {
	if id := getenv("MEDUSA_INSTANCE_ID"); id != "" {
		return id
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "medusa-go"
}

// subscriber is a bus that takes subscribers (the durable event bus).
type subscriber interface {
	Subscribe(eventbus.Subscriber) error
}

// requireBus returns the bus modules subscribe on.
func requireBus(c *container.Container) (subscriber, error) {
	b, err := container.Resolve(c, events.BusKey)
	if err != nil {
		return nil, err
	}
	bus, ok := b.(subscriber)
	if !ok {
		return nil, fmt.Errorf("the event bus under %q is a %T, which takes no subscribers", events.BusKey.Name(), b)
	}
	return bus, nil
}

// BuiltinModules are the built-in modules every application has unless it
// disables them: the Auth Module and the User Module.
func BuiltinModules() []module.Module { return []module.Module{modules.Auth, modules.User} }
