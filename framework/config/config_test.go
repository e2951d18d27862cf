package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	c, err := config.Load(config.Development, config.Config{}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != "localhost" || c.Port != 9000 || c.JWTSecret != config.DefaultSecret || c.WorkerMode != "shared" || c.JWTExpires != 24*time.Hour {
		t.Fatalf("defaults: %+v", c)
	}
	if got := c.AdminURLOrDefault(); got != "http://localhost:9000/app" {
		t.Fatalf("admin URL %q", got)
	}
}

// The application's settings are the base; every variable that is set
// overrides its field; unset ones leave the application's value.
func TestLoadEnvironmentOverridesTheApplication(t *testing.T) {
	base := config.Config{Port: 8000, AdminCORS: []string{"http://app.example"}, AdminURL: "https://admin.example/app", WorkerMode: "server", JWTExpires: time.Hour}
	c, err := config.Load(config.Development, base, env(map[string]string{"PORT": "7000", "ADMIN_CORS": "http://a, http://b"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 7000 || strings.Join(c.AdminCORS, "|") != "http://a|http://b" {
		t.Fatalf("overrides: %+v", c)
	}
	if c.AdminURL != "https://admin.example/app" || c.WorkerMode != "server" || c.JWTExpires != time.Hour {
		t.Fatalf("application values lost: %+v", c)
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	for _, tc := range []struct {
		base config.Config
		env  map[string]string
		mode config.Mode
		want string
	}{
		{env: map[string]string{"PORT": "http"}, want: `PORT="http" is not a port number`},
		{base: config.Config{Port: 70000}, want: "port 70000 is not a port number"},
		{env: map[string]string{"MEDUSA_WORKER_MODE": "both"}, want: `worker mode "both"`},
		{env: map[string]string{"JWT_EXPIRES_IN": "soon"}, want: "JWT_EXPIRES_IN"},
		{mode: config.Production, env: map[string]string{"DATABASE_URL": "postgres://x"}, want: "set JWT_SECRET"},
		{mode: config.Production, base: config.Config{JWTSecret: "0123456789abcdef0123", CookieSecret: "0123456789abcdef0123"}, want: "DATABASE_URL is required in production"},
	} {
		mode := tc.mode
		if mode == "" {
			mode = config.Development
		}
		_, err := config.Load(mode, tc.base, env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %v: error %v, want %q", tc.base, tc.env, err, tc.want)
		}
	}
	// Production with everything set from the application's own settings.
	if _, err := config.Load(config.Production, config.Config{DatabaseURL: "postgres://x", JWTSecret: "0123456789abcdef0123", CookieSecret: "0123456789abcdef0123"}, env(nil)); err != nil {
		t.Fatal(err)
	}
}
