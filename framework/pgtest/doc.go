// Package pgtest gives every test that touches data its own real Postgres
// database.
//
// The server, started once per test process on first use, is, in order:
//
//  1. the server at $TEST_DATABASE_URL (a superuser URL), when set;
//  2. a throwaway server started from the local binaries (PATH, $PG_BIN or
//     /usr/lib/postgresql/<version>/bin, see framework/pgembed) on a unix
//     socket, with fsync=off, in /dev/shm when it is a writable tmpfs (else
//     the temporary directory; $PGTEST_DIR overrides); as root it runs as the
//     "postgres" OS user; it is stopped by Main and killed with its parent
//     process (pdeathsig), so it never outlives the run;
//  3. the fallback installed with SetFallback, if any: importing package
//     framework/pgtest/pgcontainer (a blank import in a _test.go file)
//     installs one that runs Postgres in a Docker container with
//     testcontainers-go. pgtest itself does not link Docker's client.
//
// If none works, the test fails with a message naming all three.
//
// Each test gets a database cloned (CREATE DATABASE … TEMPLATE … STRATEGY
// FILE_COPY) from a template migrated once with the migration sources it
// names; the clone is dropped when the test passes and kept, with its URL
// logged, when it fails (PGTEST_KEEP=1 also keeps the throwaway server).
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		pool := pgtest.NewPool(t, migrate.Source{Module: "user", FS: migrations.FS})
//		...
//	}
//
// WireCounter, a pgx tracer, counts the round trips, statements and commits
// a client sends, for tests and benchmarks of what an operation costs.
package pgtest
