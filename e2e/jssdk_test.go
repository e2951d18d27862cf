package e2e_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// buildCLI compiles cmd/medusa-go into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "medusa-go")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/medusa-go")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServer runs "medusa-go dev" on a free loopback port and returns its
// base URL; the server is stopped with SIGINT when the test ends.
func startServer(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, "dev", "-H", "127.0.0.1", "-p", "0")
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("server did not stop within 15 s of SIGINT")
		}
		if t.Failed() {
			t.Logf("server stderr:\n%s", stderr.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`ready on (http://\S+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-ready:
		return u
	case <-time.After(60 * time.Second):
		t.Fatalf("server not ready within 60 s; stderr:\n%s", stderr.String())
	}
	return ""
}

func TestJSSDKScenario(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is required for the JS SDK scenario: install Node.js 20 (apt-get install nodejs npm)")
	}
	dir, _ := filepath.Abs("jssdk")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medusajs", "js-sdk")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	bin := buildCLI(t)
	env := append(os.Environ(),
		"DATABASE_URL="+pgtest.NewURL(t),
		"JWT_SECRET=e2e-secret-0123456789",
		"COOKIE_SECRET=e2e-cookie-0123456789",
	)
	// Migrate and create the first admin with the CLI, as a person would.
	for _, args := range [][]string{{"db", "migrate"}, {"user", "-e", "admin@example.com", "-p", "admin-pass-1"}} {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("medusa-go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	base := startServer(t, bin, env)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "scenario.test.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MEDUSA_URL="+base, "ADMIN_EMAIL=admin@example.com", "ADMIN_PASSWORD=admin-pass-1")
	out, err := cmd.CombinedOutput()
	t.Logf("JS SDK scenario output:\n%s", out)
	if err != nil {
		t.Fatalf("JS SDK scenario failed: %v", err)
	}
	if !strings.Contains(string(out), "pass") {
		t.Fatalf("no passing test reported:\n%s", out)
	}
}
