package db

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Limits bound what one caller can hold of the database, so that a slow or
// overloaded database makes requests fail fast instead of piling up.
type Limits struct {
	// StatementTimeout is Postgres's statement_timeout on the pool's
	// connections: a statement running longer is cancelled by the server
	// (SQLSTATE 57014). Zero leaves the server's setting; a
	// statement_timeout in the connection string wins.
	StatementTimeout time.Duration
	// AcquireTimeout bounds the wait for a free connection of the pool
	// (Acquire, and every Query, Exec and Begin on the pool): when every
	// connection stays busy that long, the call fails with
	// context.DeadlineExceeded. Zero: only the caller's context bounds it.
	AcquireTimeout time.Duration
	// ConnectTimeout bounds opening a new connection (when the database
	// host does not answer at all). Zero leaves the connection string's
	// connect_timeout, or none.
	ConnectTimeout time.Duration
}

// WithLimits is an option of Open (a pool configuration function) that
// applies l.
func WithLimits(l Limits) func(*pgxpool.Config) {
	return func(c *pgxpool.Config) {
		if l.StatementTimeout > 0 {
			if _, set := c.ConnConfig.RuntimeParams["statement_timeout"]; !set {
				c.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(l.StatementTimeout.Milliseconds(), 10)
			}
		}
		if l.ConnectTimeout > 0 && c.ConnConfig.ConnectTimeout == 0 {
			c.ConnConfig.ConnectTimeout = l.ConnectTimeout
		}
		if l.AcquireTimeout > 0 {
			bound := acquireBound{wait: l.AcquireTimeout}
			if c.ConnConfig.Tracer == nil {
				c.ConnConfig.Tracer = bound
			} else {
				c.ConnConfig.Tracer = multitracer.New(c.ConnConfig.Tracer, bound)
			}
		}
	}
}

// acquireBound puts a deadline on the pool's Acquire through pgxpool's
// AcquireTracer hook (the context TraceAcquireStart returns is the one the
// acquisition waits with). Its query hooks do nothing.
type acquireBound struct{ wait time.Duration }

type acquireCancelKey struct{}

func (b acquireBound) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	ctx, cancel := context.WithTimeout(ctx, b.wait)
	return context.WithValue(ctx, acquireCancelKey{}, cancel)
}

func (acquireBound) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireEndData) {
	if cancel, ok := ctx.Value(acquireCancelKey{}).(context.CancelFunc); ok {
		cancel()
	}
}

func (acquireBound) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (acquireBound) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
