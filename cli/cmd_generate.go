package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/medusa-go/medusa/modgen"
)

func init() {
	register(&command{
		name:    "generate",
		summary: "regenerate modules from their models (migrations, queries, services); --check reports drift",
		usage:   "[--check] [--allow-destructive] [--name migration_name] [module ...]",
		run:     runGenerate,
	})
}

// runGenerate runs every module's gen program (modules/<m>/models/gen) from
// the repository root, or only the named modules.
func runGenerate(ctx context.Context, env *cliEnv, args []string) error {
	fl := flag.NewFlagSet("generate", flag.ContinueOnError)
	fl.SetOutput(env.stderr)
	check := fl.Bool("check", false, "regenerate in memory and fail with a diff when generated files are stale or missing")
	destructive := fl.Bool("allow-destructive", false, "allow migrations that drop tables or columns or change column types")
	name := fl.String("name", "", "name of a new migration (snake_case)")
	if err := fl.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	root, err := modgen.FindRoot(".")
	if err != nil {
		return err
	}
	mods, err := generatorModules(root)
	if err != nil {
		return err
	}
	if want := fl.Args(); len(want) > 0 {
		have := map[string]bool{}
		for _, m := range mods {
			have[m] = true
		}
		for _, w := range want {
			if !have[w] {
				return fmt.Errorf("unknown module %q (modules with models/gen: %v)", w, mods)
			}
		}
		mods = want
	}
	if len(mods) == 0 {
		fmt.Fprintln(env.stdout, "no module to generate (none has modules/<name>/models/gen); create one with \"new module <name>\"")
	}
	failed := 0
	for _, m := range mods {
		gargs := []string{"run", "./" + filepath.ToSlash(filepath.Join("modules", m, "models", "gen")), "-root", root}
		if *check {
			gargs = append(gargs, "-check")
		}
		if *destructive {
			gargs = append(gargs, "-allow-destructive")
		}
		if *name != "" {
			gargs = append(gargs, "-name", *name)
		}
		cmd := exec.CommandContext(ctx, "go", gargs...)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = env.stdout, env.stderr
		if err := cmd.Run(); err != nil {
			failed++
		}
	}
	if failed == 0 {
		// An application's module list follows its generated modules.
		changed, err := modgen.UpdateModuleList(root, *check)
		switch {
		case err != nil && *check:
			fmt.Fprintln(env.stderr, err)
			failed++
		case err != nil:
			return err
		case changed:
			fmt.Fprintf(env.stdout, "updated %s\n", modgen.ModuleListFile)
		}
	}
	if failed > 0 {
		if *check {
			return exitError{code: 1, err: fmt.Errorf("%d module(s) out of date; run \"medusa-go generate\" and commit the result", failed)}
		}
		return exitError{code: 1, err: fmt.Errorf("%d module(s) failed to generate", failed)}
	}
	return nil
}

// generatorModules lists the modules with a gen program, sorted.
func generatorModules(root string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(root, "modules", "*", "models", "gen", "main.go"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		out = append(out, filepath.Base(filepath.Dir(filepath.Dir(filepath.Dir(m)))))
	}
	sort.Strings(out)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return nil, err
	}
	return out, nil
}
