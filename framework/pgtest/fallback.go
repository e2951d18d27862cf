package pgtest

import (
	"context"
	"errors"
	"sync/atomic"
)

// Fallback is the harness's last way to get a server, tried when
// $TEST_DATABASE_URL is unset and no local Postgres binaries are found.
// Package framework/pgtest/pgcontainer provides one that runs Postgres in a
// Docker container with testcontainers-go; pgtest does not import it, so a
// test binary links Docker's client only when it asks for it.
type Fallback struct {
	// Name says what the fallback does, for the harness's error message
	// ("testcontainers-go with a Docker engine").
	Name string
	// Start starts a server and returns the superuser URL of its
	// maintenance database "postgres" and a function that stops the server
	// (called by Shutdown). The server must accept CREATE DATABASE …
	// TEMPLATE … STRATEGY FILE_COPY (PostgreSQL 15 or later).
	Start func(ctx context.Context) (adminURL string, stop func(context.Context) error, err error)
}

var fallback atomic.Pointer[Fallback]

// SetFallback installs f as the third way to get a server (replacing any
// earlier one). Call it before the first test asks for a server: from an
// init function, as package pgcontainer does, or from TestMain. A test
// package opts into Docker with a blank import in one of its test files:
//
//	import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
func SetFallback(f Fallback) {
	fallback.Store(&f)
}

// noFallbackHint is what the harness's error says about the third way when
// no fallback is installed.
const noFallbackHint = `not linked into this test binary; to let this package's tests use Docker, add ` +
	`import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer" to one of its _test.go files, ` +
	`or start Postgres in Docker yourself and set ` + EnvURL

// startFallback runs the installed fallback. name is what it is called in
// the error message.
func startFallback(ctx context.Context) (s *server, name string, err error) {
	f := fallback.Load()
	if f == nil || f.Start == nil {
		return nil, "a Docker container (framework/pgtest/pgcontainer)", errors.New(noFallbackHint)
	}
	name = f.Name
	if name == "" {
		name = "the installed fallback"
	}
	u, stop, err := f.Start(ctx)
	if err != nil {
		return nil, name, err
	}
	if u == "" {
		if stop != nil {
			err = stop(ctx)
		}
		return nil, name, errors.Join(errors.New("it returned no URL"), err)
	}
	return &server{adminURL: u, kind: "fallback", stop: stop}, name, nil
}
