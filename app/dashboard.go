package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/framework/dashboard"
	"github.com/medusa-go/medusa/framework/httpx"
)

// The dashboard's settings (Medusa's admin.path and admin.disable).
const (
	// EnvAdminPath is the path the admin dashboard is served under
	// (dashboard.DefaultPath, "/app", when unset).
	EnvAdminPath = "MEDUSA_ADMIN_PATH"
	// EnvAdminDisable switches the dashboard off when "true" (or "1").
	EnvAdminDisable = "MEDUSA_ADMIN_DISABLE"
	// EnvAdminURL is the dashboard's public URL, the base of the links in
	// invite and reset-password e-mails (http://HOST:PORT<admin path> when
	// unset).
	EnvAdminURL = "MEDUSA_ADMIN_URL"
)

// adminPath is the dashboard's path, or "" when it is disabled.
func adminPath(a *App) (string, error) {
	if v := strings.TrimSpace(a.getenv(EnvAdminDisable)); v != "" {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return "", fmt.Errorf("%s=%q: want true or false", EnvAdminDisable, v)
		}
		if off {
			return "", nil
		}
	}
	p := a.getenv(EnvAdminPath)
	if p == "" {
		p = dashboard.DefaultPath
	}
	if err := dashboard.ValidatePath(p); err != nil {
		return "", fmt.Errorf("%s: %w", EnvAdminPath, err)
	}
	return p, nil
}

// adminURL is the dashboard's public URL, for links in notifications.
func adminURL(a *App) string {
	if u := a.getenv(EnvAdminURL); u != "" {
		return strings.TrimRight(u, "/")
	}
	p, err := adminPath(a)
	if err != nil || p == "" {
		p = dashboard.DefaultPath
	}
	return fmt.Sprintf("http://%s:%d%s", a.Config.Host, a.Config.Port, p)
}

// mountDashboard serves the admin dashboard at its path (unless disabled).
func mountDashboard(a *App, mux *http.ServeMux) error {
	p, err := adminPath(a)
	if err != nil || p == "" {
		return err
	}
	h, err := dashboard.New(dashboard.Options{Path: p})
	if err != nil {
		return err
	}
	mux.Handle(p, h)
	mux.Handle(p+"/", h)
	return nil
}

// csrfProtection refuses cross-origin state changes authenticated by the
// session cookie (the dashboard's, or any browser client's); the CORS
// origins of the API stay trusted.
func csrfProtection(a *App) httpx.Middleware {
	cookie := httpx.DefaultSessionCookie
	if s := a.Auth.Sessions(); s != nil {
		cookie = s.CookieName()
	}
	var trusted []string
	trusted = append(trusted, a.Config.AdminCORS...)
	trusted = append(trusted, a.Config.AuthCORS...)
	trusted = append(trusted, a.Config.StoreCORS...)
	return httpx.CSRF(cookie, trusted...)
}
