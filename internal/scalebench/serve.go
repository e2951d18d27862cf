package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules/user"
)

// appConfig is the application measured: the built-in modules and the blog
// test module (a generated module with admin routes).
func appConfig() app.Config {
	return app.Config{Name: "scalebench", Modules: []module.Module{blog.Generated()}}
}

// adminEmail is the user the benchmark's token acts as; it is one more row
// of the user table.
const adminEmail = "admin@scalebench.test"

// serverMaxConns is the pool size `medusa-go start` gives the server.
const serverMaxConns = 16

// medusaEnv passes the MEDUSA_* variables (the limits) through and hides
// the rest, so DATABASE_URL or PORT of the shell change nothing.
func medusaEnv(k string) string {
	if strings.HasPrefix(k, "MEDUSA_") {
		return os.Getenv(k)
	}
	return ""
}

// served is the application answering on a loopback port.
type served struct {
	app   *app.App
	base  string // http://127.0.0.1:port
	token string // bearer token of adminEmail
	stop  func() error
}

// serve assembles the application on the database at url in production
// mode (the server's limits: MEDUSA_* variables over the defaults) and
// serves it on 127.0.0.1, as `medusa-go start` does.
func serve(ctx context.Context, url string, log *slog.Logger) (*served, error) {
	settings, err := config.Load(config.Production, config.Config{DatabaseURL: url, JWTSecret: secret(), CookieSecret: secret()}, medusaEnv)
	if err != nil {
		return nil, err
	}
	cfg := appConfig()
	cfg.Settings = settings
	pool, err := db.Open(ctx, url, func(c *pgxpool.Config) { c.MaxConns = max(c.MaxConns, serverMaxConns) }, app.PoolLimits(settings.Limits))
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, pool, app.WithLogger(log), app.WithGetenv(medusaEnv))
	if err != nil {
		pool.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() { errc <- a.Serve(sctx, "127.0.0.1:0", func(ad net.Addr) { ready <- ad }) }()
	s := &served{app: a, stop: func() error {
		cancel()
		err := <-errc
		pool.Close()
		return err
	}}
	select {
	case ad := <-ready:
		s.base = "http://" + ad.String()
	case err := <-errc:
		cancel()
		pool.Close()
		return nil, err
	}
	if s.token, err = adminToken(ctx, a); err != nil {
		return nil, errors.Join(err, s.stop())
	}
	return s, nil
}

func secret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// adminToken returns a bearer token acting as adminEmail, created through
// the User Module when missing.
func adminToken(ctx context.Context, a *app.App) (string, error) {
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		return "", err
	}
	found, err := users.ListUsers(ctx, user.UserFilter{Email: sqlb.Eq(adminEmail)})
	if err != nil {
		return "", fmt.Errorf("find the admin user: %w", err)
	}
	if len(found) == 0 {
		if found, err = users.CreateUsers(ctx, user.CreateUserInput{Email: adminEmail}); err != nil {
			return "", fmt.Errorf("create the admin user: %w", err)
		}
	}
	u := found[0]
	tok, err := a.Auth.IssueToken(authtoken.AuthContext{ActorID: u.ID, ActorType: "user", AuthIdentityID: "authid_" + u.ID, AppMetadata: map[string]any{"user_id": u.ID}})
	if err != nil {
		return "", fmt.Errorf("issue the admin token: %w", err)
	}
	return tok, nil
}
