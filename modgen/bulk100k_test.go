package modgen_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/eventbus"
	busmig "github.com/medusa-go/medusa/framework/eventbus/migrations"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/jobs"
	jobsmig "github.com/medusa-go/medusa/framework/jobs/migrations"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/internal/testkit"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	blogmig "github.com/medusa-go/medusa/internal/testmodules/blog/migrations"
	"github.com/medusa-go/medusa/modules/user"
	usermig "github.com/medusa-go/medusa/modules/user/migrations"
)

// heapWatch samples the bytes of live and not yet collected heap objects
// (runtime/metrics, no stop of the world) every 200 µs while a phase runs,
// so that it can report the phase's peak above the heap it started from.
type heapWatch struct {
	base, allocs0 uint64
	stop          chan struct{}
	done          sync.WaitGroup
	peak          uint64
}

var heapSamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/allocs:bytes"}}

func readHeap() (objects, allocs uint64) {
	s := append([]metrics.Sample(nil), heapSamples...)
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// watchHeap collects garbage, then watches the heap until stop.
func watchHeap() *heapWatch {
	runtime.GC()
	w := &heapWatch{stop: make(chan struct{})}
	w.base, w.allocs0 = readHeap()
	w.peak = w.base
	w.done.Go(func() {
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				if h, _ := readHeap(); h > w.peak {
					w.peak = h
				}
			}
		}
	})
	return w
}

// end stops the watch and returns the peak heap above the start, the bytes
// allocated meanwhile and the heap still live (after a collection) above
// the start, in MB; the caller keeps the call's result alive until then.
func (w *heapWatch) end() (peakMB, allocMB, liveMB float64) {
	h, a := readHeap()
	close(w.stop)
	w.done.Wait()
	w.peak = max(w.peak, h)
	runtime.GC()
	live, _ := readHeap()
	return float64(w.peak-w.base) / 1e6, float64(a-w.allocs0) / 1e6, float64(int64(live)-int64(w.base)) / 1e6
}

// bulkPhases times and watches each phase of a bulk run and reports the
// sums over the benchmark's iterations as metrics per iteration.
type bulkPhases struct {
	b     *testing.B
	names []string
	took  map[string]time.Duration
	peak  map[string]float64
	alloc map[string]float64
	live  map[string]float64
}

func newBulkPhases(b *testing.B) *bulkPhases {
	return &bulkPhases{b: b, took: map[string]time.Duration{}, peak: map[string]float64{}, alloc: map[string]float64{}, live: map[string]float64{}}
}

// run times fn and watches the heap while it runs; fn returns what the
// call returned, kept alive until the live heap is read.
func (p *bulkPhases) run(name string, fn func() (any, error)) {
	p.b.Helper()
	if _, ok := p.took[name]; !ok {
		p.names = append(p.names, name)
	}
	w := watchHeap()
	start := time.Now()
	keep, err := fn()
	p.took[name] += time.Since(start)
	peak, alloc, live := w.end()
	runtime.KeepAlive(keep)
	p.peak[name] = max(p.peak[name], peak)
	p.alloc[name] += alloc
	p.live[name] = max(p.live[name], live)
	if err != nil {
		p.b.Fatalf("%s: %v", name, err)
	}
}

func (p *bulkPhases) report() {
	n := float64(p.b.N)
	for _, name := range p.names {
		p.b.ReportMetric(p.took[name].Seconds()*1000/n, name+"-ms")
		p.b.ReportMetric(p.peak[name], name+"-peakMB")
		p.b.ReportMetric(p.live[name], name+"-liveMB")
		p.b.ReportMetric(p.alloc[name]/n, name+"-allocMB")
	}
}

