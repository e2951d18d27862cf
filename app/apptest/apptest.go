// Package apptest builds an application on a real, throwaway Postgres
// database for tests: the framework's harness (package pgtest) starts one
// server per test binary from the local Postgres binaries and clones a
// database, migrated with every module of the application, for each test.
//
//	func TestMain(m *testing.M) { apptest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		a := apptest.New(t, Config())
//		srv := httptest.NewServer(a.Handler())
//		...
//	}
package apptest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/user"
)

// Main runs the tests, then stops the throwaway Postgres server.
func Main(m *testing.M) { pgtest.Main(m) }

// New returns application cfg on a fresh database of its own, migrated with
// every module's migrations, in development mode with cfg.Settings and the
// development defaults (the environment is not read), its logs discarded
// unless opts set a logger. The container is started (the job engine works
// jobs and deliveries in this process) and stopped when the test ends.
func New(t testing.TB, cfg app.Config, opts ...app.Option) *app.App {
	t.Helper()
	srcs, err := app.Migrations(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pool := pgtest.NewPool(t, srcs...)
	settings, err := config.Load(config.Development, cfg.Settings, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Settings = settings
	opts = append([]app.Option{app.WithLogger(slog.New(slog.DiscardHandler)), app.WithGetenv(func(string) string { return "" })}, opts...)
	a, err := app.New(context.Background(), cfg, pool, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Container.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Container.Stop(context.Background()) })
	return a
}

// UserToken creates a user with email and returns a bearer token acting as
// them, for calling /admin routes.
func UserToken(t testing.TB, a *app.App, email string) (string, user.User) {
	t.Helper()
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		t.Fatal(err)
	}
	created, err := users.CreateUsers(context.Background(), user.CreateUserInput{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	u := created[0]
	tok, err := a.Auth.IssueToken(authtoken.AuthContext{ActorID: u.ID, ActorType: "user", AuthIdentityID: "authid_" + u.ID, AppMetadata: map[string]any{"user_id": u.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return tok, u
}
