package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/medusa-go/medusa/framework/pgembed"
)

// devDatabase is the database medusa-go dev creates on its embedded server.
const devDatabase = "medusa"

// startEmbedded starts the persistent development server whose cluster lives
// in <dir>/.medusa/postgres, creates the development database if missing, and
// returns its URL and a stop function.
func startEmbedded(ctx context.Context, dir string, out io.Writer, log *slog.Logger) (string, func(context.Context) error, error) {
	base, err := filepath.Abs(filepath.Join(dir, ".medusa"))
	if err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", nil, fmt.Errorf("create %s: %w", base, err)
	}
	// The postgres OS user must be able to reach .medusa when we run as root.
	if os.Geteuid() == 0 {
		_ = os.Chmod(base, 0o755)
	}
	// Unix socket paths are short-limited; keep the socket in /tmp, one per
	// project directory.
	sum := sha256.Sum256([]byte(base))
	sock := filepath.Join(os.TempDir(), "medusa-go-"+hex.EncodeToString(sum[:])[:12])
	fmt.Fprintf(out, "medusa-go: starting embedded Postgres (data in %s)...\n", filepath.Join(base, "postgres"))
	t0 := time.Now()
	srv, err := pgembed.Start(ctx, pgembed.Options{
		DataDir:   filepath.Join(base, "postgres"),
		SocketDir: sock,
		LogFile:   filepath.Join(base, "postgres.log"),
		Logger:    log,
	})
	if err != nil {
		return "", nil, fmt.Errorf("embedded Postgres: %w (or set DATABASE_URL to use an existing server)", err)
	}
	conn, err := pgx.Connect(ctx, srv.URL("postgres"))
	if err != nil {
		_ = srv.Stop(context.Background())
		return "", nil, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, devDatabase).Scan(&exists); err != nil {
		_ = srv.Stop(context.Background())
		return "", nil, err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE `+devDatabase); err != nil {
			_ = srv.Stop(context.Background())
			return "", nil, fmt.Errorf("create database %s: %w", devDatabase, err)
		}
	}
	fmt.Fprintf(out, "medusa-go: Postgres ready in %s\n", time.Since(t0).Round(time.Millisecond))
	return srv.URL(devDatabase), srv.Stop, nil
}
