package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/medusa-go/medusa/framework/container"
)

// Key is the container key of the application's configuration (Medusa's
// configModule registration): the application registers its Config under
// it, and routes read their settings from it.
var Key = container.NewKey[Config]("configModule")

// ListCountLimitIn returns the bound of the admin list routes' counts:
// Limits.ListCountLimit of the configuration registered in c under Key, or
// DefaultLimits' when c holds none (routes mounted without an
// application, as in tests).
func ListCountLimitIn(c *container.Container) int {
	if c != nil {
		if cfg, err := container.Resolve(c, Key); err == nil {
			return cfg.Limits.ListCountLimit
		}
	}
	return DefaultLimits.ListCountLimit
}

// DefaultAdminPath is where the admin dashboard is served when AdminPath is
// empty (Medusa's admin.path default).
const DefaultAdminPath = "/app"

// DefaultSecret is Medusa's development default for JWT_SECRET and
// COOKIE_SECRET ("supersecret"). medusa-go accepts it only in development.
const DefaultSecret = "supersecret"

// Mode tells development from production.
type Mode string

// Modes.
const (
	Development Mode = "development"
	Production  Mode = "production"
)

// Config is the project configuration (Medusa's projectConfig), read from the
// environment.
type Config struct {
	Mode         Mode
	DatabaseURL  string
	Host         string
	Port         int
	JWTSecret    string
	JWTExpires   time.Duration
	CookieSecret string
	// WorkerMode is "shared" (HTTP and background work), "server" or "worker".
	WorkerMode string
	// AdminCORS, AuthCORS and StoreCORS are the origins allowed to call
	// /admin, /auth and /store from a browser (ADMIN_CORS, AUTH_CORS,
	// STORE_CORS: comma-separated origins or /regex/ patterns, as Medusa's).
	AdminCORS, AuthCORS, StoreCORS []string
	// AdminURL is where the admin dashboard is reached from a browser
	// (MEDUSA_ADMIN_URL); see AdminURLOrDefault.
	AdminURL string
	// AdminPath is the path the dashboard is served under
	// (MEDUSA_ADMIN_PATH, default "/app", Medusa's admin.path).
	AdminPath string
	// AdminDisabled switches the dashboard off (MEDUSA_ADMIN_DISABLE=true,
	// Medusa's admin.disable).
	AdminDisabled bool
	// Limits: request deadline, statement timeout, pool wait, load
	// shedding and shutdown (MEDUSA_* variables, see limits.go).
	Limits Limits
}

// FromEnv reads the configuration with getenv (os.Getenv in production code):
// Load over an empty base.
func FromEnv(mode Mode, getenv func(string) string) (Config, error) {
	return Load(mode, Config{}, getenv)
}

// Load returns base, an application's own settings, with every environment
// variable that is set (read with getenv) overriding the matching field, and
// defaults for what neither sets: HOST localhost, PORT 9000, JWT_SECRET and
// COOKIE_SECRET DefaultSecret (refused by Validate in production),
// JWT_EXPIRES_IN 24h, MEDUSA_WORKER_MODE shared, the Limits' MEDUSA_*
// variables over DefaultLimits. The other variables are
// DATABASE_URL, MEDUSA_ADMIN_URL, MEDUSA_ADMIN_PATH (default /app),
// MEDUSA_ADMIN_DISABLE and ADMIN_CORS, AUTH_CORS, STORE_CORS. The result is
// validated.
func Load(mode Mode, base Config, getenv func(string) string) (Config, error) {
	c := base
	c.Mode = mode
	c.DatabaseURL = or(getenv("DATABASE_URL"), c.DatabaseURL)
	c.Host = or(getenv("HOST"), or(c.Host, "localhost"))
	c.JWTSecret = or(getenv("JWT_SECRET"), or(c.JWTSecret, DefaultSecret))
	c.CookieSecret = or(getenv("COOKIE_SECRET"), or(c.CookieSecret, DefaultSecret))
	c.WorkerMode = or(getenv("MEDUSA_WORKER_MODE"), or(c.WorkerMode, "shared"))
	c.AdminURL = or(getenv("MEDUSA_ADMIN_URL"), c.AdminURL)
	c.AdminPath = or(getenv("MEDUSA_ADMIN_PATH"), or(c.AdminPath, DefaultAdminPath))
	if v := strings.TrimSpace(getenv("MEDUSA_ADMIN_DISABLE")); v != "" {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: MEDUSA_ADMIN_DISABLE=%q: want true or false", v)
		}
		c.AdminDisabled = off
	}
	for _, l := range []struct {
		env  string
		into *[]string
	}{{"ADMIN_CORS", &c.AdminCORS}, {"AUTH_CORS", &c.AuthCORS}, {"STORE_CORS", &c.StoreCORS}} {
		if v := getenv(l.env); v != "" {
			*l.into = splitList(v)
		}
	}
	if v := getenv("PORT"); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 0 || port > 65535 {
			return Config{}, fmt.Errorf("config: PORT=%q is not a port number", v)
		}
		c.Port = port
	} else if c.Port == 0 {
		c.Port = 9000
	}
	if c.Port < 0 || c.Port > 65535 {
		return Config{}, fmt.Errorf("config: port %d is not a port number", c.Port)
	}
	if c.Limits == (Limits{}) {
		c.Limits = DefaultLimits
	}
	limits, err := limitsOver(c.Limits, getenv)
	if err != nil {
		return Config{}, err
	}
	c.Limits = limits
	if v := getenv("JWT_EXPIRES_IN"); v != "" {
		d, err := ParseDuration(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: JWT_EXPIRES_IN: %w", err)
		}
		c.JWTExpires = d
	} else if c.JWTExpires == 0 {
		c.JWTExpires = 24 * time.Hour
	}
	return c, c.Validate()
}

// AdminURLOrDefault is AdminURL, or the dashboard on this server
// (http://<host>:<port><admin path>) when it is empty. Invite e-mails link
// to <admin URL>/invite?token=….
func (c Config) AdminURLOrDefault() string {
	if c.AdminURL != "" {
		return strings.TrimRight(c.AdminURL, "/")
	}
	return fmt.Sprintf("http://%s%s", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), or(c.AdminPath, DefaultAdminPath))
}

// Validate checks the rules of the mode: production needs a database URL and
// secrets other than the development default.
func (c Config) Validate() error {
	var errs []error
	switch c.WorkerMode {
	case "shared", "server", "worker":
	default:
		errs = append(errs, fmt.Errorf("config: worker mode %q must be shared, server or worker", c.WorkerMode))
	}
	if c.Mode == Production {
		if c.DatabaseURL == "" {
			errs = append(errs, errors.New("config: DATABASE_URL is required in production"))
		}
		if c.JWTSecret == DefaultSecret || len(c.JWTSecret) < 16 {
			errs = append(errs, errors.New("config: set JWT_SECRET to a random value of at least 16 characters; the default secret is refused outside dev"))
		}
		if c.CookieSecret == DefaultSecret || len(c.CookieSecret) < 16 {
			errs = append(errs, errors.New("config: set COOKIE_SECRET to a random value of at least 16 characters; the default secret is refused outside dev"))
		}
	}
	return errors.Join(errs...)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ParseDuration accepts Go durations ("90m") and the jsonwebtoken/ms forms
// Medusa configs use ("1d", "7d", "12h", or a bare number of seconds).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("duration %q must be positive", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("duration %q: want e.g. 1d, 12h, 90m or seconds", s)
		}
		return time.Duration(n * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("duration %q: want e.g. 1d, 12h, 90m or seconds", s)
	}
	return d, nil
}
