package pgcontainer_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const childEnv = "PGCONTAINER_TEST_CHILD"

// TestHarnessFallsBackToDocker runs this test binary again with no
// $TEST_DATABASE_URL and no usable local binaries, so that pgtest's only way
// left is the fallback this package installed by being imported. With a
// Docker engine the child gets a container and queries it; without one it
// must fail naming this fallback and why (not "not linked").
func TestHarnessFallsBackToDocker(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		ctx := t.Context()
		conn, err := pgx.Connect(ctx, pgtest.Server(t))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var v string
		if err := conn.QueryRow(ctx, `SHOW server_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		t.Logf("container server %s", v)
		return
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHarnessFallsBackToDocker$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"=1", pgtest.EnvURL+"=", "PG_BIN="+t.TempDir())
	out, err := cmd.CombinedOutput()
	switch {
	case err == nil && strings.Contains(string(out), "container server"):
		t.Logf("Docker engine present; the harness ran its tests in a container:\n%s", out)
	case err != nil && strings.Contains(string(out), "3. "+pgcontainer.Name+": "+pgcontainer.ErrNoEngine.Error()):
		t.Logf("no Docker engine here; the harness said so:\n%s", out)
	default:
		t.Fatalf("child: %v; want a container server, or the harness naming %q with %q:\n%s", err, pgcontainer.Name, pgcontainer.ErrNoEngine, out)
	}
}

// TestStart checks Start's answer where no Docker engine
// runs: ErrNoEngine, within seconds. With an engine it starts a container,
// queries it and stops it.
func TestStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	u, stop, err := pgcontainer.Start(ctx)
	if errors.Is(err, pgcontainer.ErrNoEngine) {
		if d := time.Since(t0); d > 30*time.Second {
			t.Errorf("Start took %v to find out there is no engine", d)
		}
		t.Logf("no Docker engine: %v", err)
		return
	}
	if err != nil {
		t.Fatalf("Start with a Docker engine: %v", err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(errors.Join(err, stop(ctx)))
	}
	var one int
	qerr := conn.QueryRow(ctx, `SELECT 1`).Scan(&one)
	conn.Close(ctx)
	if err := errors.Join(qerr, stop(ctx)); err != nil || one != 1 {
		t.Fatalf("query the container: %d, %v", one, err)
	}
}
