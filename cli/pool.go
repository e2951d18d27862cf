package cli

import (
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// serverMaxConns is the connection pool size of dev and start when
// DATABASE_URL does not set pool_max_conns. pgx's default, max(4, CPUs),
// leaves a 2-core server 3 connections for requests once the job engine's
// listener holds one, and a request that runs a workflow holds one through
// each commit: with 10 concurrent POST /admin/invites that pool halved the
// throughput (docs/perf/api.md).
const serverMaxConns = 16

// poolSize sets the pool size of the server unless rawURL sets
// pool_max_conns itself.
func poolSize(rawURL string) func(*pgxpool.Config) {
	return func(c *pgxpool.Config) {
		if hasPoolMaxConns(rawURL) {
			return
		}
		c.MaxConns = max(c.MaxConns, serverMaxConns)
	}
}

// hasPoolMaxConns reports whether a postgres:// URL or a key=value
// connection string sets pool_max_conns.
func hasPoolMaxConns(rawURL string) bool {
	if u, err := url.Parse(rawURL); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		return u.Query().Has("pool_max_conns")
	}
	for _, f := range strings.Fields(rawURL) {
		if strings.HasPrefix(f, "pool_max_conns=") {
			return true
		}
	}
	return false
}
