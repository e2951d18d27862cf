package main

import (
	"context"
	"io/fs"
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

// TestScripts runs testdata/script/*.txtar in a copy of the repository's
// go.mod, framework/ and modgen/ (so that scaffolded modules build), sharing
// the Go build and module caches.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated module")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			for _, p := range []string{"go.mod", "go.sum", "framework", "modgen"} {
				if err := copyTree(filepath.Join(root, p), filepath.Join(env.WorkDir, p)); err != nil {
					return err
				}
			}
			for _, k := range []string{"HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOTOOLCHAIN", "TEST_DATABASE_URL", "PGTEST_KEEP"} {
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
			// pgtest's embedded server must live where the postgres OS user can
			// enter, which testscript's private $WORK is not.
			env.Setenv("TMPDIR", os.TempDir())
			return nil
		},
	})
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

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != src {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
