package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/medusa-go/medusa/framework/migrate"
)

func init() {
	register(&command{name: "db migrate", summary: "apply pending migrations of every module", usage: "", run: dbMigrate})
	register(&command{name: "db rollback", summary: "revert the last batch of migrations of the named modules (all if none)", usage: "[module...]", run: dbRollback})
	register(&command{name: "db status", summary: "list migrations and whether they are applied", usage: "", run: dbStatus})
}

// withMigrator opens DATABASE_URL, or the embedded development server when it
// is unset, and hands a migrator over.
func withMigrator(ctx context.Context, env *cliEnv, fn func(*migrate.Migrator) error) error {
	pool, _, closeDB, err := openDB(ctx, env, ".")
	if err != nil {
		return err
	}
	defer closeDB()
	srcs, err := env.migrations()
	if err != nil {
		return err
	}
	return fn(migrate.New(pool, srcs...))
}

func noArgs(name string, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func dbMigrate(ctx context.Context, env *cliEnv, args []string) error {
	if err := noArgs("db migrate", args); err != nil {
		return err
	}
	return withMigrator(ctx, env, func(m *migrate.Migrator) error {
		done, err := m.Up(ctx)
		if err != nil {
			return err
		}
		for _, mg := range done {
			fmt.Fprintf(env.stdout, "applied %s/%s\n", mg.Module, mg.Name)
		}
		if len(done) == 0 {
			fmt.Fprintln(env.stdout, "nothing to apply: the database is up to date")
		}
		return nil
	})
}

func dbRollback(ctx context.Context, env *cliEnv, args []string) error {
	return withMigrator(ctx, env, func(m *migrate.Migrator) error {
		done, err := m.Rollback(ctx, args...)
		if err != nil {
			return err
		}
		for _, mg := range done {
			fmt.Fprintf(env.stdout, "reverted %s/%s\n", mg.Module, mg.Name)
		}
		if len(done) == 0 {
			fmt.Fprintln(env.stdout, "nothing to revert")
		}
		return nil
	})
}

func dbStatus(ctx context.Context, env *cliEnv, args []string) error {
	if err := noArgs("db status", args); err != nil {
		return err
	}
	return withMigrator(ctx, env, func(m *migrate.Migrator) error {
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MODULE\tMIGRATION\tSTATE\tBATCH\tAPPLIED AT")
		for _, s := range st {
			state, at, batch := "pending", "", ""
			if s.Applied {
				state, at, batch = "applied", s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z"), fmt.Sprint(s.Batch)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Module, s.Name, state, batch, at)
		}
		return tw.Flush()
	})
}
