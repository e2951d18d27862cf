package app

import (
	"context"
	"net/http"
	"os"
	"time"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	ebmigrations "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/httpx"
	httpmigrations "github.com/medusa-go/medusa/framework/httpx/migrations"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmigrations "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/rt"
	"github.com/medusa-go/medusa/framework/wftimers"
	"github.com/medusa-go/medusa/framework/workflows"
	wfmigrations "github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/modules/auth"
	authapi "github.com/medusa-go/medusa/modules/auth/api"
	authmigrations "github.com/medusa-go/medusa/modules/auth/migrations"
	"github.com/medusa-go/medusa/modules/user"
	userapi "github.com/medusa-go/medusa/modules/user/api"
	userflows "github.com/medusa-go/medusa/modules/user/flows"
	usermigrations "github.com/medusa-go/medusa/modules/user/migrations"
)

// Container keys of the framework services the application registers.
var (
	KeyEventBus = container.NewKey[events.Bus]("event_bus")
	KeyHTTPAuth = container.NewKey[*httpx.Auth]("http_auth")
)

// MaxBodyBytes bounds request bodies (Medusa's default JSON limit is 100 kB).
const MaxBodyBytes = 100 << 10

// moduleMigrations lists the framework's and built-in modules' migrations,
// in dependency order.
func moduleMigrations() []migrate.Source {
	return []migrate.Source{
		jobsmigrations.Source,
		ebmigrations.Source,
		wfmigrations.Source(),
		httpmigrations.Source,
		usermigrations.Source,
		authmigrations.Source,
	}
}

// registerModules registers the framework services and every built-in
// module's service in the root container under its key.
func registerModules(ctx context.Context, a *App) error {
	mode, err := jobs.ParseMode(a.Config.WorkerMode)
	if err != nil {
		return err
	}
	engine, err := jobs.New(a.Pool, a.Container, jobs.Options{Mode: mode, Logger: a.Logger})
	if err != nil {
		return err
	}
	a.Jobs = engine
	bus, err := eventbus.New(engine, 0, eventbus.WithDirectLease(a.lease())) // MEDUSA_LEASE (limits.go)
	if err != nil {
		return err
	}
	a.Bus = bus
	// The bus is registered with its concrete type's lifecycle (Start/Stop
	// start and stop the job engine) under the "event_bus" key.
	if err := container.Register(a.Container, KeyEventBus, events.Bus(bus)); err != nil {
		return err
	}

	// Runs that wait (a retry interval, an async step, their deadlines)
	// park, and their wake-ups are jobs on the job engine: they survive a
	// restart and resume on whichever instance works the job.
	timers, err := wftimers.New(engine)
	if err != nil {
		return err
	}
	wf := workflows.NewEngine(
		workflows.WithStore(workflows.NewPostgresStore(a.Pool)),
		workflows.WithContainer(a.Container),
		workflows.WithLogger(a.Logger),
		workflows.WithInstanceID(instanceID(a), a.lease()),
		workflows.WithTimers(timers),
	)
	timers.Bind(wf)
	a.Workflows = wf
	if err := container.Register(a.Container, workflows.EngineKey, wf); err != nil {
		return err
	}

	sc := httpx.SessionConfig{}
	if a.Config.Mode == config.Production {
		sc = sc.ProductionCookies()
	}
	sessions, err := httpx.NewSessionStore(a.Pool, sc)
	if err != nil {
		return err
	}
	if engine.Mode().Works() {
		// Tables counted by triggers (dml CountRows) get one count row per
		// write statement; merging them keeps a list's count one row read.
		if err := engine.Schedule(jobs.Scheduled{Name: RowCountCompaction, Every: RowCountCompactionEvery, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
			_, err := rt.CompactRowCounts(ctx, a.Pool)
			return err
		}}); err != nil {
			return err
		}
		// Expired sessions are also deleted when a session is created;
		// this sweep keeps the table small when nobody logs in.
		if err := engine.Schedule(jobs.Scheduled{Name: SessionSweep, Every: 10 * time.Minute, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
			n, err := sessions.DeleteExpired(ctx)
			if n > 0 {
				a.Logger.InfoContext(ctx, "deleted expired sessions", "count", n)
			}
			return err
		}}); err != nil {
			return err
		}
	}
	httpAuth, err := httpx.NewAuth(httpx.AuthConfig{JWTSecret: a.Config.JWTSecret, JWTExpiresIn: a.Config.JWTExpires, Sessions: sessions})
	if err != nil {
		return err
	}
	a.Auth = httpAuth
	if err := container.Register(a.Container, KeyHTTPAuth, httpAuth); err != nil {
		return err
	}

	// The modules. The auth service is registered as a value: the admin
	// routes need it at mount time and the user workflows resolve it under
	// "auth" through their AuthIdentities interface.
	authSvc, err := auth.NewService(a.Pool, auth.WithEventBus(bus), auth.WithJWTSecret(a.Config.JWTSecret))
	if err != nil {
		return err
	}
	if err := container.Register(a.Container, auth.Key, authSvc); err != nil {
		return err
	}
	a.AuthModule = authSvc
	if err := user.RegisterModule(a.Container, a.Pool, user.Options{JWTSecret: a.Config.JWTSecret}); err != nil {
		return err
	}
	if err := userflows.Register(wf); err != nil {
		return err
	}

	if err := registerNotifications(a); err != nil {
		return err
	}
	for _, sub := range a.subs {
		if err := bus.Subscribe(sub); err != nil {
			return err
		}
	}
	for _, job := range a.scheduled {
		if err := engine.Schedule(job); err != nil {
			return err
		}
	}

	// Interrupted workflow runs are recovered once every module and workflow
	// is registered, when the application starts.
	// runs of this instance (its own restart) are resumed at start-up; runs
	// of an instance that died (stale heartbeat) are taken over by the
	// periodic recovery job, which the job engine runs once per tick across
	// all instances, so they spread and survive restarts.
	recover := func(ctx context.Context) error {
		keys, err := wf.Recover(ctx)
		if len(keys) > 0 {
			a.Logger.InfoContext(ctx, "recovered interrupted workflow runs", "count", len(keys))
		}
		if err != nil {
			// Runs of workflows this build does not register are left in
			// the store; they must not keep the application from starting.
			a.Logger.WarnContext(ctx, "workflow recovery incomplete", "err", err)
		}
		return nil
	}
	a.Container.OnLifecycle("workflows-recover", recover, wf.Shutdown)
	if engine.Mode().Works() {
		if err := engine.Schedule(jobs.Scheduled{Name: "workflows-recover", Every: a.lease() / 2, Handler: func(ctx context.Context, _ *container.Container, _ jobs.Run) error {
			return recover(ctx)
		}}); err != nil {
			return err
		}
	}
	return nil
}

