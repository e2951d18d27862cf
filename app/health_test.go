package app_test

import (
	"context"
	"encoding/json"
	"github.com/medusa-go/medusa/internal/testkit"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/pgtest"
)

// limitedApp builds an application whose pool and configuration have the
// limits env sets (MEDUSA_*), logging to logs.
func limitedApp(t *testing.T, env map[string]string, logs io.Writer) (*app.App, string) {
	t.Helper()
	env["JWT_SECRET"] = "test-secret-0123456789"
	cfg, err := config.FromEnv(config.Development, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.NewURL(t, migrations(t, app.Config{})...)
	pool, err := db.Open(context.Background(), dbURL, app.PoolLimits(cfg.Limits))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a, err := app.New(context.Background(), app.Config{Settings: cfg}, pool, app.WithLogger(slog.New(slog.NewJSONHandler(logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return a, dbURL
}

// setConnections lets the database at dbURL take connections or not; when
// not, its open sessions are terminated (what a fast restart of Postgres
// does to them), and new ones are refused.
func setConnections(t *testing.T, dbURL string, allow bool) {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	admin, err := pgx.Connect(ctx, pgtest.Server(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH ALLOW_CONNECTIONS `+map[bool]string{true: "true", false: "false"}[allow]); err != nil {
		t.Fatal(err)
	}
	if !allow {
		if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, name); err != nil {
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, h http.Handler, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// While the database refuses connections, API requests get 503 in Medusa's
// error shape with Retry-After, each logged in one line; /health answers
// "not ready" (the liveness check stays 200); when the database is back,
// both recover by themselves.
func TestDatabaseUnavailableIs503AndNotReady(t *testing.T) {
	var logs testkit.Buffer
	a, dbURL := limitedApp(t, map[string]string{"MEDUSA_POOL_WAIT": "1s"}, &logs)
	h := a.Handler()
	tok, _ := adminToken(t, a)
	if rec := get(t, h, "/health", ""); rec.Code != 200 || rec.Body.String() != "OK" {
		t.Fatalf("ready: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/admin/users", tok); rec.Code != 200 {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	setConnections(t, dbURL, false)
	defer setConnections(t, dbURL, true)
	const failed = 4
	for i := range failed {
		path := "/admin/users"
		if i%2 == 1 {
			path = "/admin/invites"
		}
		rec := get(t, h, path, tok)
		var body map[string]string
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != 503 || body["type"] != "unavailable" || body["code"] != "database_unavailable" || body["message"] == "" || rec.Header().Get("Retry-After") != "2" {
			t.Fatalf("%s with the database gone: %d %s Retry-After %q", path, rec.Code, rec.Body, rec.Header().Get("Retry-After"))
		}
	}
	time.Sleep(300 * time.Millisecond) // past the readiness cache
	if rec := get(t, h, "/health", ""); rec.Code != 503 || rec.Body.String() != "not ready: database unavailable" || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("ready with the database gone: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/health/ready", ""); rec.Code != 503 {
		t.Fatalf("/health/ready with the database gone: %d", rec.Code)
	}
	if rec := get(t, h, "/health/live", ""); rec.Code != 200 || rec.Body.String() != "OK" {
		t.Fatalf("live with the database gone: %d %s", rec.Code, rec.Body)
	}
	// One line per failed request, no ERROR line at all.
	warn503 := 0
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if m["level"] == "ERROR" {
			t.Errorf("an ERROR line: %s", line)
		}
		if m["msg"] == "http request" && m["status"] == float64(503) && m["error"] != nil {
			warn503++
		}
	}
	if warn503 != failed {
		t.Errorf("%d access lines for %d failed requests:\n%s", warn503, failed, logs.String())
	}

	setConnections(t, dbURL, true)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ready, list := get(t, h, "/health", ""), get(t, h, "/admin/users", tok)
		if ready.Code == 200 && list.Code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not back 10 s after the database: ready %d, list %d %s", ready.Code, list.Code, list.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// On shutdown the readiness check answers "not ready: shutting down" at
// once, while the server still serves during MEDUSA_SHUTDOWN_DELAY; then the
// listener closes and Serve returns nil.
func TestShutdownTurnsNotReadyFirst(t *testing.T) {
	var logs testkit.Buffer
	a, _ := limitedApp(t, map[string]string{"MEDUSA_SHUTDOWN_DELAY": "700ms", "MEDUSA_SHUTDOWN_TIMEOUT": "5s"}, &logs)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, "127.0.0.1:0", func(at net.Addr) { addrc <- at }) }()
	base := "http://" + (<-addrc).String()
	client := &http.Client{Timeout: 5 * time.Second}
	status := func(path string) int {
		resp, err := client.Get(base + path)
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status("/health"); s != 200 {
		t.Fatalf("ready before shutdown: %d", s)
	}
	cancel()
	time.Sleep(200 * time.Millisecond)
	if s := status("/health"); s != 503 {
		t.Fatalf("ready during the shutdown delay: %d, want 503", s)
	}
	if s := status("/health/live"); s != 200 {
		t.Fatalf("live during the shutdown delay: %d, want 200", s)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if s := status("/health/live"); s != -1 {
		t.Fatalf("still listening after Serve returned: %d", s)
	}
	if !strings.Contains(logs.String(), "shutting down: no longer ready") {
		t.Fatalf("logs: %s", logs.String())
	}
}

// The request deadline and the pool wait: a request that waits longer than
// MEDUSA_POOL_WAIT for a database connection gets 503 in that time.
func TestPoolWaitIs503(t *testing.T) {
	var logs testkit.Buffer
	a, _ := limitedApp(t, map[string]string{"MEDUSA_POOL_WAIT": "200ms"}, &logs)
	tok, _ := adminToken(t, a)
	h := a.Handler()
	var held []*pgxpool.Conn
	for range a.Pool.Config().MaxConns {
		c, err := a.Pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	start := time.Now()
	rec := get(t, h, "/admin/users", tok)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"type":"unavailable"`) || time.Since(start) > 2*time.Second {
		t.Fatalf("with the pool exhausted: %d %s after %v", rec.Code, rec.Body, time.Since(start))
	}
	for _, c := range held {
		c.Release()
	}
	if rec := get(t, h, "/admin/users", tok); rec.Code != 200 {
		t.Fatalf("after: %d %s", rec.Code, rec.Body)
	}
}
