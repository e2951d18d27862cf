package pgtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// noServerButFallback makes startServer reach the fallback: no
// $TEST_DATABASE_URL, and PG_BIN pointing at a directory without binaries
// (pgembed then looks no further). It restores the installed fallback after
// the test.
func noServerButFallback(t *testing.T) {
	t.Helper()
	old := fallback.Load()
	t.Cleanup(func() { fallback.Store(old) })
	t.Setenv(EnvURL, "")
	t.Setenv("PG_BIN", t.TempDir())
}

func TestFallbackServesWhenNothingElseDoes(t *testing.T) {
	// The fallback hands out the harness's own server: a real one, wherever
	// this run got it from.
	url := Server(t)
	noServerButFallback(t)
	var started, stopped int
	SetFallback(Fallback{Name: "the test's fallback", Start: func(ctx context.Context) (string, func(context.Context) error, error) {
		started++
		return url, func(context.Context) error { stopped++; return nil }, nil
	}})
	ctx := t.Context()
	s, err := startServer(ctx)
	if err != nil {
		t.Fatalf("startServer with a fallback installed: %v", err)
	}
	if started != 1 || s.adminURL != url || s.kind != "fallback" {
		t.Fatalf("fallback started %d times, server %q (%s); want once, %q (fallback)", started, s.adminURL, s.kind, url)
	}
	conn, err := pgx.Connect(ctx, s.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := conn.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("query the fallback's server: %d, %v", one, err)
	}
	conn.Close(ctx)
	if err := s.stop(ctx); err != nil || stopped != 1 {
		t.Fatalf("stop: %v, stopped %d times", err, stopped)
	}
}

func TestNoServerNamesWhatWasTried(t *testing.T) {
	noServerButFallback(t)
	fallback.Store(nil)
	_, err := startServer(t.Context())
	if err == nil {
		t.Fatal("startServer found a server with no URL, no binaries and no fallback")
	}
	msg := err.Error()
	for _, want := range []string{
		"1. " + EnvURL + ": not set",
		"2. local binaries: pgembed: PG_BIN=",
		"3. a Docker container (framework/pgtest/pgcontainer): not linked into this test binary",
		`import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer"`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestFallbackFailureIsReported(t *testing.T) {
	noServerButFallback(t)
	SetFallback(Fallback{Name: "Docker", Start: func(context.Context) (string, func(context.Context) error, error) {
		return "", nil, errors.New("engine not healthy")
	}})
	_, err := startServer(t.Context())
	if err == nil || !strings.Contains(err.Error(), "3. Docker: engine not healthy") {
		t.Fatalf("err = %v; want the fallback's name and error as the third way", err)
	}

	stopped := false
	SetFallback(Fallback{Name: "Docker", Start: func(context.Context) (string, func(context.Context) error, error) {
		return "", func(context.Context) error { stopped = true; return nil }, nil
	}})
	_, err = startServer(t.Context())
	if err == nil || !strings.Contains(err.Error(), "3. Docker: it returned no URL") || !stopped {
		t.Fatalf("err = %v, stopped = %v; want \"it returned no URL\" and the server stopped", err, stopped)
	}
}
