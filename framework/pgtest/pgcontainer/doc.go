// Package pgcontainer lets the test harness (framework/pgtest) run
// PostgreSQL in a Docker container with testcontainers-go, on a machine that
// has neither $TEST_DATABASE_URL nor the local Postgres binaries.
//
// It is opt-in: importing it, for its side effect, installs the fallback
// (pgtest.SetFallback) from its init function. A test package asks for it
// with a blank import in any of its _test.go files:
//
//	import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
//
// pgtest does not import this package, so tests that do not ask for Docker
// never link testcontainers-go or Docker's client, and an application whose
// tests use pgtest needs neither in its go.mod nor its go.sum. An
// application's test packages, generated modules included, do not import it
// unless their author adds the import.
//
// Within medusa-go only the tests of e2e and cmd/medusa-go import it: go mod
// tidy keeps checksums for the test imports of every package an application
// uses, so the import in, say, framework/migrate's tests would add some
// fifty Docker modules to every application's go.sum. The other packages'
// tests use Docker through $TEST_DATABASE_URL (see the README).
//
// The container runs Image with fsync off, as the local throwaway server
// does, and is terminated when pgtest.Main ends the run. Without a
// reachable Docker engine Start fails within seconds with an error wrapping
// ErrNoEngine, which the harness reports next to the other two ways it
// tried.
package pgcontainer
