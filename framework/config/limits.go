package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limits are the server's answers to overload, a slow database and shutdown
// (docs/reliability.md). Every one is read from an environment variable;
// the defaults suit the built-in modules on a small machine.
type Limits struct {
	// RequestTimeout is the deadline of each request (MEDUSA_REQUEST_TIMEOUT,
	// default 15s): its database calls and workflow steps stop when it
	// passes and the client gets 503 timeout.
	RequestTimeout time.Duration
	// StatementTimeout is Postgres's statement_timeout on the server's pool
	// (MEDUSA_STATEMENT_TIMEOUT, default 10s; a statement_timeout in
	// DATABASE_URL wins). Migrations are not bound by it.
	StatementTimeout time.Duration
	// PoolWait bounds the wait for a free database connection
	// (MEDUSA_POOL_WAIT, default 1s); then the request fails with 503.
	PoolWait time.Duration
	// MaxInFlight is how many requests are handled at once
	// (MEDUSA_MAX_IN_FLIGHT: a number, 0 for no limit, or "auto", the
	// default: as many as the database pool has connections, since nearly
	// every request holds one); MaxWaiting how many more may wait for a
	// place (MEDUSA_MAX_WAITING, default 128; 0: none), each at most
	// MaxWait (MEDUSA_MAX_WAIT, default 500ms; 0: until its deadline).
	// Requests beyond them get a fast 503 overloaded. The health checks are
	// exempt.
	MaxInFlight int
	MaxWaiting  int
	MaxWait     time.Duration
	// MaxConnections bounds the client connections open at once
	// (MEDUSA_MAX_CONNECTIONS, default 256; 0: no limit): each costs memory
	// even idle (a goroutine's stack, buffers), and past the process's
	// memory limit the garbage collector takes the CPU. One more is
	// answered 503 overloaded and closed.
	MaxConnections int
	// ShutdownTimeout is how long in-flight requests, workflow runs and
	// jobs get to finish on SIGTERM (MEDUSA_SHUTDOWN_TIMEOUT, default 10s).
	ShutdownTimeout time.Duration
	// ShutdownDelay is how long the server keeps serving, answering its
	// readiness check "not ready", between SIGTERM and closing its listener,
	// so that a load balancer stops sending it requests first
	// (MEDUSA_SHUTDOWN_DELAY, default 0).
	ShutdownDelay time.Duration
	// ListCountLimit bounds the count of the admin list routes
	// (MEDUSA_LIST_COUNT_LIMIT, default 10000; 0: always exact): up to it
	// a list counts its matching rows exactly, as Medusa does; past it the
	// count is the planner's estimate and the response says
	// "count_estimated": true. Counting every match costs a scan of them
	// all on each request (65 ms for a million rows); the bound caps it
	// (docs/modgen.md, "Lists at scale").
	ListCountLimit int
	// Lease is how long an instance's workflow runs and direct event
	// deliveries stay its own without a sign of life (MEDUSA_LEASE, default
	// 30s): when it dies, another instance takes them over after this long.
	// Shorter means faster takeover and more heartbeat writes.
	Lease time.Duration
}

// AutoInFlight is the MaxInFlight that means "as many requests as the
// database pool has connections" (MEDUSA_MAX_IN_FLIGHT=auto).
const AutoInFlight = -1

// DefaultLimits are the Limits when no variable is set.
var DefaultLimits = Limits{
	RequestTimeout:   15 * time.Second,
	StatementTimeout: 10 * time.Second,
	PoolWait:         time.Second,
	MaxInFlight:      AutoInFlight,
	MaxWaiting:       128,
	MaxWait:          500 * time.Millisecond,
	MaxConnections:   256,
	ShutdownTimeout:  10 * time.Second,
	ShutdownDelay:    0,
	ListCountLimit:   10_000,
	Lease:            30 * time.Second,
}

// LimitsFromEnv reads the Limits from their environment variables (see the
// fields), each defaulting to DefaultLimits. A duration is Go's ("1.5s",
// "500ms") or a number of seconds; "0" turns a limit off (ShutdownTimeout
// and Lease excepted, which must be positive). A malformed value is an
// error naming the variable.
func LimitsFromEnv(getenv func(string) string) (Limits, error) {
	return limitsOver(DefaultLimits, getenv)
}

// limitsOver is LimitsFromEnv over base instead of DefaultLimits: an
// application's own Limits, overridden by the variables that are set.
func limitsOver(base Limits, getenv func(string) string) (Limits, error) {
	l := base
	var errs []error
	dur := func(name string, dst *time.Duration, zeroOK bool) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		d, err := parseLimitDuration(v)
		if err == nil && d == 0 && !zeroOK {
			err = errors.New("must be more than 0")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("config: %s=%q: %v", name, v, err))
			return
		}
		*dst = d
	}
	count := func(name string, dst *int, zeroOK bool) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || (n == 0 && !zeroOK) {
			want := "a whole number above 0"
			if zeroOK {
				want = "a whole number, 0 or more"
			}
			errs = append(errs, fmt.Errorf("config: %s=%q: want %s", name, v, want))
			return
		}
		*dst = n
	}
	dur("MEDUSA_REQUEST_TIMEOUT", &l.RequestTimeout, true)
	dur("MEDUSA_STATEMENT_TIMEOUT", &l.StatementTimeout, true)
	dur("MEDUSA_POOL_WAIT", &l.PoolWait, true)
	if v := strings.TrimSpace(getenv("MEDUSA_MAX_IN_FLIGHT")); v == "auto" {
		l.MaxInFlight = AutoInFlight
	} else {
		count("MEDUSA_MAX_IN_FLIGHT", &l.MaxInFlight, true)
	}
	count("MEDUSA_MAX_WAITING", &l.MaxWaiting, true)
	dur("MEDUSA_MAX_WAIT", &l.MaxWait, true)
	count("MEDUSA_MAX_CONNECTIONS", &l.MaxConnections, true)
	dur("MEDUSA_SHUTDOWN_TIMEOUT", &l.ShutdownTimeout, false)
	dur("MEDUSA_SHUTDOWN_DELAY", &l.ShutdownDelay, true)
	dur("MEDUSA_LEASE", &l.Lease, false)
	count("MEDUSA_LIST_COUNT_LIMIT", &l.ListCountLimit, true)
	return l, errors.Join(errs...)
}

func parseLimitDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n < 0 {
			return 0, errors.New("must not be negative")
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, errors.New("want a duration such as 500ms, 2s or 1m, or a number of seconds")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}
