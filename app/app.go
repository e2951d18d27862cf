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
	"github.com/medusa-go/medusa/framework/entity"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/migrate"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/query"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Well-known container keys of the application (Medusa's
// ContainerRegistrationKeys).
var (
	KeyPool   = container.NewKey[*pgxpool.Pool]("__pg_connection__")
	KeyConfig = config.Key
	KeyLogger = container.NewKey[*slog.Logger]("logger")
)

// MaxBodyBytes bounds request bodies (Medusa's default JSON limit is 100 kB).
const MaxBodyBytes = 100 << 10

// Config is an application, Medusa's medusa-config as a Go value: the
// modules it adds to the built-in ones (with their options), its own routes,
// subscribers, scheduled jobs and workflows, and its settings. The CLI
// (package cli) runs it: cli.Main(cfg).
type Config struct {
	// Name names the application; its own routes, subscribers, jobs and
	// workflows form a module of that name (default "app").
	Name string
	// Modules are the application's modules, after the framework's parts
	// (CoreModules) and the built-in modules (BuiltinModules). A module
	// whose name is already listed replaces the earlier one (configure a
	// built-in with modules.User.With(...)); module.Disable removes one.
	Modules []module.Module
	// Routes registers the application's own HTTP routes (its api/).
	Routes func(r *module.Router) error
	// Subscribers are the application's event subscribers.
	Subscribers []eventbus.Subscriber
	// Jobs are the application's scheduled jobs.
	Jobs []jobs.Scheduled
	// Workflows are the application's workflows (registered so that
	// recovery resumes their interrupted runs).
	Workflows []workflows.Definition
	// Links are the application's module links (Medusa's src/links):
	// link.Define(link.Of(blog.PostEntity).List(), link.Of(user.UserEntity)).
	Links []*link.Definition
	// Settings are the application's settings; the CLI applies environment
	// variables over them (config.Load).
	Settings config.Config
}

// name returns the application's module name.
func (c Config) name() string {
	if c.Name == "" {
		return "app"
	}
	return c.Name
}

// AllModules returns every module of the application in registration
// order: CoreModules, BuiltinModules, c.Modules, then the application's own
// module (c.Name) holding c.Routes, c.Subscribers, c.Jobs and c.Workflows.
func (c Config) AllModules() ([]module.Module, error) {
	own := module.Module{Name: c.name(), Routes: c.Routes, Subscribers: c.Subscribers, Jobs: c.Jobs, Workflows: c.Workflows, Links: c.Links}
	mods, err := module.Compose(CoreModules(), BuiltinModules(), c.Modules)
	if err != nil {
		return nil, err
	}
	for _, m := range mods {
		if m.Name == own.Name {
			return nil, fmt.Errorf("app: the application's name %q is also a module's; choose another Name", own.Name)
		}
	}
	return append(mods, own), nil
}

// Migrations returns the migration sources of every module of c, in order.
func Migrations(c Config) ([]migrate.Source, error) {
	mods, err := c.AllModules()
	if err != nil {
		return nil, err
	}
	var out []migrate.Source
	for _, m := range mods {
		out = append(out, m.Migrations...)
	}
	return out, nil
}

// LinkRegistry checks the module links of every module of c against the
// modules' entities and returns their registry.
func LinkRegistry(c Config) (*link.Registry, error) {
	mods, err := c.AllModules()
	if err != nil {
		return nil, err
	}
	return linkRegistry(mods)
}

func linkRegistry(mods []module.Module) (*link.Registry, error) {
	var ents []*entity.Entity
	var defs []*link.Definition
	for _, m := range mods {
		ents = append(ents, m.Entities...)
		defs = append(defs, m.Links...)
	}
	reg, err := link.NewRegistry(ents, defs...)
	if err != nil {
		return nil, fmt.Errorf("app: module links: %w", err)
	}
	return reg, nil
}

// SyncLinks creates and changes the link tables of c's module links (Medusa's
// db:sync-links, which "db migrate" runs after the modules' migrations).
// Destructive changes are refused unless opts allow them.
func SyncLinks(ctx context.Context, c Config, pool *pgxpool.Pool, opts link.SyncOptions) ([]link.Action, error) {
	reg, err := LinkRegistry(c)
	if err != nil {
		return nil, err
	}
	return link.Sync(ctx, pool, reg, opts)
}

// App is an assembled medusa-go application: configuration, database pool,
// root container with every module registered, and the HTTP handler.
type App struct {
	Config    config.Config
	Pool      *pgxpool.Pool
	Container *container.Container
	Logger    *slog.Logger
	// Modules are the application's modules, in registration order.
	Modules []module.Module
	// Routes lists the mounted routes and how each is protected (empty in
	// worker mode).
	Routes []module.RouteInfo
	// Workflows is the workflow engine (registered as "workflows").
	Workflows *workflows.Engine
	// Jobs is the job engine (River) the bus, the scheduled jobs and the
	// workflow engine's wake-ups run on (registered as "jobs").
	Jobs *jobs.Engine
	// Auth verifies and issues API tokens and sessions (registered as
	// "http_auth").
	Auth *httpauth.Auth
	// Links is the registry of every module's entities and module links;
	// the link service ("link") and Query ("query") are registered on it.
	Links   *link.Registry
	OpenAPI []byte
	mux     *http.ServeMux
	getenv  func(string) string
	health  *health // the health checks (health.go)
}

// Option customises New.
type Option func(*App)

// WithGetenv sets how modules read optional settings such as SMTP_ADDR
// (default os.Getenv).
func WithGetenv(fn func(string) string) Option { return func(a *App) { a.getenv = fn } }

// WithLogger sets the application logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(a *App) { a.Logger = l } }

// New assembles the application cfg on an open pool with cfg.Settings as
// they are (the CLI has applied the environment). It does not migrate (the
// CLI does, with Migrations). Every module's options are decoded first, so
// a bad option fails before anything is registered, with an error naming
// the module and the option; then each module registers, in order, its
// services, subscribers, scheduled jobs and workflows, and, unless the
// instance is a worker, its routes.
func New(ctx context.Context, cfg Config, pool *pgxpool.Pool, opts ...Option) (*App, error) {
	a := &App{Config: cfg.Settings, Pool: pool, Container: container.New(), Logger: slog.Default(), mux: http.NewServeMux(), getenv: os.Getenv}
	for _, o := range opts {
		o(a)
	}
	mods, err := cfg.AllModules()
	if err != nil {
		return nil, err
	}
	a.Modules = mods
	options := make([]any, len(mods))
	for i, m := range mods {
		if options[i], err = m.DecodeOptions(); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
	}
	if err := errors.Join(
		container.Register(a.Container, KeyPool, pool),
		container.Register(a.Container, KeyConfig, cfg.Settings),
		container.Register(a.Container, KeyLogger, a.Logger),
	); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	// Module links and Query come before the modules: a generated service
	// reports its soft deletes, restores and deletes to the link service
	// registered in its container, in its own transaction.
	if a.Links, err = linkRegistry(mods); err != nil {
		return nil, err
	}
	if err := errors.Join(link.Register(a.Container, pool, a.Links), query.Register(a.Container, a.Links)); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	base := module.Host{Container: a.Container, Pool: pool, Settings: cfg.Settings, Logger: a.Logger, Getenv: a.getenv}
	added := make([]module.Module, len(mods))
	for i, m := range mods {
		if m.Register == nil {
			continue
		}
		if err := m.Register(ctx, module.NewHost(base, m, options[i], &added[i])); err != nil {
			return nil, fmt.Errorf("app: module %s: %w", m.Name, err)
		}
	}
	if err := a.wire(mods, added); err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	a.mountHealth() // GET /health (readiness), /health/ready, /health/live: health.go
	// A worker instance (--worker-mode worker) runs background work only: it
	// answers /health and nothing else.
	if cfg.Settings.WorkerMode != "worker" {
		if err := a.mountRoutes(cfg, mods, options); err != nil {
			return nil, fmt.Errorf("app: %w", err)
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

// wire subscribes every module's subscribers, schedules its jobs and
// registers its workflows (the static ones and those Register added).
func (a *App) wire(mods, added []module.Module) error {
	var err error
	if a.Container.Has(jobs.Key.Name()) {
		if a.Jobs, err = container.Resolve(a.Container, jobs.Key); err != nil {
			return err
		}
	}
	if a.Container.Has(workflows.EngineKey.Name()) {
		if a.Workflows, err = container.Resolve(a.Container, workflows.EngineKey); err != nil {
			return err
		}
	}
	if a.Container.Has(httpauth.AuthKey.Name()) {
		if a.Auth, err = container.Resolve(a.Container, httpauth.AuthKey); err != nil {
			return err
		}
	}
	var bus subscriber
	for i, m := range mods {
		subs := append(append([]eventbus.Subscriber{}, m.Subscribers...), added[i].Subscribers...)
		js := append(append([]jobs.Scheduled{}, m.Jobs...), added[i].Jobs...)
		wfs := append(append([]workflows.Definition{}, m.Workflows...), added[i].Workflows...)
		if len(subs) > 0 && bus == nil {
			if bus, err = requireBus(a.Container); err != nil {
				return fmt.Errorf("module %s has subscribers: %w", m.Name, err)
			}
		}
		for _, s := range subs {
			if err := bus.Subscribe(s); err != nil {
				return fmt.Errorf("module %s: %w", m.Name, err)
			}
		}
		if len(js) > 0 && a.Jobs == nil {
			return fmt.Errorf("module %s has scheduled jobs but the application has no job engine (%q)", m.Name, jobs.Key.Name())
		}
		for _, j := range js {
			if err := a.Jobs.Schedule(j); err != nil {
				return fmt.Errorf("module %s: %w", m.Name, err)
			}
		}
		if len(wfs) > 0 && a.Workflows == nil {
			return fmt.Errorf("module %s has workflows but the application has no workflow engine (%q)", m.Name, workflows.EngineKey.Name())
		}
		if len(wfs) > 0 {
			if err := a.Workflows.Register(wfs...); err != nil {
				return fmt.Errorf("module %s: %w", m.Name, err)
			}
		}
	}
	return nil
}

// OpenAPIPath is where the application serves the OpenAPI document of every
// module's routes (merged), to authenticated users.
const OpenAPIPath = "/admin/openapi.json"

// mountRoutes mounts the OpenAPI document and every module's routes, each
// with its namespace's protection.
func (a *App) mountRoutes(cfg Config, mods []module.Module, options []any) error {
	doc, err := module.MergeOpenAPI(cfg.name(), "1.0.0", mods)
	if err != nil {
		return err
	}
	a.OpenAPI = doc
	table := module.NewRoutes(a.Container, a.Auth)
	table.For(cfg.name(), nil).HandleFunc("GET "+OpenAPIPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	for i, m := range mods {
		if m.Routes == nil {
			continue
		}
		if err := m.Routes(table.For(m.Name, options[i])); err != nil {
			return fmt.Errorf("module %s: routes: %w", m.Name, err)
		}
	}
	if err := table.Mount(a.mux); err != nil {
		return err
	}
	a.Routes = table.Info()
	return nil
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

// wrap applies the global middleware: request id, access log, panic
// recovery, body limit, a container scope per request, and CORS for the
// route prefixes that have allowed origins (before routing, since preflight
// requests match no route).
func wrap(a *App, h http.Handler) http.Handler {
	var cors []httpx.Middleware
	for prefix, origins := range map[string][]string{"/admin": a.Config.AdminCORS, "/auth": a.Config.AuthCORS, "/store": a.Config.StoreCORS} {
		if len(origins) > 0 {
			cors = append(cors, httpx.ForPrefix(prefix, mw.CORS(origins...)))
		}
	}
	h = httpx.Chain(h, append(cors, csrfProtection(a.Auth, a.Config))...)
	return httpx.Chain(h,
		httpx.AssignRequestID(),
		httpx.AccessLog(a.Logger),
		httpx.Recover(),
		a.limits(), // request deadline and load shedding (limits.go)
		httpx.LimitBody(MaxBodyBytes),
		httpx.ScopePerRequest(a.Container),
	)
}
