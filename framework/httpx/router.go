package httpx

import (
	"net/http"
	"strings"
	"sync"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// Router is a thin layer over http.ServeMux (Go 1.22 patterns such as
// "GET /admin/users/{id}"): middleware for all routes, per-route and
// per-group middleware, and a Medusa-shaped JSON 404 for unmatched requests
// (including a known path with another method, as Express answers).
type Router struct {
	mux    *http.ServeMux
	mw     []Middleware // applied around the mux, to every request
	prefix string
	group  []Middleware // applied to routes registered through this group
	root   *Router
	once   sync.Once
	hasAll bool // a "/" catch-all was registered by the application
	h      http.Handler
}

// NewRouter returns a router whose middleware mw (outermost first) wraps
// every request, matched or not.
func NewRouter(mw ...Middleware) *Router {
	r := &Router{mux: http.NewServeMux(), mw: mw}
	r.root = r
	return r
}

// Group returns a router registering on the same mux, under prefix (which
// must start with "/" and not end with one, e.g. "/admin"), wrapping its
// routes in mw after the parent group's middleware.
func (r *Router) Group(prefix string, mw ...Middleware) *Router {
	g := &Router{mux: r.mux, prefix: r.prefix + prefix, root: r.root}
	g.group = append(append([]Middleware{}, r.group...), mw...)
	return g
}

// Handle registers h for pattern ("[METHOD ][HOST]/path"), wrapped in the
// group's middleware and then mw. It panics, like http.ServeMux, on an
// invalid or conflicting pattern: routes are wired at start-up.
func (r *Router) Handle(pattern string, h http.Handler, mw ...Middleware) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	path = r.prefix + path
	if path == "/" {
		r.root.hasAll = true
	}
	if method != "" {
		path = method + " " + path
	}
	all := append(append([]Middleware{}, r.group...), mw...)
	r.mux.Handle(path, Chain(h, all...))
}

// HandleFunc is Handle for a function.
func (r *Router) HandleFunc(pattern string, fn http.HandlerFunc, mw ...Middleware) {
	r.Handle(pattern, fn, mw...)
}

// ServeHTTP implements http.Handler.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	root := r.root
	root.once.Do(func() {
		if !root.hasAll {
			root.mux.HandleFunc("/", NotFound)
		}
		root.h = Chain(root.mux, root.mw...)
	})
	root.h.ServeHTTP(w, req)
}

// NotFound answers 404 with Medusa's error shape.
func NotFound(w http.ResponseWriter, r *http.Request) {
	WriteError(w, r, merrors.New(merrors.NotFound, "Cannot %s %s", r.Method, r.URL.Path))
}
