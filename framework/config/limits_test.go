package config

import (
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/container"
)

func TestLimitsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	l, err := LimitsFromEnv(env(nil))
	if err != nil || l != DefaultLimits {
		t.Fatalf("defaults: %+v, %v", l, err)
	}
	l, err = LimitsFromEnv(env(map[string]string{
		"MEDUSA_REQUEST_TIMEOUT": "2.5", "MEDUSA_STATEMENT_TIMEOUT": "0", "MEDUSA_POOL_WAIT": "750ms",
		"MEDUSA_MAX_IN_FLIGHT": "8", "MEDUSA_MAX_WAITING": "0", "MEDUSA_MAX_WAIT": "1m", "MEDUSA_MAX_CONNECTIONS": "100",
		"MEDUSA_SHUTDOWN_TIMEOUT": "30s", "MEDUSA_SHUTDOWN_DELAY": " 5s ", "MEDUSA_LEASE": "3s", "MEDUSA_LIST_COUNT_LIMIT": "0",
	}))
	want := Limits{RequestTimeout: 2500 * time.Millisecond, StatementTimeout: 0, PoolWait: 750 * time.Millisecond,
		MaxInFlight: 8, MaxWaiting: 0, MaxWait: time.Minute, MaxConnections: 100, ShutdownTimeout: 30 * time.Second, ShutdownDelay: 5 * time.Second, Lease: 3 * time.Second}
	if err != nil || l != want {
		t.Fatalf("overrides: %+v, %v", l, err)
	}
	_, err = LimitsFromEnv(env(map[string]string{
		"MEDUSA_REQUEST_TIMEOUT": "soon", "MEDUSA_POOL_WAIT": "-1s", "MEDUSA_MAX_IN_FLIGHT": "-3", "MEDUSA_SHUTDOWN_TIMEOUT": "0",
		"MEDUSA_LIST_COUNT_LIMIT": "many",
	}))
	for _, want := range []string{`MEDUSA_REQUEST_TIMEOUT="soon"`, `MEDUSA_POOL_WAIT="-1s": must not be negative`, `MEDUSA_MAX_IN_FLIGHT="-3"`, `MEDUSA_SHUTDOWN_TIMEOUT="0": must be more than 0`,
		`MEDUSA_LIST_COUNT_LIMIT="many": want a whole number, 0 or more`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to name %s", err, want)
		}
	}
	if l, err := LimitsFromEnv(env(map[string]string{"MEDUSA_MAX_IN_FLIGHT": "auto"})); err != nil || l.MaxInFlight != AutoInFlight {
		t.Fatalf("auto: %+v, %v", l, err)
	}
	// FromEnv refuses a bad limit too.
	if _, err := FromEnv(Development, env(map[string]string{"MEDUSA_MAX_WAIT": "x"})); err == nil || !strings.Contains(err.Error(), "MEDUSA_MAX_WAIT") {
		t.Fatalf("FromEnv: %v", err)
	}
}

// TestListCountLimitIn checks where routes find the bound of their counts:
// the configuration registered under Key, else the default.
func TestListCountLimitIn(t *testing.T) {
	if n := ListCountLimitIn(nil); n != 10_000 {
		t.Fatalf("no container: %d", n)
	}
	c := container.New()
	if n := ListCountLimitIn(c); n != DefaultLimits.ListCountLimit {
		t.Fatalf("no configuration: %d", n)
	}
	cfg, err := Load(Development, Config{}, func(k string) string {
		return map[string]string{"MEDUSA_LIST_COUNT_LIMIT": "0"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := container.Register(c, Key, cfg); err != nil {
		t.Fatal(err)
	}
	if n := ListCountLimitIn(c); n != 0 {
		t.Fatalf("MEDUSA_LIST_COUNT_LIMIT=0: %d", n)
	}
}
