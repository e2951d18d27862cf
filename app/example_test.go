package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/framework/rt"
	"github.com/medusa-go/medusa/modules"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// An application's Config: a built-in module configured with options, two
// routes of its own (one under /store, one explicitly public), and settings
// that environment variables override.
func ExampleConfig() {
	cfg := app.Config{
		Name: "shop",
		Modules: []module.Module{
			// The User Module again, with options: invites last 3 days.
			modules.User.With(user.Options{ValidDuration: 72 * time.Hour}),
			// The same, as a configuration file would give them:
			// modules.User.With(map[string]any{"valid_duration": 259200}),
		},
		Routes: func(r *module.Router) error {
			r.HandleFunc("GET /store/hello", func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, map[string]string{"message": "hello"})
			})
			r.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
				httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
			}, module.Public())
			return nil
		},
		Settings: config.Config{
			Port:      9000,
			AdminCORS: []string{"http://localhost:5173"},
		},
	}
	_ = cfg // cli.Main(cfg) in the application's main
	// Output:
}

// inviteColleague is Go code of an application (a route, a subscriber, a
// scheduled job) using the modules: it resolves the User Module's service
// from the container scope the framework hands it (httpx.Scope(r) in a
// route, the handler's container in a subscriber or a job) and runs one of
// the module's workflows with the same scope.
func inviteColleague(ctx context.Context, scope *container.Container, email string) (user.Invite, error) {
	users, err := container.Resolve(scope, user.Key) // Medusa's container.resolve(Modules.USER)
	if err != nil {
		return user.Invite{}, err
	}
	list, count, err := users.ListAndCountUsers(ctx, user.UserFilter{Q: "smith"}, rt.FindConfig{Take: 20})
	if err != nil {
		return user.Invite{}, err
	}
	slog.InfoContext(ctx, "users named Smith", "page", len(list), "count", count)
	invites, err := flows.CreateInvitesWorkflow.Run(ctx, scope, flows.CreateInvitesInput{
		Invites: []user.CreateInviteInput{{Email: email}},
	}) // a workflow: each step compensates if a later one fails
	if err != nil {
		return user.Invite{}, err
	}
	return invites[0], nil
}

// A route of the application that uses the User Module through
// inviteColleague, with the request's container scope.
func ExampleConfig_usingModules() {
	cfg := app.Config{
		Name: "shop",
		Routes: func(r *module.Router) error {
			r.HandleFunc("POST /admin/colleagues", func(w http.ResponseWriter, r *http.Request) {
				invite, err := inviteColleague(r.Context(), httpx.Scope(r), "new@example.com")
				if err != nil {
					httpx.WriteError(w, r, err)
					return
				}
				httpx.WriteJSON(w, http.StatusOK, map[string]any{"invite": invite})
			})
			return nil
		},
	}
	_ = cfg // cli.Main(cfg) in the application's main
	// Output:
}
