// Package app assembles a medusa-go application from its Config (Medusa's
// medusa-config as a Go value): the framework's own parts (CoreModules), the
// built-in modules (BuiltinModules), the application's modules with their
// options, and its own routes, subscribers, scheduled jobs and workflows.
// New registers every module in order in a root container, mounts the
// routes (each with its namespace's protection) and the health checks
// (GET /health and /health/ready: readiness, /health/live: liveness),
// bounds the load it takes on (a request deadline, in-flight, waiting and
// connection limits, the pool's statement timeout and wait: the MEDUSA_*
// settings of config.Limits, PoolLimits), and Serve serves HTTP with a
// graceful shutdown that turns readiness off first. The CLI (package cli) runs a
// Config; tests build one with package app/apptest.
//
//	cfg := app.Config{
//		Name:    "shop",
//		Modules: []module.Module{modules.User.With(user.Options{ValidDuration: 72 * time.Hour})},
//		Routes: func(r *module.Router) error {
//			r.HandleFunc("GET /store/hello", hello) // /admin routes require a user unless module.Public()
//			return nil
//		},
//	}
//	cli.Main(cfg)
package app
