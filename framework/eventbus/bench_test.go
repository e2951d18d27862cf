package eventbus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/db"
	"github.com/medusa-go/medusa/framework/eventbus"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
)

// riverConfigs are the River settings benchmarked: the engine's defaults
// (FetchCooldown 10ms, FetchPollInterval 200ms), River's own defaults
// (100ms, 1s) and a low-latency tuning.
var riverConfigs = []struct {
	name      string
	configure func(*river.Config)
	workers   int
	direct    bool // the bus's default; the others measure River jobs (WithoutDirectDelivery)
}{
	{"direct", nil, 0, true},
	{"engine-defaults", nil, 0, false},
	{"engine-defaults-200-workers", nil, 200, false},
	{"river-defaults", func(c *river.Config) { c.FetchCooldown = 100 * time.Millisecond; c.FetchPollInterval = time.Second }, 0, false},
	{"cooldown-5ms", func(c *river.Config) {
		c.FetchCooldown = 5 * time.Millisecond
		c.FetchPollInterval = 50 * time.Millisecond
	}, 0, false},
}

func benchBus(b *testing.B, configure func(*river.Config), workers int, direct bool, h eventbus.Handler) *eventbus.Bus {
	b.Helper()
	pool := pgtest.NewPool(b, sources...)
	e := testkit.Jobs(b, pool, container.New(), jobs.Options{Configure: configure})
	var opts []eventbus.Option
	if !direct {
		opts = append(opts, eventbus.WithoutDirectDelivery())
	}
	bus, err := eventbus.New(e, workers, opts...)
	if err != nil {
		b.Fatal(err)
	}
	if err := bus.Subscribe(eventbus.Subscriber{ID: "bench", Events: []string{"bench.event"}, Handler: h}); err != nil {
		b.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Stop(context.Background()) })
	return bus
}

// BenchmarkDeliveryLatency emits one event at a time (each in its own
// transaction) and waits for the handler: emit → handler latency on an idle
// instance, reported as p50/p99.
func BenchmarkDeliveryLatency(b *testing.B) {
	for _, rc := range riverConfigs {
		b.Run(rc.name, func(b *testing.B) {
			got := make(chan time.Duration, 1)
			bus := benchBus(b, rc.configure, rc.workers, rc.direct, func(ctx context.Context, _ *container.Container, m events.Message) error {
				var sent int64
				if err := json.Unmarshal(m.Data, &sent); err != nil {
					return err
				}
				got <- time.Since(time.Unix(0, sent))
				return nil
			})
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				m, _ := events.New("bench.event", time.Now().UnixNano(), events.Metadata{})
				if err := bus.Emit(ctx, m); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, <-got)
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkThroughput emits b.N events in transactions of `batch` events and
// waits until one instance has handled them all: sustained events/s,
// insert and delivery together.
func BenchmarkThroughput(b *testing.B) {
	for _, rc := range riverConfigs {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("%s/batch=%d", rc.name, batch), func(b *testing.B) {
				var handled atomic.Int64
				bus := benchBus(b, rc.configure, rc.workers, rc.direct, func(context.Context, *container.Container, events.Message) error {
					handled.Add(1)
					return nil
				})
				ctx := context.Background()
				pool := bus.Engine().Pool()
				b.ResetTimer()
				t0 := time.Now()
				for i := 0; i < b.N; i += batch {
					n := min(batch, b.N-i)
					err := db.InTx(ctx, pool, func(ctx context.Context, tx pgx.Tx) error {
						msgs := make([]events.Message, n)
						for j := range msgs {
							msgs[j], _ = events.New("bench.event", i+j, events.Metadata{})
						}
						return bus.Emit(ctx, msgs...)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				for handled.Load() < int64(b.N) {
					time.Sleep(time.Millisecond)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkEmit is the cost of storing events (server mode: no worker), in
// transactions of 1 and 100 events.
func BenchmarkEmit(b *testing.B) {
	for _, batch := range []int{1, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			pool := pgtest.NewPool(b, sources...)
			e := testkit.Jobs(b, pool, nil, jobs.Options{Mode: jobs.ModeServer})
			bus, err := eventbus.New(e, 0)
			if err != nil {
				b.Fatal(err)
			}
			if err := bus.Subscribe(eventbus.Subscriber{ID: "bench", Events: []string{"bench.event"}, Handler: func(context.Context, *container.Container, events.Message) error { return nil }}); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			t0 := time.Now()
			for i := 0; i < b.N; i += batch {
				n := min(batch, b.N-i)
				msgs := make([]events.Message, n)
				for j := range msgs {
					msgs[j], _ = events.New("bench.event", i+j, events.Metadata{})
				}
				if err := bus.Emit(ctx, msgs...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(t0).Seconds(), "events/s")
		})
	}
}
