package sqlb

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"
)

// benchRows is the size of the table the list benchmarks seed (their
// numbers in docs/modgen.md, "Lists at scale", are of -sqlb.rows=1000000;
// seeding a million rows takes about half a minute).
var benchRows = flag.Int("sqlb.rows", 100_000, "rows of the table BenchmarkLists seeds")

// BenchmarkLists measures the list shapes of a big table (every seventh row
// soft-deleted, a third of the names NULL): exact and bounded counts, deep
// offsets read plainly and by a deferred join, deep pages by cursor, and a
// broad q search, ranked and by id. Run with
//
//	go test -run '^$' -bench Lists -benchtime 20x ./framework/sqlb -args -sqlb.rows=1000000
func BenchmarkLists(b *testing.B) {
	ctx := context.Background()
	start := time.Now()
	pool, _ := newItems(b, *benchRows)
	b.Logf("seeded %d rows in %v", *benchRows, time.Since(start).Round(time.Millisecond))
	zero := 0
	newRow := func([]string) item { return item{} }
	run := func(name string, f itemFilter, cfg FindConfig, counted bool) {
		b.Run(name, func(b *testing.B) {
			var pg Page[item]
			var err error
			for b.Loop() {
				if counted {
					pg, err = FindPage(ctx, pool, itemTable, cfg, f.apply, newRow, (*item).dest)
				} else {
					pg.Rows, _, err = Find(ctx, pool, itemTable, cfg, false, f.apply, newRow, (*item).dest)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(pg.Count), "count")
			b.ReportMetric(float64(len(pg.Rows)), "rows")
		})
	}
	since := itemFilter{minN: &zero}
	for _, limit := range []int{0, 1_000, 10_000} {
		run(fmt.Sprintf("count/unfiltered/limit=%d", limit), itemFilter{}, FindConfig{Take: 50, CountLimit: limit}, true)
		run(fmt.Sprintf("count/n>=0/limit=%d", limit), since, FindConfig{Take: 50, CountLimit: limit}, true)
		run(fmt.Sprintf("count/q=name1/limit=%d", limit), itemFilter{q: "name1"}, FindConfig{Take: 50, CountLimit: limit, Order: []Order{{Field: "id"}}}, true)
	}
	for _, order := range []string{"id", "name"} {
		for _, off := range []int{100, 1_000, 10_000, 100_000, *benchRows / 2, *benchRows * 9 / 10} {
			for _, deferred := range []bool{false, true} {
				name := fmt.Sprintf("offset/order=%s/offset=%d/deferred=%v", order, off, deferred)
				b.Run(name, func(b *testing.B) {
					from := deferFrom
					deferFrom = 1 << 62
					if deferred {
						deferFrom = 0
					}
					defer func() { deferFrom = from }()
					cfg := FindConfig{Take: 50, Skip: off, Order: []Order{{Field: order}}}
					for b.Loop() {
						if _, _, err := Find(ctx, pool, itemTable, cfg, false, itemFilter{}.apply, newRow, (*item).dest); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
	// A cursor deep in the table: the row at 90% of name's order.
	deep, err := FindPage(ctx, pool, itemTable, FindConfig{Take: 1, Skip: *benchRows * 9 / 10 * 6 / 7, Order: []Order{{Field: "name"}}}, itemFilter{}.apply, newRow, (*item).dest)
	if err != nil || deep.Next == "" {
		b.Fatalf("deep cursor: %+v, %v", deep, err)
	}
	run("cursor/order=name/deep/limit=10000", itemFilter{}, FindConfig{Take: 50, Cursor: deep.Next, Order: []Order{{Field: "name"}}, CountLimit: 10_000}, true)
	run("cursor/order=name/deep/nocount", itemFilter{}, FindConfig{Take: 50, Cursor: deep.Next, Order: []Order{{Field: "name"}}}, false)
	run("q=name1/ranked/limit=10000", itemFilter{q: "name1"}, FindConfig{Take: 50, CountLimit: 10_000}, true)
	run("q=name1/by-id/limit=10000", itemFilter{q: "name1"}, FindConfig{Take: 50, CountLimit: 10_000, Order: []Order{{Field: "id"}}}, true)
	run("q=name1/ranked/nocount", itemFilter{q: "name1"}, FindConfig{Take: 50}, false)
	run("q=label12345/ranked/limit=10000", itemFilter{q: "label12345"}, FindConfig{Take: 50, CountLimit: 10_000}, true)
}
