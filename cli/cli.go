package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/migrate"
)

// command is one subcommand. Each lives in its own cmd_<name>.go file and
// registers itself in init.
type command struct {
	name    string // "generate", "db migrate", "new module"
	summary string
	usage   string // arguments after the name, e.g. "[--check]"
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// cliEnv is what a command sees of the world; tests swap the writers.
type cliEnv struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// app is the application the CLI runs.
	app app.Config
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError makes main exit with status 2 and print the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// Main runs the command line of application cfg (os.Args) and exits with
// its status: 0 success, 1 failure, 2 usage error. SIGINT and SIGTERM stop
// a running server gracefully. An application's main is one call:
//
//	func main() { cli.Main(Config()) }
func Main(cfg app.Config) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, cfg, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// Run is Main without the exit: it runs the command args of application
// cfg, writing to stdout and stderr and reading the environment with
// getenv, and returns the exit status.
func Run(ctx context.Context, cfg app.Config, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return run(ctx, &cliEnv{stdout: stdout, stderr: stderr, getenv: getenv, app: cfg}, args)
}

// run dispatches args to a command and returns the process exit status:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(env.stdout, args)
		return 0
	}
	cmd, rest := lookup(args)
	if cmd == nil {
		fmt.Fprintf(env.stderr, "medusa-go: unknown command %q\n\n", strings.Join(args, " "))
		printHelp(env.stderr, nil)
		return 2
	}
	for _, a := range rest {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprintf(env.stdout, "usage: medusa-go %s %s\n\n%s\n", cmd.name, cmd.usage, cmd.summary)
			return 0
		}
	}
	err := cmd.run(ctx, env, rest)
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue), errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(env.stderr, "medusa-go %s: %v\nusage: medusa-go %s %s\n", cmd.name, err, cmd.name, cmd.usage)
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(env.stderr, "medusa-go %s: %v\n", cmd.name, ee.err)
		return ee.code
	default:
		fmt.Fprintf(env.stderr, "medusa-go %s: %v\n", cmd.name, err)
		return 1
	}
}

// lookup finds the longest command name that prefixes args ("db migrate"
// before "db").
func lookup(args []string) (*command, []string) {
	for n := min(len(args), 3); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, nil
}

func printHelp(w io.Writer, _ []string) {
	fmt.Fprintln(w, "medusa-go: Medusa's module architecture in Go\n\nusage: medusa-go <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"medusa-go <command> --help\" for a command's flags.")
}

// settings are the application's settings with the environment applied.
func (env *cliEnv) settings(mode config.Mode) (config.Config, error) {
	return config.Load(mode, env.app.Settings, env.getenv)
}

// migrations are the migration sources of every module of the application.
func (env *cliEnv) migrations() ([]migrate.Source, error) { return app.Migrations(env.app) }

// databaseURL is DATABASE_URL, else the application's setting ("" means the
// embedded development server).
func (env *cliEnv) databaseURL() string {
	if u := env.getenv("DATABASE_URL"); u != "" {
		return u
	}
	return env.app.Settings.DatabaseURL
}
