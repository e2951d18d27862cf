package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// ConnectTimeout bounds opening a database connection when DATABASE_URL
// sets no connect_timeout: a database host that does not answer at all
// fails requests in this time instead of the operating system's minutes.
const ConnectTimeout = 5 * time.Second

// PoolLimits is the option of db.Open that applies l's database limits to
// the server's pool: Postgres's statement_timeout (MEDUSA_STATEMENT_TIMEOUT),
// a bounded wait for a free connection (MEDUSA_POOL_WAIT), and
// ConnectTimeout. Migrations run on the same pool are not bound by the
// statement timeout.
func PoolLimits(l config.Limits) func(*pgxpool.Config) {
	return db.WithLimits(db.Limits{StatementTimeout: l.StatementTimeout, AcquireTimeout: l.PoolWait, ConnectTimeout: ConnectTimeout})
}

// limits is the middleware that bounds the load the server takes on
// (a.Config.Limits): a deadline per request, at most MaxInFlight requests at
// once and MaxWaiting waiting, and a fast 503 for the rest. The health
// checks are exempt.
func (a *App) limits() httpx.Middleware {
	l := a.Config.Limits
	if l.MaxInFlight == config.AutoInFlight {
		l.MaxInFlight = 16
		if a.Pool != nil {
			l.MaxInFlight = int(a.Pool.Config().MaxConns)
		}
	}
	return mw.Overload(mw.OverloadConfig{
		MaxInFlight:    l.MaxInFlight,
		MaxWaiting:     l.MaxWaiting,
		MaxWait:        l.MaxWait,
		RequestTimeout: l.RequestTimeout,
		Exempt:         isHealthCheck,
	})
}

// shutdownTimeout is how long the in-flight requests get to finish, and
// then the background work (workflow runs, jobs), when the server stops.
func (a *App) shutdownTimeout() time.Duration {
	if t := a.Config.Limits.ShutdownTimeout; t > 0 {
		return t
	}
	return config.DefaultLimits.ShutdownTimeout
}

// drain is the first step of a graceful shutdown: the readiness check
// answers "not ready: shutting down" from now on, and the server keeps
// serving for MEDUSA_SHUTDOWN_DELAY so that load balancers stop sending it
// requests before its listener closes.
func (a *App) drain() {
	if a.health != nil {
		a.health.stopping.Store(true)
	}
	a.Logger.Info("shutting down: no longer ready", "delay", a.Config.Limits.ShutdownDelay, "timeout", a.shutdownTimeout())
	if d := a.Config.Limits.ShutdownDelay; d > 0 {
		time.Sleep(d)
	}
}

// shutdownHTTP stops accepting connections and waits for the requests in
// flight until ctx ends; those still running then have their connections
// closed (their workflow runs are recovered from their checkpoints). That
// is logged, not returned: the server stopped as configured.
func (a *App) shutdownHTTP(ctx context.Context, srv *http.Server) error {
	start := time.Now()
	err := srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		a.Logger.Warn("shutting down: requests still in flight after the shutdown timeout; closing their connections", "timeout", a.shutdownTimeout())
		return srv.Close()
	}
	if err == nil {
		a.Logger.Info("shutting down: requests finished", "took", time.Since(start).Round(time.Millisecond))
	}
	return err
}

// stopContainer stops the modules and the background work — the workflow
// engine waits for its runs, the job engine for its jobs — within a
// shutdown timeout of its own. Runs and jobs still going then are left to
// recovery (by this instance's next start, or by another instance once
// their lease expires); events stay in their durable outbox or job queue.
func (a *App) stopContainer(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.shutdownTimeout())
	defer cancel()
	return a.Container.Stop(sctx)
}

// lease is how long an instance's workflow runs and direct event
// deliveries stay its own without a sign of life (MEDUSA_LEASE, default
// WorkflowLease): after it, another instance takes them over.
func lease(cfg config.Config) time.Duration {
	if l := cfg.Limits.Lease; l > 0 {
		return l
	}
	return WorkflowLease
}

// limitConns bounds the connections ln serves at once
// (MEDUSA_MAX_CONNECTIONS): one more is answered 503 and closed.
func (a *App) limitConns(ln net.Listener) net.Listener {
	return httpx.LimitConnections(ln, a.Config.Limits.MaxConnections)
}
