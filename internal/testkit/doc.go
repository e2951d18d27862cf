// Package testkit holds the test helpers medusa-go's packages share, so
// that each is written once: framework/pgtest gives a test its database;
// testkit gives it the rest.
//
//   - Jobs, StartJobs, FastRiver and Logger: a job engine (framework/jobs)
//     that logs nothing (MEDUSA_TEST_LOG=1 shows its and River's logs), with
//     River tuned for tests on request, stopped when the test ends.
//   - Buffer: a bytes.Buffer safe for concurrent writers, the log sink of a
//     server or command whose goroutines write while the test reads.
//   - Child: the running test binary re-executed as a child process (for
//     crash, recovery and multi-instance tests), whose TestMain takes the
//     child's part when it sees the environment the parent set.
//
// It is internal: applications test with framework/pgtest and app/apptest.
package testkit
