// Command medusa-go scaffolds, generates, migrates and serves medusa-go
// applications. Run "medusa-go help" for the commands.
package main

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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}, os.Args[1:])
	stop()
	os.Exit(code)
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