// bulkBus is the bus a bulk benchmark runs on: the in-process bus, or the
// durable outbox bus with a subscriber to every event the run emits,
// delivering them itself (direct delivery) or, its engine not working
// jobs, as River jobs written in the call's transaction.
func bulkBus(tb testing.TB, kind string, pool *pgxpool.Pool, names ...string) events.Bus {
	if kind == "local" {
		return events.NewLocal()
	}
	engine := testkit.Jobs(tb, pool, container.New(), jobs.Options{Mode: jobs.ModeServer, Configure: testkit.FastRiver})
	bus, err := eventbus.New(engine, 0)
	if err != nil {
		tb.Fatal(err)
	}
	nop := func(context.Context, *container.Container, events.Message) error { return nil }
	if err := bus.Subscribe(eventbus.Subscriber{ID: "bench", Events: names, Handler: nop}); err != nil {
		tb.Fatal(err)
	}
	if kind == "outbox-direct" {
		testkit.StartJobs(tb, engine)
	}
	return bus
}

// bulkRows is the size of one bulk call in BenchmarkBulk.
const bulkRows = 100_000

var bulkBuses = []string{"local", "outbox-direct", "outbox-river"}

// BenchmarkBulkUsers creates 100,000 users in one CreateUsers call,
// soft-deletes them in one SoftDeleteUsers call and restores them in one
// RestoreUsers call, on the in-process bus and on the durable outbox bus,
// and reports per phase its time, the peak of the heap above the heap
// before the call (sampled every 200 µs), the heap still live after it with
// its result held (the result's size) and the bytes allocated. Run it with
// -benchtime 1x (each iteration writes 300,000 rows), and with
// GOMEMLIMIT=32MiB for the limit medusa-go dev and start set:
//
//	go test ./modgen -run '^$' -bench Bulk -benchtime 1x
func BenchmarkBulkUsers(b *testing.B) {
	ctx := context.Background()
	for _, kind := range bulkBuses {
		b.Run(kind, func(b *testing.B) {
			pool := pgtest.NewPool(b, usermig.Source, jobsmig.Source, busmig.Source)
			bus := bulkBus(b, kind, pool, user.ModuleEventUserCreated, user.ModuleEventUserDeleted)
			s, err := user.NewService(pool, user.WithEventBus(bus))
			if err != nil {
				b.Fatal(err)
			}
			p := newBulkPhases(b)
			batch := 0
			for b.Loop() {
				b.StopTimer()
				batch++
				in := bulkUsers(batch, bulkRows)
				var ids []string
				p.run("create", func() (any, error) {
					out, err := s.CreateUsers(ctx, in...)
					if err == nil && len(out) != bulkRows {
						err = fmt.Errorf("%d users", len(out))
					}
					ids = make([]string, len(out))
					for i, u := range out {
						ids[i] = u.ID
					}
					return out, err
				})
				in = nil
				p.run("softdelete", func() (any, error) {
					keys, err := s.SoftDeleteUsers(ctx, ids...)
					if err == nil && len(keys["user_id"]) != bulkRows {
						err = fmt.Errorf("%d soft-deleted", len(keys["user_id"]))
					}
					return keys, err
				})
				p.run("restore", func() (any, error) {
					keys, err := s.RestoreUsers(ctx, ids...)
					if err == nil && len(keys["user_id"]) != bulkRows {
						err = fmt.Errorf("%d restored", len(keys["user_id"]))
					}
					return keys, err
				})
				b.StartTimer()
			}
			p.report()
		})
	}
}

