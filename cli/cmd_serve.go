package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/migrate"
)

func init() {
	register(&command{
		name:    "dev",
		summary: "run the API for development (embedded Postgres when DATABASE_URL is unset)",
		usage:   "[-H host] [-p port] [--dir project-dir] [--worker-mode shared|server|worker]",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return serve(ctx, env, args, config.Development)
		},
	})
	register(&command{
		name:    "start",
		summary: "run the API in production (needs DATABASE_URL and non-default secrets)",
		usage:   "[-H host] [-p port] [--worker-mode shared|server|worker]",
		run: func(ctx context.Context, env *cliEnv, args []string) error {
			return serve(ctx, env, args, config.Production)
		},
	})
}

func serve(ctx context.Context, env *cliEnv, args []string, mode config.Mode) error {
	t0 := time.Now()
	fs := flag.NewFlagSet(string(mode), flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	host := fs.String("H", "", "host to listen on (default $HOST or localhost)")
	port := fs.Int("p", -1, "port to listen on (default $PORT or 9000)")
	dir := fs.String("dir", ".", "project directory (holds .medusa/ in dev)")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start-up")
	workerMode := fs.String("worker-mode", "", "shared (HTTP and background work), server (HTTP only) or worker (background work only); default $MEDUSA_WORKER_MODE or shared")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := env.settings(mode)
	if err != nil {
		return err
	}
	if *host != "" {
		cfg.Host = *host
	}
	if *port >= 0 {
		cfg.Port = *port
	}
	if *workerMode != "" {
		cfg.WorkerMode = *workerMode
		if err := cfg.Validate(); err != nil {
			return usageError{err.Error()}
		}
	}
	log := slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	memLimit, restoreMemLimit := ApplyMemoryLimit(env.getenv)
	defer restoreMemLimit()
	log.Info("Go memory limit", "limit", memLimit)
	if mode == config.Development && cfg.JWTSecret == config.DefaultSecret {
		log.Warn("JWT_SECRET is not set: using the development default; medusa-go start refuses it")
	}

	stopDB := func(context.Context) error { return nil }
	if cfg.DatabaseURL == "" {
		u, stop, err := startEmbedded(ctx, *dir, env.stdout, log)
		if err != nil {
			return err
		}
		cfg.DatabaseURL, stopDB = u, stop
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := stopDB(sctx); err != nil {
			log.Error("stop embedded Postgres", "err", err)
		}
	}()

	pool, err := db.Open(ctx, cfg.DatabaseURL, poolSize(cfg.DatabaseURL), app.PoolLimits(cfg.Limits))
	if err != nil {
		return err
	}
	defer pool.Close()
	if !*noMigrate {
		srcs, err := env.migrations()
		if err != nil {
			return err
		}
		applied, err := migrate.New(pool, srcs...).Up(ctx)
		if err != nil {
			return err
		}
		for _, m := range applied {
			fmt.Fprintf(env.stdout, "medusa-go: applied migration %s/%s\n", m.Module, m.Name)
		}
		// The module links' tables: safe changes only; a destructive one
		// waits for "db migrate --execute-all-links".
		if err := syncLinks(ctx, env, pool, link.SyncOptions{SafeOnly: true, Logger: slog.New(slog.DiscardHandler)}); err != nil {
			return err
		}
	}
	def := env.app
	def.Settings = cfg
	a, err := app.New(ctx, def, pool, app.WithLogger(log), app.WithGetenv(env.getenv))
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	err = a.Serve(ctx, addr, func(at net.Addr) {
		fmt.Fprintf(env.stdout, "medusa-go: %s server ready on http://%s (%s from start)\n", mode, at, time.Since(t0).Round(time.Millisecond))
		if mode == config.Development {
			fmt.Fprintf(env.stdout, "medusa-go: create your first admin user with the user command: user -e admin@example.com -p <password>\n")
		}
	})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	if err == nil {
		fmt.Fprintln(env.stdout, "medusa-go: stopped")
	}
	_ = os.Stdout.Sync()
	return err
}
