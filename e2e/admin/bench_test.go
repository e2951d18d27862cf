package admin_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/medusa-go/medusa/modules/user"
)

// BenchmarkUsersPage10k measures the users page with 10,000 users in
// headless Chromium: the time from the navigation's start to the first
// page of rows in the table (the page's "users-rows" performance mark),
// over 20 loads after one warm-up, with the browser cache on (an admin
// coming back: the hashed assets are cached) and off (every asset fetched
// again). It reports p50 and p95 in milliseconds. Run it with
//
//	go test ./e2e/admin -run '^$' -bench UsersPage10k -benchtime 1x
func BenchmarkUsersPage10k(b *testing.B) {
	e := start(b)
	ctx := context.Background()
	const total = 10_000
	for i := 0; i < total; i += 1000 {
		in := make([]user.CreateUserInput, 0, 1000)
		for j := i; j < i+1000; j++ {
			first, last := fmt.Sprintf("First%05d", j), fmt.Sprintf("Last%05d", j)
			in = append(in, user.CreateUserInput{Email: fmt.Sprintf("user%05d@store.test", j), FirstName: &first, LastName: &last})
		}
		if _, err := e.Users.CreateUsers(ctx, in...); err != nil {
			b.Fatal(err)
		}
	}
	e.account(b, adminEmail, adminPassword, "Ada", "Admin")
	tb := newTab(b, e.URL, 1280, 900)
	tb.signIn(adminEmail, adminPassword)
	tb.waitText(fmt.Sprintf("of %d users", total+1))

	load := func() float64 {
		tb.open("/app/users")
		return poll[float64](tb, `(performance.getEntriesByName('users-rows')[0] || {}).startTime || 0`)
	}
	measure := func(cache bool) (p50, p95 float64) {
		if _, err := chromedp.Call(tb.ctx, network.Enable, network.EnableParams{}); err != nil {
			b.Fatal(err)
		}
		if _, err := chromedp.Call(tb.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: !cache}); err != nil {
			b.Fatal(err)
		}
		load() // warm-up
		ms := make([]float64, 20)
		for i := range ms {
			ms[i] = load()
		}
		slices.Sort(ms)
		return rank(ms, 0.50), rank(ms, 0.95)
	}
	for b.Loop() {
		warm50, warm95 := measure(true)
		cold50, cold95 := measure(false)
		b.ReportMetric(warm50, "p50_ms")
		b.ReportMetric(warm95, "p95_ms")
		b.ReportMetric(cold50, "p50_nocache_ms")
		b.ReportMetric(cold95, "p95_nocache_ms")
	}
}

// rank is the nearest-rank percentile p of sorted values: with 20 loads,
// p50 is the 10th and p95 the 19th.
func rank(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