// BenchmarkBulkPosts is BenchmarkBulkUsers for the blog test module's
// posts, each with one comment, so that the soft delete and the restore
// cascade to 100,000 comments.
func BenchmarkBulkPosts(b *testing.B) {
	ctx := context.Background()
	for _, kind := range bulkBuses {
		b.Run(kind, func(b *testing.B) {
			pool := pgtest.NewPool(b, blogmig.Source, jobsmig.Source, busmig.Source)
			bus := bulkBus(b, kind, pool, blog.ModuleEventPostCreated, blog.ModuleEventPostDeleted,
				blog.ModuleEventCommentCreated, blog.ModuleEventCommentDeleted)
			s, err := blog.NewService(pool, blog.WithEventBus(bus))
			if err != nil {
				b.Fatal(err)
			}
			p := newBulkPhases(b)
			for b.Loop() {
				b.StopTimer()
				in := make([]blog.CreatePostInput, bulkRows)
				for i := range in {
					in[i] = blog.CreatePostInput{Title: fmt.Sprint("Post ", i)}
				}
				var ids []string
				p.run("create", func() (any, error) {
					out, err := s.CreatePosts(ctx, in...)
					ids = make([]string, len(out))
					for i, x := range out {
						ids[i] = x.ID
					}
					return out, err
				})
				in = nil
				comments := make([]blog.CreateCommentInput, len(ids))
				for i, id := range ids {
					comments[i] = blog.CreateCommentInput{Body: "first", PostID: id}
				}
				p.run("create-comments", func() (any, error) {
					return s.CreateComments(ctx, comments...)
				})
				comments = nil
				p.run("softdelete", func() (any, error) {
					keys, err := s.SoftDeletePosts(ctx, ids...)
					if err == nil && (len(keys["post_id"]) != bulkRows || len(keys["comment_id"]) != bulkRows) {
						err = fmt.Errorf("soft-deleted %d posts, %d comments", len(keys["post_id"]), len(keys["comment_id"]))
					}
					return keys, err
				})
				p.run("restore", func() (any, error) {
					keys, err := s.RestorePosts(ctx, ids...)
					if err == nil && (len(keys["post_id"]) != bulkRows || len(keys["comment_id"]) != bulkRows) {
						err = fmt.Errorf("restored %d posts, %d comments", len(keys["post_id"]), len(keys["comment_id"]))
					}
					return keys, err
				})
				b.StartTimer()
			}
			p.report()
		})
	}
}

var bulk100k = flag.Bool("bulk100k", false, "run TestBulk100k (100,000-row calls, about a minute)")

