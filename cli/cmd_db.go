package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/migrate"
)

func init() {
	register(&command{name: "db migrate", summary: "apply pending migrations of every module, then create or change the module links' tables",
		usage: "[--skip-links] [--execute-safe-links | --execute-all-links]\n\n" +
			"  --skip-links           apply the modules' migrations only\n" +
			"  --execute-safe-links   apply the safe link-table changes and skip the destructive ones\n" +
			"  --execute-all-links    apply destructive link-table changes too (altering or dropping columns, dropping tables)\n\n" +
			"Without a flag a destructive link-table change is refused and nothing of the links is changed.",
		run: dbMigrate})
	register(&command{name: "db rollback", summary: "revert the last batch of migrations of the named modules (all if none)", usage: "[module...]", run: dbRollback})
	register(&command{name: "db status", summary: "list migrations and whether they are applied", usage: "", run: dbStatus})
}

// withMigrator opens DATABASE_URL, or the embedded development server when it
// is unset, and hands a migrator and the pool over.
func withMigrator(ctx context.Context, env *cliEnv, fn func(*migrate.Migrator, *pgxpool.Pool) error) error {
	pool, _, closeDB, err := openDB(ctx, env, ".")
	if err != nil {
		return err
	}
	defer closeDB()
	srcs, err := env.migrations()
	if err != nil {
		return err
	}
	return fn(migrate.New(pool, srcs...), pool)
}

// syncLinks creates and changes the link tables of the application's module
// links and prints what it did.
func syncLinks(ctx context.Context, env *cliEnv, pool *pgxpool.Pool, opts link.SyncOptions) error {
	actions, err := app.SyncLinks(ctx, env.app, pool, opts)
	for _, a := range actions {
		verb := "link table"
		if opts.SafeOnly && a.Kind.Destructive() {
			verb = "skipped destructive link-table change (run db migrate --execute-all-links)"
		}
		fmt.Fprintf(env.stdout, "%s: %s %s (%s)\n", verb, a.Kind, a.Table, a.Reason)
	}
	if err != nil {
		return fmt.Errorf("module links: %w (db migrate --execute-safe-links applies the safe changes, --execute-all-links all)", err)
	}
	return nil
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
	fs := flag.NewFlagSet("db migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	skip := fs.Bool("skip-links", false, "")
	safe := fs.Bool("execute-safe-links", false, "")
	all := fs.Bool("execute-all-links", false, "")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *safe && *all {
		return usageError{"--execute-safe-links and --execute-all-links exclude each other"}
	}
	return withMigrator(ctx, env, func(m *migrate.Migrator, pool *pgxpool.Pool) error {
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
		if *skip {
			return nil
		}
		return syncLinks(ctx, env, pool, link.SyncOptions{SafeOnly: *safe, AllowDestructive: *all, Logger: slog.New(slog.DiscardHandler)})
	})
}

func dbRollback(ctx context.Context, env *cliEnv, args []string) error {
	return withMigrator(ctx, env, func(m *migrate.Migrator, _ *pgxpool.Pool) error {
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
	return withMigrator(ctx, env, func(m *migrate.Migrator, pool *pgxpool.Pool) error {
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
		if err := tw.Flush(); err != nil {
			return err
		}
		reg, err := app.LinkRegistry(env.app)
		if err != nil {
			return err
		}
		actions, err := link.Plan(ctx, pool, reg)
		if err != nil {
			return err
		}
		if len(actions) == 0 {
			fmt.Fprintf(env.stdout, "link tables: up to date (%d links)\n", len(reg.Definitions()))
		}
		for _, a := range actions {
			fmt.Fprintf(env.stdout, "link tables: pending %s %s (%s)\n", a.Kind, a.Table, a.Reason)
		}
		return nil
	})
}
