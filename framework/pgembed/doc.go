// Package pgembed runs a PostgreSQL server from the locally installed
// binaries (initdb and postgres from PATH, $PG_BIN or
// /usr/lib/postgresql/<version>/bin), for `medusa-go dev` (a persistent
// cluster in .medusa/postgres) and for the test harness (a throwaway cluster
// per test run, see framework/pgtest).
//
// Postgres refuses to run as root. When the process is root, pgembed runs
// initdb and postgres as the "postgres" OS user (os/exec with
// SysProcAttr.Credential) and chowns the directories it creates to that user;
// every parent directory must be enterable by it (t.TempDir() directories are
// not; use os.MkdirTemp). The server gets a parent-death signal, so it does
// not outlive a killed parent.
package pgembed