// TestBulk100k (opt-in: -bulk100k) creates 100,000 users in one call on the
// durable outbox bus (its engine not working jobs, so every delivery is a
// River job written in the call's transaction), then soft-deletes and
// restores them in one call each, and checks the rows, the kept row counts
// (CountRows) against count(*), the defaults and the stored events; a
// duplicate email at the end of another 100,000 fails that call with
// Medusa's message and writes nothing. Then 100,000 blog posts with a
// comment each: the soft delete and the restore cascade to every comment.
func TestBulk100k(t *testing.T) {
	if !*bulk100k {
		t.Skip("100,000-row calls: run with -bulk100k")
	}
	ctx := context.Background()
	pool := pgtest.NewPool(t, usermig.Source, jobsmig.Source, busmig.Source)
	bus := bulkBus(t, "outbox-river", pool, user.ModuleEventUserCreated, user.ModuleEventUserDeleted)
	s, err := user.NewService(pool, user.WithEventBus(bus))
	if err != nil {
		t.Fatal(err)
	}
	counts := func(step string, live, all, jobs int) {
		t.Helper()
		var rl, ra, kl, ka, j int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM "user"), (SELECT count(*) FROM "user"),
			(SELECT coalesce(sum(live), 0) FROM medusa_row_counts WHERE table_name = 'user'), (SELECT coalesce(sum(total), 0) FROM medusa_row_counts WHERE table_name = 'user'),
			(SELECT count(*) FROM river_job WHERE kind = 'medusa_event')`).Scan(&rl, &ra, &kl, &ka, &j); err != nil {
			t.Fatal(err)
		}
		if rl != live || ra != all || kl != live || ka != all || j != jobs {
			t.Fatalf("%s: %d live / %d rows (kept counts %d / %d), %d stored events; want %d / %d, %d events", step, rl, ra, kl, ka, j, live, all, jobs)
		}
	}
	in := make([]user.CreateUserInput, bulkRows)
	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("b%d@example.com", i)}
		if i%10 == 0 {
			in[i].Metadata = json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))
		}
	}
	out, err := s.CreateUsers(ctx, in...)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != bulkRows || out[10].Email != "b10@example.com" || string(out[10].Metadata) != `{"n": 10}` || out[11].Metadata != nil || out[0].CreatedAt.IsZero() {
		t.Fatalf("%d users; row 10 %+v", len(out), out[10])
	}
	counts("created", bulkRows, bulkRows, bulkRows)

	for i := range in {
		in[i] = user.CreateUserInput{Email: fmt.Sprintf("c%d@example.com", i)}
	}
	in[bulkRows-1].Email = "B5@example.com"
	if _, err := s.CreateUsers(ctx, in...); err == nil || err.Error() != "User with email: b5@example.com, already exists." {
		t.Fatalf("a taken email at the end of 100,000: %v", err)
	}
	counts("a failed create", bulkRows, bulkRows, bulkRows)

	ids := make([]string, len(out))
	for i, u := range out {
		ids[i] = u.ID
	}
	keys, err := s.SoftDeleteUsers(ctx, ids...)
	if err != nil || len(keys["user_id"]) != bulkRows {
		t.Fatalf("soft-deleted %d users: %v", len(keys["user_id"]), err)
	}
	counts("soft-deleted", 0, bulkRows, bulkRows+1) // one deleted {id: [100,000 ids]}
	keys, err = s.RestoreUsers(ctx, ids...)
	if err != nil || len(keys["user_id"]) != bulkRows {
		t.Fatalf("restored %d users: %v", len(keys["user_id"]), err)
	}
	counts("restored", bulkRows, bulkRows, bulkRows+2) // and one created {id: [100,000 ids]}, Medusa's restore event

	bpool := pgtest.NewPool(t, blogmig.Source)
	b, err := blog.NewService(bpool)
	if err != nil {
		t.Fatal(err)
	}
	pin := make([]blog.CreatePostInput, bulkRows)
	for i := range pin {
		pin[i] = blog.CreatePostInput{Title: fmt.Sprint("Post ", i)}
	}
	posts, err := b.CreatePosts(ctx, pin...)
	if err != nil {
		t.Fatal(err)
	}
	cin := make([]blog.CreateCommentInput, bulkRows)
	pids := make([]string, bulkRows)
	for i, p := range posts {
		pids[i], cin[i] = p.ID, blog.CreateCommentInput{Body: "first", PostID: p.ID}
		if p.Views != 0 {
			t.Fatalf("post %d: views %d, want the default 0", i, p.Views)
		}
	}
	if _, err := b.CreateComments(ctx, cin...); err != nil {
		t.Fatal(err)
	}
	live := func(step string, want int) {
		t.Helper()
		var p, c int
		if err := bpool.QueryRow(ctx, `SELECT (SELECT count(*) FROM post WHERE deleted_at IS NULL), (SELECT count(*) FROM comment WHERE deleted_at IS NULL)`).Scan(&p, &c); err != nil || p != want || c != want {
			t.Fatalf("%s: %d posts and %d comments live (%v), want %d", step, p, c, err, want)
		}
	}
	live("created", bulkRows)
	if keys, err := b.SoftDeletePosts(ctx, pids...); err != nil || len(keys["post_id"]) != bulkRows || len(keys["comment_id"]) != bulkRows {
		t.Fatalf("soft-deleted %d posts, %d comments: %v", len(keys["post_id"]), len(keys["comment_id"]), err)
	}
	live("soft-deleted", 0)
	if keys, err := b.RestorePosts(ctx, pids...); err != nil || len(keys["post_id"]) != bulkRows || len(keys["comment_id"]) != bulkRows {
		t.Fatalf("restored %d posts, %d comments: %v", len(keys["post_id"]), len(keys["comment_id"]), err)
	}
	live("restored", bulkRows)
}
