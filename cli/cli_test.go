package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

// pgtestM stops pgtest's throwaway server after the tests, under
// testscript.Main.
type pgtestM struct{ m interface{ Run() int } }

func (p pgtestM) Run() int {
	code := p.m.Run()
	_ = pgtest.Shutdown()
	return code
}

func cli(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb testkit.Buffer
	code = run(context.Background(), &cliEnv{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}, args)
	return code, out.String(), errb.String()
}

func TestHelpAndUsageErrors(t *testing.T) {
	code, out, _ := cli(t, nil, "help")
	if code != 0 || !strings.Contains(out, "db migrate") || !strings.Contains(out, "dev") {
		t.Fatalf("help: %d %q", code, out)
	}
	if code, _, errOut := cli(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	if code, _, errOut := cli(t, nil, "db", "migrate", "--bogus"); code != 2 || !strings.Contains(errOut, "usage: medusa-go db migrate") {
		t.Fatalf("bad flag: %d %q", code, errOut)
	}
	if code, out, _ := cli(t, nil, "db", "status", "--help"); code != 0 || !strings.Contains(out, "usage: medusa-go db status") {
		t.Fatalf("--help: %d %q", code, out)
	}
	if code, _, errOut := cli(t, nil, "dev", "extra"); code != 2 || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Fatalf("dev extra: %d %q", code, errOut)
	}
}

func TestStartRefusesDevelopmentDefaults(t *testing.T) {
	code, _, errOut := cli(t, map[string]string{}, "start")
	if code != 1 || !strings.Contains(errOut, "DATABASE_URL is required in production") || !strings.Contains(errOut, "the default secret is refused outside dev") {
		t.Fatalf("start: %d %q", code, errOut)
	}
	code, _, errOut = cli(t, map[string]string{"DATABASE_URL": "postgres://x", "JWT_SECRET": "supersecret", "COOKIE_SECRET": "0123456789abcdef0123"}, "start")
	if code != 1 || !strings.Contains(errOut, "JWT_SECRET") {
		t.Fatalf("default secret: %d %q", code, errOut)
	}
}

func TestDBCommands(t *testing.T) {
	env := map[string]string{"DATABASE_URL": pgtest.NewURL(t)}
	code, out, errOut := cli(t, env, "db", "status")
	if code != 0 || !strings.Contains(out, "user") || !strings.Contains(out, "pending") || strings.Contains(out, "applied") {
		t.Fatalf("status before: %d %q %q", code, out, errOut)
	}
	code, out, errOut = cli(t, env, "db", "migrate")
	if code != 0 || !strings.Contains(out, "applied user/0001_initial") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}
	if code, out, _ = cli(t, env, "db", "migrate"); code != 0 || !strings.Contains(out, "nothing to apply") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	if code, _, errOut = cli(t, env, "db", "rollback", "nosuchmodule"); code != 1 || !strings.Contains(errOut, `unknown module "nosuchmodule"`) {
		t.Fatalf("rollback unknown: %d %q", code, errOut)
	}
	if code, out, errOut = cli(t, env, "db", "rollback", "user"); code != 0 || !strings.Contains(out, "reverted user/0001_initial") {
		t.Fatalf("rollback: %d %q %q", code, out, errOut)
	}
	code, out, _ = cli(t, env, "db", "status")
	if code != 0 || !regexp.MustCompile(`user\s+0001_initial\s+pending`).MatchString(out) {
		t.Fatalf("status after rollback: %q", out)
	}
}

// startDev runs medusa-go dev with env and args (plus -H 127.0.0.1 -p 0) in
// the background and waits for its ready line. It returns the server's
// address, what dev printed up to that line, and stop, which cancels dev
// and fails the test unless dev exits 0 within 30 s.
func startDev(t *testing.T, env map[string]string, args ...string) (addr, stdout string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pr, pw := io.Pipe()
	var errb testkit.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &cliEnv{stdout: pw, stderr: &errb, getenv: func(k string) string { return env[k] }},
			append([]string{"dev", "-H", "127.0.0.1", "-p", "0"}, args...))
		pw.Close()
	}()
	var out strings.Builder
	sc := bufio.NewScanner(pr)
	re := regexp.MustCompile(`ready on http://(\S+)`)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr) //nolint:errcheck
	if addr == "" {
		t.Fatalf("dev never became ready; stdout: %s stderr: %s", out.String(), errb.String())
	}
	return addr, out.String(), func() {
		t.Helper()
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("dev exited %d: %s", code, errb.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("dev did not stop within 30 s of cancellation")
		}
	}
}

func TestDevServesHealthAndStopsCleanly(t *testing.T) {
	addr, _, stop := startDev(t, map[string]string{"DATABASE_URL": pgtest.NewURL(t)})
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "OK" || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("health: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	stop()
}
