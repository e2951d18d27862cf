package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// TestDevEmbeddedPostgres runs the README's first command as it runs on a
// new machine: medusa-go dev without DATABASE_URL, which starts the
// project's own Postgres. The project is a t.TempDir (mode 0700): as root,
// the postgres OS user cannot enter it, so the cluster must move to
// devFallbackRoot instead of failing; as another user it lives in the
// project's .medusa. While dev runs, medusa-go user reaches the same
// database through dev's server; after dev stops, user starts the cluster
// itself and finds the data still there.
func TestDevEmbeddedPostgres(t *testing.T) {
	if _, err := pgembed.FindBinaries(); err != nil {
		t.Skipf("no Postgres binaries: %v", err)
	}
	project := t.TempDir()
	fallback, err := os.MkdirTemp("", "medusa-dev-fallback-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(fallback, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(fallback) })
	prev := devFallbackRoot
	devFallbackRoot = fallback
	t.Cleanup(func() { devFallbackRoot = prev })

	noEnv := map[string]string{}
	addr, out, stop := startDev(t, noEnv, "-dir", project)

	cluster := filepath.Join(project, ".medusa", "postgres")
	if os.Geteuid() == 0 {
		if !strings.Contains(out, "cannot reach the project's .medusa") {
			t.Errorf("dev did not say why the cluster moved: %s", out)
		}
		matches, _ := filepath.Glob(filepath.Join(fallback, "medusa-go-*", "postgres", "PG_VERSION"))
		if len(matches) != 1 {
			t.Fatalf("as root, the cluster should be under %s; found %v; stdout: %s", fallback, matches, out)
		}
		cluster = filepath.Dir(matches[0])
		if _, err := os.Stat(filepath.Join(project, ".medusa")); err == nil {
			t.Errorf("a moved cluster left %s/.medusa behind", project)
		}
	}
	if _, err := os.Stat(filepath.Join(cluster, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster at %s: %v", cluster, err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("health: %d", resp.StatusCode)
	}

	// dev's server is up: user uses it (no second server on the cluster).
	if code, o, e := cli(t, noEnv, "user", "-dir", project, "-e", "first@example.com", "-p", "secret-pass-1"); code != 0 {
		t.Fatalf("user while dev runs: %d %q %q", code, o, e)
	}
	stop()
	if _, err := os.Stat(filepath.Join(cluster, "postmaster.pid")); err == nil {
		t.Errorf("the embedded server still runs after dev stopped (%s/postmaster.pid)", cluster)
	}

	// dev is gone: user starts the same cluster itself; the first user is
	// still there.
	code, o, e := cli(t, noEnv, "user", "-dir", project, "-e", "first@example.com", "-p", "secret-pass-1")
	if code != 1 || !strings.Contains(e, "User with email: first@example.com, already exists.") {
		t.Fatalf("user after dev stopped, same email: %d %q %q", code, o, e)
	}
	if code, o, e := cli(t, noEnv, "user", "-dir", project, "-e", "second@example.com", "-p", "secret-pass-2"); code != 0 {
		t.Fatalf("user after dev stopped: %d %q %q", code, o, e)
	}
	if _, err := os.Stat(filepath.Join(cluster, "postmaster.pid")); err == nil {
		t.Errorf("the server the user command started still runs (%s/postmaster.pid)", cluster)
	}
}
