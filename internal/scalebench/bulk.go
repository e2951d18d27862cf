package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/internal/testmodules/blog"
	"github.com/medusa-go/medusa/modules/user"
)

// bulkResult is one bulk write through a module's service.
type bulkResult struct {
	List    string  `json:"list"` // "users", "posts"
	Op      string  `json:"op"`
	Rows    int     `json:"rows"`
	Seconds float64 `json:"seconds"`
	// PeakHeapMB is the largest Go heap seen during the call (sampled
	// every 2 ms); DeltaHeapMB the same above the heap before it (after a
	// GC), the call's own footprint.
	PeakHeapMB  float64 `json:"peak_heap_mb"`
	DeltaHeapMB float64 `json:"delta_heap_mb"`
	Err         string  `json:"error,omitempty"`
}

// The bulk rows are told apart from the seeded ones by these, so that an
// interrupted run's leftovers can be deleted (cleanBulk).
const (
	bulkEmailLike = "bulk-%@scalebench.test"
	bulkTitleLike = "bulk post %"
)

// bulkOps are the writes measured on one list: create n rows, soft-delete
// them, restore them, then delete them (the clean-up, timed too).
type bulkOps struct {
	list                            string
	create                          func(ctx context.Context, n int) ([]string, error)
	softDelete, restore, hardDelete func(ctx context.Context, ids []string) error
}

func userBulk(a *app.App) (bulkOps, error) {
	s, err := container.Resolve(a.Container, user.Key)
	if err != nil {
		return bulkOps{}, err
	}
	return bulkOps{
		list: "users",
		create: func(ctx context.Context, n int) ([]string, error) {
			in := make([]user.CreateUserInput, n)
			for i := range in {
				first, last := fmt.Sprintf("Bulk%d", i%500), "Load"
				in[i] = user.CreateUserInput{Email: fmt.Sprintf("bulk-%d@scalebench.test", i), FirstName: &first, LastName: &last}
			}
			out, err := s.CreateUsers(ctx, in...)
			ids := make([]string, len(out))
			for i, u := range out {
				ids[i] = u.ID
			}
			return ids, err
		},
		softDelete: func(ctx context.Context, ids []string) error { _, err := s.SoftDeleteUsers(ctx, ids...); return err },
		restore:    func(ctx context.Context, ids []string) error { _, err := s.RestoreUsers(ctx, ids...); return err },
		hardDelete: func(ctx context.Context, ids []string) error { return s.DeleteUsers(ctx, ids...) },
	}, nil
}

func postBulk(a *app.App) (bulkOps, error) {
	s, err := container.Resolve(a.Container, blog.Key)
	if err != nil {
		return bulkOps{}, err
	}
	return bulkOps{
		list: "posts",
		create: func(ctx context.Context, n int) ([]string, error) {
			in := make([]blog.CreatePostInput, n)
			for i := range in {
				body, views := fmt.Sprintf("Body of bulk post %d.", i), i%10000
				in[i] = blog.CreatePostInput{Title: fmt.Sprintf("bulk post %d", i), Body: &body, Views: &views}
			}
			out, err := s.CreatePosts(ctx, in...)
			ids := make([]string, len(out))
			for i, p := range out {
				ids[i] = p.ID
			}
			return ids, err
		},
		softDelete: func(ctx context.Context, ids []string) error { _, err := s.SoftDeletePosts(ctx, ids...); return err },
		restore:    func(ctx context.Context, ids []string) error { _, err := s.RestorePosts(ctx, ids...); return err },
		hardDelete: func(ctx context.Context, ids []string) error { return s.DeletePosts(ctx, ids...) },
	}, nil
}

// runBulk measures ops with n rows. The rows are deleted at the end (and,
// should the run stop half-way, by the next run: cleanBulk).
func runBulk(ctx context.Context, pool *pgxpool.Pool, ops bulkOps, n int, log *slog.Logger) []bulkResult {
	var out []bulkResult
	var ids []string
	step := func(op string, fn func() error) bool {
		r := bulkResult{List: ops.list, Op: op, Rows: n}
		t0 := time.Now()
		peak, delta, err := heapPeak(fn)
		r.Seconds = time.Since(t0).Seconds()
		r.PeakHeapMB, r.DeltaHeapMB = mb(peak), mb(delta)
		if err != nil {
			r.Err = err.Error()
		}
		log.Info("bulk", "list", ops.list, "op", op, "rows", n, "took", time.Duration(r.Seconds*float64(time.Second)).Round(time.Millisecond), "peak_heap_mb", r.PeakHeapMB, "err", r.Err)
		out = append(out, r)
		return err == nil
	}
	if err := setBulkPending(ctx, pool, true); err != nil {
		return append(out, bulkResult{List: ops.list, Op: "create", Rows: n, Err: err.Error()})
	}
	ok := step("create", func() (err error) { ids, err = ops.create(ctx, n); return err }) &&
		step("soft delete", func() error { return ops.softDelete(ctx, ids) }) &&
		step("restore", func() error { return ops.restore(ctx, ids) })
	if len(ids) > 0 {
		step("delete (the clean-up)", func() error { return ops.hardDelete(ctx, ids) })
	}
	if err := cleanBulk(ctx, pool); err != nil && ok {
		out = append(out, bulkResult{List: ops.list, Op: "clean-up", Err: err.Error()})
	}
	return out
}

// heapPeak runs fn and reports the largest heap seen meanwhile, and how far
// above the heap before it (after a GC) that was.
func heapPeak(fn func() error) (peak, delta uint64, err error) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		p := base
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: s[0].Name}}
		for {
			select {
			case <-stop:
				done <- p
				return
			case <-t.C:
				metrics.Read(sample)
				p = max(p, sample[0].Value.Uint64())
			}
		}
	}()
	err = fn()
	close(stop)
	peak = <-done
	return peak, peak - base, err
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// setBulkPending records that bulk rows may be in the tables.
func setBulkPending(ctx context.Context, pool *pgxpool.Pool, v bool) error {
	if _, err := pool.Exec(ctx, `UPDATE scalebench_seed SET bulk_pending = $1`, v); err != nil {
		return fmt.Errorf("mark the bulk rows: %w", err)
	}
	return nil
}

// cleanBulk deletes the rows bulk writes added (none once they have
// cleaned up after themselves) and VACUUMs the tables, so the next run reads
// the seeded data as it was.
func cleanBulk(ctx context.Context, pool *pgxpool.Pool) error {
	for _, q := range []string{
		`DELETE FROM "user" WHERE email LIKE '` + bulkEmailLike + `'`,
		`DELETE FROM post WHERE title LIKE '` + bulkTitleLike + `'`,
		`VACUUM (ANALYZE) "user"`,
		`VACUUM (ANALYZE) post`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("clean up the bulk rows: %w", err)
		}
	}
	return setBulkPending(ctx, pool, false)
}
