package modgen

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/medusa-go/medusa/modgen/dml"
)

// Main is the body of a module's gen program (modules/<m>/models/gen):
//
//	func main() { modgen.Main(models.Module) }
//
// Flags: -check (report drift, write nothing), -allow-destructive, -name
// <migration name>, -root <repository root> (default: the nearest directory
// holding go.mod, upwards from the working directory). It exits 1 on
// failure or drift.
func Main(mod *dml.Module) {
	os.Exit(Run(context.Background(), mod, os.Args[1:], os.Stdout, os.Stderr))
}

// Run is Main without the exit, for tests: it returns the exit status.
func Run(ctx context.Context, mod *dml.Module, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("modgen "+mod.Name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	var opt Options
	fl.BoolVar(&opt.Check, "check", false, "regenerate in memory and fail with a diff when files are stale")
	fl.BoolVar(&opt.AllowDestructive, "allow-destructive", false, "allow migrations that drop tables or columns or change column types")
	fl.StringVar(&opt.MigrationName, "name", "", "name of the new migration (snake_case)")
	fl.StringVar(&opt.Root, "root", "", "repository root (default: nearest go.mod upwards)")
	verbose := fl.Bool("v", false, "list written files")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if opt.Root == "" {
		r, err := FindRoot(".")
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		opt.Root = r
	}
	start := time.Now()
	res, err := Generate(ctx, mod, opt)
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintln(stderr, w)
		}
	}
	var drift *DriftError
	switch {
	case errors.As(err, &drift):
		fmt.Fprintln(stderr, err)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "medusa-go generate %s: %v\n", mod.Name, err)
		return 1
	}
	if opt.Check {
		fmt.Fprintf(stdout, "module %s: up to date (%d files, %s)\n", mod.Name, len(res.Files), time.Since(start).Round(time.Millisecond))
		return 0
	}
	if res.Migration != "" {
		fmt.Fprintf(stdout, "module %s: new migration %s\n", mod.Name, res.Migration)
	}
	if *verbose {
		for _, p := range res.Changed {
			fmt.Fprintf(stdout, "wrote %s\n", p)
		}
		for _, p := range res.Stale {
			fmt.Fprintf(stdout, "removed %s\n", p)
		}
	}
	fmt.Fprintf(stdout, "module %s: %d files, %d changed, %d removed (%s)\n", mod.Name, len(res.Files), len(res.Changed), len(res.Stale), time.Since(start).Round(time.Millisecond))
	return 0
}

// FindRoot returns the nearest directory at or above dir holding go.mod.
func FindRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		p := filepath.Dir(d)
		if p == d {
			return "", fmt.Errorf("modgen: no go.mod found above %s", dir)
		}
		d = p
	}
}
