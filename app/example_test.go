package app_test

import (
	"net/http"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/modules"
	"github.com/medusa-go/medusa/modules/user"
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
