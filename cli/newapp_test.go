package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/medusa-go/medusa/framework/pgtest"
)

// TestNewApp runs testdata/app/*.txtar from an empty directory outside the
// repository, offline (GOPROXY=off: everything comes from the module and
// build caches): medusa-go new app, then the application's own commands, as
// a new user would type them. Each script gets an empty database of its
// own ($DATABASE_URL) and a free port ($PORT).
func TestNewApp(t *testing.T) {
	if testing.Short() {
		t.Skip("creates, builds, tests and serves a new application")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	warmModuleCache(t, root)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/app",
		Setup: func(env *testscript.Env) error {
			offlineGoEnv(env)
			env.Setenv("GOFLAGS", "-mod=mod")
			env.Setenv("MEDUSA", root)
			env.Setenv("DATABASE_URL", pgtest.NewURL(env.T().(testing.TB)))
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			env.Setenv("PORT", fmt.Sprint(port))
			env.Setenv("BASE", fmt.Sprintf("http://127.0.0.1:%d", port))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waithealthy": cmdWaitHealthy,
			"http":        cmdHTTP,
			"login":       cmdLogin,
		},
	})
}

// waithealthy: wait until $BASE/health answers 200 (30 s at most).
func cmdWaitHealthy(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(ts.Getenv("BASE") + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("%s/health did not answer 200 within 30 s", ts.Getenv("BASE"))
}

// http METHOD PATH [BODY]: a request to $BASE with the bearer token $TOKEN
// when set; prints "STATUS BODY" to stdout.
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: http METHOD PATH [BODY]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(args[2])
	}
	req, err := http.NewRequest(args[0], ts.Getenv("BASE")+args[1], body)
	ts.Check(err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok := ts.Getenv("TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	ts.Check(err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%d %s\n", resp.StatusCode, bytes.TrimSpace(b))
}

// login EMAIL PASSWORD: sets $TOKEN to a token of that email+password
// identity (POST /auth/user/emailpass).
func cmdLogin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: login EMAIL PASSWORD")
	}
	b, _ := json.Marshal(map[string]string{"email": args[0], "password": args[1]})
	resp, err := http.Post(ts.Getenv("BASE")+"/auth/user/emailpass", "application/json", bytes.NewReader(b))
	ts.Check(err)
	defer resp.Body.Close()
	var out struct{ Token string }
	ts.Check(json.NewDecoder(resp.Body).Decode(&out))
	if resp.StatusCode != 200 || out.Token == "" {
		ts.Fatalf("login %s: %d", args[0], resp.StatusCode)
	}
	ts.Setenv("TOKEN", out.Token)
}

// warmModuleCache makes a throwaway application with the go command's own
// settings (its proxy, its checksum database), so that the module cache
// holds what a new application's go mod tidy reads, the test-only modules
// of its dependencies included, as it does on a developer's machine after
// a first online build. The scripts then run offline from that cache. It
// does nothing more when the cache already has them, and only logs a
// failure (no network): the offline scripts then say what is missing.
func warmModuleCache(t *testing.T, root string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "warm")
	cmd := exec.Command("go", "run", "./cmd/medusa-go", "new", "app", "--medusa", root, dir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("warming the module cache with a throwaway application failed (offline?): %v\n%s", err, out)
	}
}
