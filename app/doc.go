// Package app assembles a medusa-go application: it registers the built-in
// modules in a root container, mounts their routes and the health checks
// (GET /health and /health/ready: readiness, /health/live: liveness),
// bounds the load it takes on (a request deadline, in-flight, waiting and
// connection limits, the pool's statement timeout and wait: the MEDUSA_*
// settings of config.Limits, PoolLimits) and serves HTTP with a graceful
// shutdown that turns readiness off first. The medusa-go CLI is built on it,
// and application code uses it to add custom routes:
//
//	a, err := app.New(ctx, cfg, pool, app.WithRoutes(func(a *app.App, mux *http.ServeMux) {
//		mux.HandleFunc("GET /hello", ...)
//	}))
package app
