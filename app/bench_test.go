package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/authtoken"
	"github.com/medusa-go/medusa/framework/config"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/user"
)

// BenchmarkAdminAPI serves GET /admin/users (1,000 seeded users, the default
// page of 50) and POST /admin/invites through the application's whole
// handler (middleware, bearer auth, routes, workflow, durable bus) in
// process, without sockets, with the app in shared worker mode (River works
// the invite subscriber's deliveries in this process, as in
// scripts/loadtest.sh). It reports allocations per request and the round
// trips and statements of the whole pool per request (for invites this
// includes River's fetch, delivery and completion, which run concurrently,
// so the numbers are averages over the run, settled after the loop).
//
//	go test ./app -run '^$' -bench AdminAPI -benchmem
func BenchmarkAdminAPI(b *testing.B) {
	ctx := context.Background()
	pool, wc := pgtest.NewCountedPool(b, pgtest.NewURL(b, migrations(b, app.Config{})...), func(c *pgxpool.Config) { c.MaxConns = 16 })
	cfg, err := config.FromEnv(config.Development, func(k string) string {
		return map[string]string{"MEDUSA_WORKER_MODE": "shared", "JWT_SECRET": "bench-secret-0123456789"}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	a, err := app.New(ctx, app.Config{Settings: cfg}, pool, app.WithLogger(quiet))
	if err != nil {
		b.Fatal(err)
	}
	if err := a.Container.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = a.Container.Stop(context.Background()) }()
	svc, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		b.Fatal(err)
	}
	seed := make([]user.CreateUserInput, 1000)
	for i := range seed {
		first, last := fmt.Sprint("First", i), fmt.Sprint("Last", i)
		seed[i] = user.CreateUserInput{Email: fmt.Sprintf("seed%d@bench.example", i), FirstName: &first, LastName: &last}
	}
	us, err := svc.CreateUsers(ctx, append([]user.CreateUserInput{{Email: "admin@bench.example"}}, seed...)...)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := a.Auth.IssueToken(authtoken.AuthContext{ActorID: us[0].ID, ActorType: "user", AuthIdentityID: "authid_bench", AppMetadata: map[string]any{"user_id": us[0].ID}})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	serve := func(method, path, body string) {
		var rd io.Reader = http.NoBody
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, path, rd)
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
		}
	}
	// settle waits until River has delivered every invite.created (no
	// available or running medusa_event job), so the next measurement
	// starts from a quiet pool.
	settle := func() {
		for range 500 {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'medusa_event' AND state IN ('available', 'running', 'pending', 'scheduled', 'retryable')`).Scan(&n); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.Fatal("deliveries did not finish")
	}
	measure := func(b *testing.B, method, path string, body func(i int) string) {
		for i := range 20 { // connections, statement caches
			serve(method, path, body(-1-i))
		}
		settle()
		r0, s0 := wc.RoundTrips.Load(), wc.Statements.Load()
		b.ReportAllocs()
		b.ResetTimer()
		i := 0
		for b.Loop() {
			serve(method, path, body(i))
			i++
		}
		b.StopTimer()
		settle()
		n := float64(i)
		b.ReportMetric(float64(wc.RoundTrips.Load()-r0)/n, "roundtrips/op")
		b.ReportMetric(float64(wc.Statements.Load()-s0)/n, "statements/op")
	}
	b.Run("list-users", func(b *testing.B) {
		measure(b, http.MethodGet, "/admin/users", func(int) string { return "" })
	})
	run := 0
	b.Run("create-invites", func(b *testing.B) {
		run++
		measure(b, http.MethodPost, "/admin/invites", func(i int) string {
			return fmt.Sprintf(`{"email":"bench-%d-%d@example.com"}`, run, i)
		})
	})
}
