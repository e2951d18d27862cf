package api_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/app/apptest"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/modules/user"
)

// scaleUsers is the number of users BenchmarkUserListsAtScale seeds; 0
// skips it (seeding a million takes a few minutes).
var scaleUsers = flag.Int("users.rows", 0, "users BenchmarkUserListsAtScale seeds (0: skip)")

// BenchmarkUserListsAtScale measures GET /admin/users on a big table, with
// the default count bound (MEDUSA_LIST_COUNT_LIMIT 10000): the list shapes
// of issue 18 (a filtered count of every row, deep offsets, a broad q),
// pages by cursor, and, through the service, the same lists counted
// exactly. first_name is 'First<i % 10000>', last_name 'Last<i % 997>';
// an index (first_name, id) of live rows stands for the sortable index
// generated modules get. Run with
//
//	go test -run '^$' -bench UserListsAtScale -benchtime 20x ./modules/user/api -args -users.rows=1000000
func BenchmarkUserListsAtScale(b *testing.B) {
	if *scaleUsers == 0 {
		b.Skip("set -users.rows")
	}
	ctx := context.Background()
	a := apptest.New(b, app.Config{})
	tok, _ := apptest.UserToken(b, a, "admin@example.com")
	start := time.Now()
	for _, sql := range []string{
		`INSERT INTO "user" (id, first_name, last_name, email, created_at, updated_at)
SELECT 'user_' || lpad(i::text, 10, '0'), 'First' || (i % 10000), 'Last' || (i % 997), 'user' || i || '@example.com',
       timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second'
FROM generate_series(1, ` + fmt.Sprint(*scaleUsers) + `) AS i`,
		`CREATE INDEX ON "user" (first_name, id) WHERE deleted_at IS NULL`,
		`CREATE INDEX ON "user" (created_at, id) WHERE deleted_at IS NULL`,
		`VACUUM ANALYZE "user"`,
		// Pages become all-visible (index-only scans) once their rows'
		// commit hints are set, after the commit's WAL is flushed
		// (synchronous_commit is off on the test server).
		`CHECKPOINT`,
		`VACUUM "user"`,
	} {
		if _, err := a.Pool.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d users in %v", *scaleUsers, time.Since(start).Round(time.Second))
	srv := httptest.NewServer(a.Handler())
	b.Cleanup(srv.Close)
	get := func(b *testing.B, path string) string {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
		}
		return string(body)
	}
	users, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		b.Fatal(err)
	}
	// cursorAt is the cursor after the row at 90% of the order.
	cursorAt := func(order []sqlb.Order) string {
		pg, err := users.ListUsersPage(ctx, user.UserFilter{}, sqlb.FindConfig{Take: 1, Skip: *scaleUsers * 9 / 10, Order: order})
		if err != nil || pg.Next == "" {
			b.Fatalf("cursor: %+v, %v", pg, err)
		}
		return pg.Next
	}
	mid := *scaleUsers / 2
	for _, path := range []string{
		"/admin/users",
		"/admin/users?created_at[$gte]=2026-01-01T00:00:00Z",
		"/admin/users?created_at[$gte]=2026-01-01T00:00:00Z&created_at[$lt]=2026-01-01T02:00:00Z",
		fmt.Sprintf("/admin/users?offset=%d", *scaleUsers*9/10),
		fmt.Sprintf("/admin/users?order=first_name&offset=%d", mid),
		"/admin/users?order=first_name&cursor=" + cursorAt([]sqlb.Order{{Field: "first_name"}}),
		"/admin/users?cursor=" + cursorAt(nil),
		"/admin/users?q=First42",
		"/admin/users?q=First42&order=id",
		"/admin/users?q=first4242",
		"/admin/users?q=user4242@",
	} {
		b.Run("GET "+strings.TrimPrefix(path, "/admin/users"), func(b *testing.B) {
			var body string
			for b.Loop() {
				body = get(b, path)
			}
			_, count, _ := strings.Cut(body, `"count":`)
			count, _, _ = strings.Cut(count, ",")
			b.Logf("count %s, estimated %v", count, strings.Contains(body, `"count_estimated":true`))
		})
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		f    user.UserFilter
	}{
		{"created_at>=", user.UserFilter{CreatedAt: sqlb.Gte(since)}},
		{"q=First42", user.UserFilter{Q: "First42"}},
	} {
		for _, limit := range []int{0, 1000, 10_000} {
			b.Run(fmt.Sprintf("service %s count limit %d", c.name, limit), func(b *testing.B) {
				var pg sqlb.Page[user.User]
				for b.Loop() {
					if pg, err = users.ListUsersPage(ctx, c.f, sqlb.FindConfig{Take: 50, CountLimit: limit}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(pg.Count), "count")
			})
		}
	}
}