// SessionSweep is the scheduled job that deletes expired HTTP sessions
// (every 10 minutes, once per tick across instances).
const SessionSweep = "http-sessions-sweep"

// RowCountCompaction is the scheduled job that merges the count rows of
// tables counted by triggers (rt.CompactRowCounts), every
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
func instanceID(a *App) string {
	if id := a.getenv("MEDUSA_INSTANCE_ID"); id != "" {
		return id
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "medusa-go"
}

// mountRoutes mounts the built-in API routes: /auth and the Admin API of
// users and invites.
func mountRoutes(a *App, mux *http.ServeMux) error {
	if err := authapi.Mount(mux, authapi.Config{Service: a.AuthModule, Auth: a.Auth}); err != nil {
		return err
	}
	userapi.Mount(mux, a.Auth)
	return nil
}

// wrap applies the global middleware: request id, access log, panic
// recovery, body limit, a container scope per request, and CORS for the
// route prefixes that have allowed origins (before routing, since preflight
// requests match no route).
func wrap(a *App, h http.Handler) http.Handler {
	var cors []httpx.Middleware
	for prefix, origins := range map[string][]string{"/admin": a.Config.AdminCORS, "/auth": a.Config.AuthCORS, "/store": a.Config.StoreCORS} {
		if len(origins) > 0 {
			cors = append(cors, httpx.ForPrefix(prefix, httpx.CORS(origins...)))
		}
	}
	h = httpx.Chain(h, cors...)
	return httpx.Chain(h,
		httpx.AssignRequestID(),
		httpx.AccessLog(a.Logger),
		httpx.Recover(),
		a.limits(), // request deadline and load shedding (limits.go)
		httpx.LimitBody(MaxBodyBytes),
		httpx.ScopePerRequest(a.Container),
	)
}
