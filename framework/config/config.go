package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

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
	// Limits: request deadline, statement timeout, pool wait, load
	// shedding and shutdown (MEDUSA_* variables, see limits.go).
	Limits Limits
}

// FromEnv reads the configuration with getenv (os.Getenv in production code).
func FromEnv(mode Mode, getenv func(string) string) (Config, error) {
	c := Config{
		Mode:         mode,
		DatabaseURL:  getenv("DATABASE_URL"),
		Host:         or(getenv("HOST"), "localhost"),
		JWTSecret:    or(getenv("JWT_SECRET"), DefaultSecret),
		CookieSecret: or(getenv("COOKIE_SECRET"), DefaultSecret),
		JWTExpires:   24 * time.Hour,
		WorkerMode:   or(getenv("MEDUSA_WORKER_MODE"), "shared"),
	}
	c.AdminCORS = splitList(getenv("ADMIN_CORS"))
	c.AuthCORS = splitList(getenv("AUTH_CORS"))
	c.StoreCORS = splitList(getenv("STORE_CORS"))
	port, err := strconv.Atoi(or(getenv("PORT"), "9000"))
	if err != nil || port < 0 || port > 65535 {
		return Config{}, fmt.Errorf("config: PORT=%q is not a port number", getenv("PORT"))
	}
	c.Port = port
	if c.Limits, err = LimitsFromEnv(getenv); err != nil {
		return Config{}, err
	}
	if v := getenv("JWT_EXPIRES_IN"); v != "" {
		d, err := ParseDuration(v)
		if err != nil {
			return Config{}, fmt.Errorf("config: JWT_EXPIRES_IN: %w", err)
		}
		c.JWTExpires = d
	}
	return c, c.Validate()
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
