package module

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
)

// Router is what a module's Routes (and the application's) registers HTTP
// routes on. Patterns are net/http's ("GET /admin/blogs/{id}").
//
// Each route gets its namespace's default protection unless it says
// otherwise: /admin and /admin/... require a user authenticated by cookie
// session, bearer token or secret API key (401 {"message":"Unauthorized"}
// otherwise); /store and /store/... read a customer's session or bearer
// token when present and require none; /auth and every other path are
// public. Public() opts a route out; Authenticate(...) replaces the check.
type Router struct {
	table   *Routes
	module  string
	options any
}

// RouteOption changes how one route is protected or wrapped.
type RouteOption func(*routeOpts)

type routeOpts struct {
	public bool
	auth   *authSpec
	mw     []httpx.Middleware
}

type authSpec struct {
	actors, types []string
	opts          httpauth.AuthOptions
}

// Public opts a route out of its namespace's default authentication
// (Medusa's AUTHENTICATE = false): anyone may call it.
func Public() RouteOption { return func(o *routeOpts) { o.public = true } }

// Authenticate replaces the namespace's default authentication of a route:
// actorTypes ("user", "customer", "*") and authTypes (httpauth.AuthSession,
// httpauth.AuthBearer, httpauth.AuthAPIKey), with opts (AllowUnauthenticated,
// AllowUnregistered).
func Authenticate(actorTypes, authTypes []string, opts httpauth.AuthOptions) RouteOption {
	return func(o *routeOpts) { o.auth = &authSpec{actors: actorTypes, types: authTypes, opts: opts} }
}

// Use wraps a route in middleware mw (outermost first), inside its
// authentication.
func Use(mw ...httpx.Middleware) RouteOption {
	return func(o *routeOpts) { o.mw = append(o.mw, mw...) }
}

// Handle registers h for pattern. A later registration of the same pattern
// replaces an earlier one (an application overriding a built-in route).
func (r *Router) Handle(pattern string, h http.Handler, opts ...RouteOption) {
	var o routeOpts
	for _, fn := range opts {
		fn(&o)
	}
	r.table.add(r.module, pattern, h, o)
}

// HandleFunc is Handle for a function.
func (r *Router) HandleFunc(pattern string, fn http.HandlerFunc, opts ...RouteOption) {
	r.Handle(pattern, fn, opts...)
}

// Container returns the application's root container (handlers normally
// resolve from the request's scope, httpx.Scope(r)).
func (r *Router) Container() *container.Container { return r.table.container }

// Auth returns the application's token and session issuer (nil when the
// application registers none).
func (r *Router) Auth() *httpauth.Auth { return r.table.auth }

// Module returns the name of the module whose routes are being registered.
func (r *Router) Module() string { return r.module }

// Options returns that module's decoded options (see Host.Options).
func (r *Router) Options() any { return r.options }

// Routes collects the routes of every module of an application and mounts
// them on a mux.
type Routes struct {
	container *container.Container
	auth      *httpauth.Auth
	order     []string
	byKey     map[string]*routeEntry
	errs      []error
}

type routeEntry struct {
	module, pattern string
	h               http.Handler
	opts            routeOpts
}

// RouteInfo describes one mounted route.
type RouteInfo struct {
	Module  string
	Pattern string
	// Auth is how the route is protected: "user" (the /admin default),
	// "customer?" (the /store default, optional), "public", or "custom".
	Auth string
}

// NewRoutes returns an empty route table for an application whose handlers
// resolve from c and whose routes authenticate with auth (nil: routes that
// need authentication fail to mount).
func NewRoutes(c *container.Container, auth *httpauth.Auth) *Routes {
	return &Routes{container: c, auth: auth, byKey: map[string]*routeEntry{}}
}

// For returns the router module registers its routes on; options are its
// decoded options.
func (t *Routes) For(module string, options any) *Router {
	return &Router{table: t, module: module, options: options}
}

func routeKey(pattern string) string {
	method, path, ok := strings.Cut(strings.TrimSpace(pattern), " ")
	if !ok {
		return strings.TrimSpace(pattern)
	}
	return strings.ToUpper(method) + " " + strings.TrimSpace(path)
}

func (t *Routes) add(module, pattern string, h http.Handler, o routeOpts) {
	if h == nil {
		t.errs = append(t.errs, fmt.Errorf("module %s: route %q has no handler", module, pattern))
		return
	}
	k := routeKey(pattern)
	if _, ok := t.byKey[k]; !ok {
		t.order = append(t.order, k)
	}
	t.byKey[k] = &routeEntry{module: module, pattern: k, h: h, opts: o}
}

func routePath(pattern string) string {
	_, path, ok := strings.Cut(pattern, " ")
	if !ok {
		path = pattern
	}
	if i := strings.IndexByte(path, '/'); i > 0 { // a host before the path
		path = path[i:]
	}
	return path
}

func inNamespace(path, ns string) bool { return path == ns || strings.HasPrefix(path, ns+"/") }

// protection returns the authentication a route gets and how to describe it.
func (e *routeEntry) protection() (*authSpec, string) {
	switch {
	case e.opts.auth != nil:
		return e.opts.auth, "custom"
	case e.opts.public:
		return nil, "public"
	}
	path := routePath(e.pattern)
	switch {
	case inNamespace(path, "/admin"):
		return &authSpec{actors: []string{"user"}, types: []string{httpauth.AuthSession, httpauth.AuthBearer, httpauth.AuthAPIKey}}, "user"
	case inNamespace(path, "/store"):
		return &authSpec{actors: []string{"customer"}, types: []string{httpauth.AuthSession, httpauth.AuthBearer}, opts: httpauth.AuthOptions{AllowUnauthenticated: true}}, "customer?"
	}
	return nil, "public"
}

// Info lists the registered routes in registration order.
func (t *Routes) Info() []RouteInfo {
	out := make([]RouteInfo, 0, len(t.order))
	for _, k := range t.order {
		e := t.byKey[k]
		_, how := e.protection()
		out = append(out, RouteInfo{Module: e.module, Pattern: e.pattern, Auth: how})
	}
	return out
}

// Mount registers every route on mux, each wrapped in its authentication
// and middleware. It reports routes without a handler, routes that need
// authentication when there is no issuer, and patterns that conflict.
func (t *Routes) Mount(mux *http.ServeMux) error {
	errs := append([]error{}, t.errs...)
	for _, k := range t.order {
		e := t.byKey[k]
		h := httpx.Chain(e.h, e.opts.mw...)
		if spec, _ := e.protection(); spec != nil {
			if t.auth == nil {
				errs = append(errs, fmt.Errorf("module %s: route %q needs authentication but the application has no HTTP auth", e.module, e.pattern))
				continue
			}
			h = t.auth.Authenticate(spec.actors, spec.types, spec.opts)(h)
		}
		if err := handle(mux, e.pattern, h); err != nil {
			errs = append(errs, fmt.Errorf("module %s: %w", e.module, err))
		}
	}
	return errors.Join(errs...)
}

// handle is mux.Handle with its panic on a bad or conflicting pattern
// turned into an error.
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("route %q: %v", pattern, p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}
