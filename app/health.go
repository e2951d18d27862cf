package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The health checks, for load balancers and orchestrators:
//
//	GET /health, GET /health/ready  readiness: 200 "OK" while the database
//	                                answers and the server is not stopping,
//	                                else 503 with the reason (Retry-After)
//	GET /health/live                liveness: 200 "OK" while the process
//	                                serves HTTP, whatever the database does
//
// Medusa's GET /health answers 200 "OK"; medusa-go's does too while it can
// serve, and tells "not ready" when it cannot, so that a load balancer sends
// requests elsewhere while Postgres restarts or the server shuts down. The
// liveness check is what should restart a process: a database outage is no
// reason to.
const (
	healthPath = "/health"
	readyPath  = "/health/ready"
	livePath   = "/health/live"
)

// healthTTL is how long a readiness answer is reused: probes from several
// load balancers cost at most four database round trips a second, and the
// answer follows an outage within a quarter of a second.
const healthTTL = 250 * time.Millisecond

// healthTimeout bounds one database check.
const healthTimeout = time.Second

var errStopping = errors.New("shutting down")

// health checks the database on a connection of its own (not the pool's:
// a pool busy with requests is not a database that is down) and knows when
// the server is stopping.
type health struct {
	cfg      *pgx.ConnConfig
	log      *slog.Logger
	stopping atomic.Bool

	mu   sync.Mutex // serialises checks
	conn *pgx.Conn
	at   time.Time
	err  error
	down bool // the last check failed (logged once per outage)
}

// mountHealth registers the health routes and closes the health check's
// connection when the application stops.
func (a *App) mountHealth() {
	h := &health{log: a.Logger}
	if a.Pool != nil {
		h.cfg = a.Pool.Config().ConnConfig
	}
	a.health = h
	a.mux.HandleFunc("GET "+healthPath, h.serveReady)
	a.mux.HandleFunc("GET "+readyPath, h.serveReady)
	a.mux.HandleFunc("GET "+livePath, func(w http.ResponseWriter, r *http.Request) { writeHealth(w, http.StatusOK, "OK") })
	a.Container.OnLifecycle("health", func(context.Context) error { return nil }, h.close)
}

// isHealthCheck reports whether r is one of the health checks (they bypass
// the load limits).
func isHealthCheck(r *http.Request) bool {
	switch r.URL.Path {
	case healthPath, readyPath, livePath:
		return true
	}
	return false
}

func writeHealth(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (h *health) serveReady(w http.ResponseWriter, r *http.Request) {
	switch err := h.ready(r.Context()); {
	case err == nil:
		writeHealth(w, http.StatusOK, "OK")
	case errors.Is(err, errStopping):
		writeHealth(w, http.StatusServiceUnavailable, "not ready: shutting down")
	default:
		writeHealth(w, http.StatusServiceUnavailable, "not ready: database unavailable")
	}
}

// ready reports whether the server can serve: not stopping, and the
// database answered a check less than healthTTL ago.
func (h *health) ready(ctx context.Context) error {
	if h.stopping.Load() {
		return errStopping
	}
	if h.cfg == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.at.IsZero() && time.Since(h.at) < healthTTL {
		return h.err
	}
	h.err, h.at = h.check(ctx), time.Now()
	switch {
	case h.err != nil && !h.down:
		h.down = true
		h.log.WarnContext(ctx, "health: database unavailable; answering not ready", "err", h.err)
	case h.err == nil && h.down:
		h.down = false
		h.log.InfoContext(ctx, "health: database available again; answering ready")
	}
	return h.err
}

// check runs SELECT 1 on the check's connection, connecting it first when
// needed; a failed connection is dropped and opened again next time.
func (h *health) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), healthTimeout)
	defer cancel()
	if h.conn == nil || h.conn.IsClosed() {
		c, err := pgx.ConnectConfig(ctx, h.cfg.Copy())
		if err != nil {
			return err
		}
		h.conn = c
	}
	if _, err := h.conn.Exec(ctx, "SELECT 1"); err != nil {
		_ = h.conn.Close(context.WithoutCancel(ctx))
		h.conn = nil
		return err
	}
	return nil
}

func (h *health) close(ctx context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn != nil {
		_ = h.conn.Close(ctx)
		h.conn = nil
	}
	return nil
}
