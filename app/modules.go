package app

import (
	"context"
	"net/http"

	"github.com/medusa-go/medusa/framework/migrate"
)

// moduleMigrations lists the built-in modules' migrations, in dependency
// order. Modules add themselves here as they land.
func moduleMigrations() []migrate.Source {
	return nil
}

// registerModules registers every built-in module's service in the root
// container under its key.
func registerModules(ctx context.Context, a *App) error {
	return nil
}

// mountRoutes mounts the built-in API routes.
func mountRoutes(a *App, mux *http.ServeMux) error {
	return nil
}

// wrap applies the global middleware.
func wrap(a *App, h http.Handler) http.Handler {
	return h
}
