package auth

import (
	"context"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/semaphore"
)

// DefaultHashMemoryBudget is the memory the password hashes of one Service
// may use at once when the options set none: 16 MiB, two hashes at
// DefaultHashParams (7 MiB each; two keep both cores of the reference
// machine busy). See docs/auth.md.
const DefaultHashMemoryBudget = 16 << 20

// kdfGate bounds the memory of the password hashes (key derivations) a
// Service computes at once: a hash takes its memory's worth of the budget
// (all of it when it needs more, so it runs alone) and callers wait in
// FIFO order, each until its context is done. The budget is a
// golang.org/x/sync/semaphore.Weighted, which admits waiters first come
// first served (a large hash is not starved by small ones), gives the
// budget of a caller whose context ends back to the ones behind it, and
// refuses a context that is already done.
type kdfGate struct {
	sem  *semaphore.Weighted
	size int64
	// waiting counts the callers that found the budget full and wait for
	// it (for tests and diagnostics).
	waiting atomic.Int64

	// entered, when set (tests), is called with the budget held, before the
	// hash is computed, with the share of the budget taken.
	entered func(n int64)
}

func newKDFGate(size int64) *kdfGate {
	return &kdfGate{sem: semaphore.NewWeighted(size), size: size}
}

// do runs f, which allocates about mem bytes, once the budget has room for
// it, or returns the context's error (wrapped) when ctx is done first.
func (g *kdfGate) do(ctx context.Context, mem int64, f func()) error {
	n := max(min(mem, g.size), 1)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("wait for password hashing: %w", err)
	}
	if !g.sem.TryAcquire(n) {
		g.waiting.Add(1)
		err := g.sem.Acquire(ctx, n)
		g.waiting.Add(-1)
		if err != nil {
			return fmt.Errorf("wait for password hashing: %w", err)
		}
	}
	defer g.sem.Release(n)
	if g.entered != nil {
		g.entered(n)
	}
	f()
	return nil
}

// queued is the number of callers waiting for the budget.
func (g *kdfGate) queued() int { return int(g.waiting.Load()) }
