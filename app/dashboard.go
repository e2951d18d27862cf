package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/dashboard"
	"github.com/medusa-go/medusa/framework/httpauth"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
	"github.com/medusa-go/medusa/framework/module"
)

// dashboardModule serves the admin dashboard at the settings' AdminPath
// (Medusa's admin.path, "/app"), unless AdminDisabled. It is a client of the
// Admin and Auth APIs like the JS SDK; its pages are public (they sign in
// through the API).
func dashboardModule() module.Module {
	var h http.Handler
	var path string
	return module.Module{
		Name: "dashboard",
		Register: func(_ context.Context, host *module.Host) error {
			if host.Settings.AdminDisabled {
				return nil
			}
			path = host.Settings.AdminPath
			if path == "" {
				path = dashboard.DefaultPath
			}
			var err error
			if h, err = dashboard.New(dashboard.Options{Path: path}); err != nil {
				return fmt.Errorf("admin path (MEDUSA_ADMIN_PATH) %q: %w", path, err)
			}
			return nil
		},
		Routes: func(r *module.Router) error {
			if h == nil {
				return nil
			}
			r.Handle(path, h)
			r.Handle(path+"/", h)
			return nil
		},
	}
}

// csrfProtection refuses cross-origin state changes authenticated by the
// session cookie (the dashboard's, or any browser client's); the CORS
// origins of the API stay trusted.
func csrfProtection(auth *httpauth.Auth, cfg config.Config) httpx.Middleware {
	cookie := httpauth.DefaultSessionCookie
	if auth != nil && auth.Sessions() != nil {
		cookie = auth.Sessions().CookieName()
	}
	var trusted []string
	trusted = append(trusted, cfg.AdminCORS...)
	trusted = append(trusted, cfg.AuthCORS...)
	trusted = append(trusted, cfg.StoreCORS...)
	return mw.CSRF(cookie, trusted...)
}
