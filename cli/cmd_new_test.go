package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript scripts run this binary as "medusa-go".
func TestMain(m *testing.M) {
	testscript.Main(pgtestM{m}, map[string]func(){
		"medusa-go": func() {
			os.Exit(run(context.Background(), &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:]))
		},
	})
}

// TestScripts runs testdata/script/*.txtar in an application module of
// its own ("example.com/app", $WORK) that requires this repository through a
// replace directive, the way an application uses medusa-go. framework/ and
// modgen/ are thus compiled from the repository itself and shared with the
// build cache of the rest of the test suite.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated module")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	appMod := appGoMod(string(gomod), root)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			if err := os.WriteFile(filepath.Join(env.WorkDir, "go.mod"), []byte(appMod), 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(env.WorkDir, "go.sum"), gosum, 0o644); err != nil {
				return err
			}
			offlineGoEnv(env)
			if v, ok := os.LookupEnv("GOFLAGS"); ok {
				env.Setenv("GOFLAGS", v)
			}
			return nil
		},
	})
}

// appGoMod turns the repository's go.mod into an application's: module
// example.com/app, requiring and replacing github.com/medusa-go/medusa, with
// the repository's requirements copied (sqlc is not among them: modgen runs
// it with go run at its pinned version).
func appGoMod(repo, root string) string {
	var b strings.Builder
	for _, line := range strings.Split(repo, "\n") {
		if strings.HasPrefix(line, "module ") {
			b.WriteString("module example.com/app\n\nrequire github.com/medusa-go/medusa v0.0.0-00010101000000-000000000000\n\nreplace github.com/medusa-go/medusa => " + root + "\n")
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// offlineGoEnv gives a script the go command's caches and Postgres settings
// of the test run, and no network (GOPROXY=off, GOSUMDB=off): everything
// comes from the module and build caches. pgtest's embedded server must live where the
// postgres OS user can enter, which testscript's private $WORK is not.
func offlineGoEnv(env *testscript.Env) {
	for _, k := range []string{"HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOTOOLCHAIN", "TEST_DATABASE_URL", "PGTEST_KEEP", "PG_BIN"} {
		if v, ok := os.LookupEnv(k); ok {
			env.Setenv(k, v)
		}
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE"} {
		if os.Getenv(k) == "" {
			env.Setenv(k, goEnv(k))
		}
	}
	env.Setenv("GOPROXY", "off")
	// Without a network the checksum database cannot be asked about the
	// new application's modules (with a proxy, go asks it through the
	// proxy); the module cache's hashes, checked when the cache was filled,
	// stand in for it.
	env.Setenv("GOSUMDB", "off")
	env.Setenv("TMPDIR", os.TempDir())
}

func goEnv(k string) string {
	switch k {
	case "GOMODCACHE":
		if p := os.Getenv("GOPATH"); p != "" {
			return filepath.Join(p, "pkg", "mod")
		}
		h, _ := os.UserHomeDir()
		return filepath.Join(h, "go", "pkg", "mod")
	case "GOCACHE":
		d, _ := os.UserCacheDir()
		return filepath.Join(d, "go-build")
	}
	return ""
}
