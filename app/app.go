package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/auth"
)

// Well-known container keys of the application (Medusa's
// ContainerRegistrationKeys).
var (
	KeyPool   = container.NewKey[*pgxpool.Pool]("__pg_connection__")
	KeyConfig = container.NewKey[config.Config]("configModule")
	KeyLogger = container.NewKey[*slog.Logger]("logger")
)

// App is an assembled medusa-go application: configuration, database pool,
// root container with every module registered, and the HTTP handler.
type App struct {
	Config    config.Config
	Pool      *pgxpool.Pool
	Container *container.Container
	Logger    *slog.Logger
	// Bus is the durable event bus (also registered as "event_bus").
	Bus *eventbus.Bus
	// Workflows is the workflow engine (also registered as "workflows").
	Workflows *workflows.Engine
	// Jobs is the job engine (River) the bus, the scheduled jobs and the
	// workflow engine's wake-ups run on.
	Jobs *jobs.Engine
	// Auth verifies and issues API tokens and sessions.
	Auth *httpx.Auth
	// AuthModule is the Auth Module's service (also registered as "auth").
	AuthModule *auth.Service
	mux        *http.ServeMux
	routes     []func(a *App, mux *http.ServeMux)
	getenv     func(string) string
	subs       []eventbus.Subscriber
	scheduled  []jobs.Scheduled
	health     *health // the health checks (health.go)
}

// Option customises New.
type Option func(*App)

// WithRoutes lets application code add its own routes (custom API routes);
// fn runs after the built-in routes are mounted.
func WithRoutes(fn func(a *App, mux *http.ServeMux)) Option {
	return func(a *App) { a.routes = append(a.routes, fn) }
}

// WithSubscriber registers an event subscriber (Medusa's subscribers): its
// handler gets each event and a container scope, and may run workflows.
func WithSubscriber(s eventbus.Subscriber) Option {
	return func(a *App) { a.subs = append(a.subs, s) }
}

// WithScheduledJob registers a scheduled job (Medusa's scheduled jobs):
// with several instances on one database each tick runs once.
func WithScheduledJob(s jobs.Scheduled) Option {
	return func(a *App) { a.scheduled = append(a.scheduled, s) }
}

// WithGetenv sets how the application reads optional settings such as
// SMTP_ADDR (default os.Getenv).
func WithGetenv(fn func(string) string) Option { return func(a *App) { a.getenv = fn } }

// WithLogger sets the application logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *App) { a.Logger = l } }

// Migrations lists the migration sources of every built-in module, in the
// order they must be applied.
func Migrations() []migrate.Source {
	return moduleMigrations()
}

// New assembles the application on an open pool. It does not migrate; run
// migrate.New(pool, Migrations()...).Up first (the CLI does).
func New(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, opts ...Option) (*App, error) {
	a := &App{Config: cfg, Pool: pool, Container: container.New(), Logger: slog.Default(), mux: http.NewServeMux(), getenv: os.Getenv}
	for _, o := range opts {
		o(a)
	}
	if err := errors.Join(
		container.Register(a.Container, KeyPool, pool),
		container.Register(a.Container, KeyConfig, cfg),
		container.Register(a.Container, KeyLogger, a.Logger),
	); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	if err := registerModules(ctx, a); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	a.mountHealth() // GET /health (readiness), /health/ready, /health/live: health.go
	// A worker instance (--worker-mode worker) runs background work only: it
	// answers /health and nothing else.
	if cfg.WorkerMode != "worker" {
		if err := mountRoutes(a, a.mux); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		for _, fn := range a.routes {
			fn(a, a.mux)
		}
	}
	// Unknown routes answer Medusa's JSON error, unless the application
	// claimed "/" itself.
	if probe, err := http.NewRequest(http.MethodGet, "/", nil); err == nil {
		if _, pattern := a.mux.Handler(probe); pattern != "/" {
			a.mux.HandleFunc("/", httpx.NotFound)
		}
	}
	return a, nil
}

// Handler returns the application's HTTP handler.
func (a *App) Handler() http.Handler { return wrap(a, http.HandlerFunc(a.route)) }

// route dispatches to the mux. A path whose routes exist for other methods
// only (POST /admin/users, say) gets Medusa's JSON 404, not the mux's plain
// 405: Express answers unknown method and path pairs with 404, and Medusa's
// clients expect its error shape.
func (a *App) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern == "" {
		httpx.NotFound(w, r)
		return
	}
	a.mux.ServeHTTP(w, r) // (Handler sets no path values; ServeHTTP does)
}

// Serve listens on addr and serves until ctx ends, then shuts down
// gracefully (readiness turns "not ready", in-flight requests get up to
// MEDUSA_SHUTDOWN_TIMEOUT) and stops the container (limits.go).
// ready, if not nil, is called with the bound address once listening.
func (a *App) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	if err := a.Container.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = a.Container.Stop(context.WithoutCancel(ctx))
		return fmt.Errorf("app: listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnContext:       httpx.ConnContext, // with OneWriteListener: a list answers with one write
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httpx.OneWriteListener(a.limitConns(ln))) }() // MEDUSA_MAX_CONNECTIONS (limits.go)
	select {
	case err := <-errc:
		_ = a.Container.Stop(context.WithoutCancel(ctx))
		return fmt.Errorf("app: serve: %w", err)
	case <-ctx.Done():
	}
	a.drain() // not ready from now on; MEDUSA_SHUTDOWN_DELAY (limits.go)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout())
	defer cancel()
	shutdownErr := a.shutdownHTTP(sctx, srv)
	stopErr := a.stopContainer(ctx)
	return errors.Join(shutdownErr, stopErr)
}
