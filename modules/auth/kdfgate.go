package auth

import (
	"container/list"
	"context"
	"fmt"
	"sync"
)

// DefaultHashMemoryBudget is the memory the password hashes of one Service
// may use at once when the options set none: 16 MiB, two hashes at
// DefaultHashParams (7 MiB each; two keep both cores of the reference
// machine busy). See docs/auth.md.
const DefaultHashMemoryBudget = 16 << 20

// kdfGate bounds the memory of the password hashes (key derivations) a
// Service computes at once: a hash takes its memory's worth of the budget
// (all of it when it needs more, so it runs alone) and callers wait in
// FIFO order, each until its context is done. A weighted semaphore like
// golang.org/x/sync/semaphore, with the queue length observable for tests.
type kdfGate struct {
	mu      sync.Mutex
	size    int64
	used    int64
	waiters list.List // of *kdfWaiter, first come first served

	// entered, when set (tests), is called with the budget held, before the
	// hash is computed, with the share of the budget taken.
	entered func(n int64)
}

type kdfWaiter struct {
	n     int64
	ready chan struct{} // closed when the budget was granted
}

func newKDFGate(size int64) *kdfGate { return &kdfGate{size: size} }

// do runs f, which allocates about mem bytes, once the budget has room for
// it, or returns the context's error (wrapped) when ctx is done first.
func (g *kdfGate) do(ctx context.Context, mem int64, f func()) error {
	n := max(min(mem, g.size), 1)
	if err := g.acquire(ctx, n); err != nil {
		return fmt.Errorf("wait for password hashing: %w", err)
	}
	defer g.release(n)
	if g.entered != nil {
		g.entered(n)
	}
	f()
	return nil
}

func (g *kdfGate) acquire(ctx context.Context, n int64) error {
	g.mu.Lock()
	if err := ctx.Err(); err != nil {
		g.mu.Unlock()
		return err
	}
	if g.waiters.Len() == 0 && g.used+n <= g.size {
		g.used += n
		g.mu.Unlock()
		return nil
	}
	w := &kdfWaiter{n: n, ready: make(chan struct{})}
	e := g.waiters.PushBack(w)
	g.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-w.ready:
			// Granted while the context ended: give it back.
			g.used -= n
		default:
			g.waiters.Remove(e)
		}
		// Either way the waiters behind may fit now.
		g.grantLocked()
		return ctx.Err()
	}
}

func (g *kdfGate) release(n int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.used -= n
	if g.used < 0 {
		panic("auth: kdfGate released more than it held")
	}
	g.grantLocked()
}

// grantLocked admits waiters from the front while they fit; a waiter that
// does not fit stops the queue (no overtaking, so a large hash is not
// starved by small ones).
func (g *kdfGate) grantLocked() {
	for e := g.waiters.Front(); e != nil; e = g.waiters.Front() {
		w := e.Value.(*kdfWaiter)
		if g.used+w.n > g.size {
			return
		}
		g.used += w.n
		g.waiters.Remove(e)
		close(w.ready)
	}
}

// queued is the number of callers waiting for the budget.
func (g *kdfGate) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.waiters.Len()
}
