// Package faults holds the fault tests of medusa-go: they break things on
// purpose, on real processes, and check what the server promised.
//
// Each test builds the medusa-go binary, starts a Postgres server of its own
// from the local binaries (framework/pgembed, on a unix socket; never the
// machine's server nor the shared test harness's, since the tests restart
// and kill it), runs `medusa-go start` against it as a child process, drives
// it with a bounded loop of POST /admin/invites from a Go HTTP client on
// loopback, breaks something mid-load — Postgres restarted (fast shutdown)
// or killed (SIGKILL of its whole process group), the pool exhausted and
// the database slowed down (a pg_sleep trigger), the server sent SIGTERM or
// SIGKILL — and then asserts on the database: every 2xx answer is durable,
// no invite exists twice, every failed request was a 503, the event outbox
// drained and every invite's e-mail was delivered, and no workflow run is
// left unfinished once recovery ran.
//
// The benchmarks (go test -bench . ./e2e/faults) measure the same faults:
// the failed requests and the time to recover around a Postgres restart,
// the p99 and memory of the answered requests at twice the sustainable
// invite rate, and the shutdown time under load (docs/performance.md,
// docs/reliability.md).
package faults
