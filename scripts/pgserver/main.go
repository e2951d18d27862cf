// Command pgserver runs a throwaway PostgreSQL server for scripts/loadtest.sh
// with framework/pgembed: default server settings (fsync on), the cluster in
// -dir, the unix socket in -socket. It creates the database -db, prints its
// URL on stdout as one line, and runs until SIGINT or SIGTERM, then stops the
// server (fast shutdown).
//
// Usage:
//
//	go run ./scripts/pgserver -dir /tmp/x/pg -socket /tmp/x/sock [-db medusa] [-set name=value ...]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/pgembed"
)

type settings map[string]string

func (s settings) String() string { return fmt.Sprint(map[string]string(s)) }

func (s settings) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("-set %q: want name=value", v)
	}
	s[k] = val
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pgserver:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "cluster directory (created with initdb when empty)")
	sock := flag.String("socket", "", "unix socket directory (default: -dir)")
	dbname := flag.String("db", "medusa", "database to create")
	set := settings{}
	flag.Var(set, "set", "extra server setting name=value (repeatable)")
	flag.Parse()
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   *dir,
		SocketDir: *sock,
		LogFile:   filepath.Join(filepath.Dir(*dir), "postgres.log"),
		Settings:  set,
		Logger:    log,
	})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := srv.Stop(sctx); err != nil {
			fmt.Fprintln(os.Stderr, "pgserver: stop:", err)
		}
	}()
	conn, err := pgx.Connect(ctx, srv.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{*dbname}.Sanitize())
	_ = conn.Close(ctx)
	if err != nil {
		return fmt.Errorf("create database %s: %w", *dbname, err)
	}
	fmt.Println(srv.URL(*dbname))
	select {
	case <-ctx.Done():
	case <-srv.Done():
		return fmt.Errorf("postgres exited")
	}
	return nil
}
