// Package app assembles a medusa-go application: it registers the built-in
// modules in a root container, mounts their routes and the health check,
// and serves HTTP with graceful shutdown. The medusa-go CLI is built on it,
// and application code uses it to add custom routes:
//
//	a, err := app.New(ctx, cfg, pool, app.WithRoutes(func(a *app.App, mux *http.ServeMux) {
//		mux.HandleFunc("GET /hello", ...)
//	}))
package app
