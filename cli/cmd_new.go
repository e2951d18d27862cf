package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/medusa-go/medusa/modgen"
)

func init() {
	register(&command{
		name:    "new module",
		summary: "scaffold a module: models, gen program, go:generate hook, custom queries, its Module value",
		usage:   "<name>",
		run:     runNewModule,
	})
	register(&command{
		name:    "new app",
		summary: "create a new application (a Go module of its own) that runs on medusa-go",
		usage: "[--module PATH] [--medusa DIR|VERSION] [--no-tidy] <dir>\n\n" +
			"  --module   the new application's Go module path (default: the directory's name)\n" +
			"  --medusa   the medusa-go it requires: a checkout's directory (a replace directive) or\n" +
			"             a version such as v0.3.0 (default: the medusa-go this command runs from)\n" +
			"  --no-tidy  do not run \"go mod tidy\" in the new application",
		run: runNewApp,
	})
}

func runNewModule(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return usageError{"want exactly one module name"}
	}
	root, err := modgen.FindRoot(".")
	if err != nil {
		return err
	}
	created, err := modgen.Scaffold(root, args[0])
	for _, p := range created {
		fmt.Fprintf(env.stdout, "created %s\n", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "next: edit modules/%[1]s/models/models.go, then run \"generate %[1]s\" and \"db migrate\"\n", args[0])
	return nil
}

func runNewApp(ctx context.Context, env *cliEnv, args []string) error {
	fs := flag.NewFlagSet("new app", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	modPath := fs.String("module", "", "")
	medusa := fs.String("medusa", "", "")
	noTidy := fs.Bool("no-tidy", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() != 1 {
		return usageError{"want exactly one directory"}
	}
	dir := fs.Arg(0)
	req, goVersion, err := medusaRequirement(ctx, *medusa)
	if err != nil {
		return err
	}
	created, err := modgen.ScaffoldApp(dir, modgen.AppOptions{Module: *modPath, Medusa: req, GoVersion: goVersion})
	for _, p := range created {
		fmt.Fprintf(env.stdout, "created %s\n", filepath.ToSlash(filepath.Join(dir, p)))
	}
	if err != nil {
		return err
	}
	if !*noTidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go mod tidy in %s: %w\n%s", dir, err, out.String())
		}
	}
	fmt.Fprintf(env.stdout, "next: cd %s && go run . dev   (and go test ./...)\n", dir)
	return nil
}

// medusaRequirement returns what a new application requires of medusa-go:
// the flag's directory (made absolute) or version, else the medusa-go of
// the working directory's module (this checkout, or what an application
// requires or replaces it with), else the version this binary was built
// from; and the go line for its go.mod.
func medusaRequirement(ctx context.Context, flagValue string) (req, goVersion string, err error) {
	goVersion = "1.26.0"
	dirGoVersion := func(dir string) string {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err != nil {
			return goVersion
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "go "); ok {
				return strings.TrimSpace(v)
			}
		}
		return goVersion
	}
	if flagValue != "" {
		if modgen.IsVersion(flagValue) {
			return flagValue, goVersion, nil
		}
		abs, err := filepath.Abs(flagValue)
		if err != nil {
			return "", "", err
		}
		if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
			return "", "", fmt.Errorf("--medusa %s: not a medusa-go checkout (no go.mod)", flagValue)
		}
		return abs, dirGoVersion(abs), nil
	}
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}\t{{.Version}}\t{{with .Replace}}{{.Dir}}{{end}}", modgen.MedusaModule).Output()
	if err == nil {
		f := strings.Split(strings.TrimSpace(string(out)), "\t")
		switch {
		case len(f) == 3 && f[2] != "":
			return f[2], dirGoVersion(f[2]), nil // an application replacing medusa-go
		case len(f) >= 2 && f[1] != "":
			return f[1], goVersion, nil // an application requiring a version
		case len(f) >= 1 && f[0] != "":
			return f[0], dirGoVersion(f[0]), nil // the medusa-go checkout itself
		}
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if m.Path == modgen.MedusaModule && m.Version != "" && m.Version != "(devel)" {
				return m.Version, goVersion, nil
			}
		}
	}
	return "", "", errors.New("cannot tell which medusa-go to require: run this in a medusa-go checkout or an application, or pass --medusa DIR|VERSION")
}
