package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/modules/auth/migrations"
)

// waitQueued polls until n callers wait at g, and at least one of them in
// the semaphore's queue, failing the test when a value arrives on fail first
// (a hash started that should have waited).
func waitQueued(t *testing.T, g *kdfGate, n int, fail <-chan int64) {
	t.Helper()
	for g.queued() != n || (n > 0 && !inQueue(g)) {
		select {
		case w := <-fail:
			t.Fatalf("a hash (weight %d) started while %d callers should be waiting, %d are", w, n, g.queued())
		case <-time.After(time.Millisecond):
		}
	}
}

// inQueue reports whether a caller waits in g's semaphore queue: acquiring
// nothing fails exactly then (and succeeding takes nothing).
func inQueue(g *kdfGate) bool { return !g.sem.TryAcquire(0) }

// idle reports whether none of g's budget is held.
func idle(g *kdfGate) bool {
	if !g.sem.TryAcquire(g.size) {
		return false
	}
	g.sem.Release(g.size)
	return true
}

// held starts f in a goroutine that holds n of g's budget until release is
// closed; it returns once the budget is held.
func held(t *testing.T, g *kdfGate, n int64, release <-chan struct{}) <-chan error {
	t.Helper()
	in := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- g.do(context.Background(), n, func() { close(in); <-release })
	}()
	<-in
	return done
}

// Waiters are admitted in order: a small hash does not overtake a large
// one waiting before it, even when it would fit.
func TestKDFGateFIFO(t *testing.T) {
	g := newKDFGate(10)
	release := make(chan struct{})
	first := held(t, g, 6, release)

	ran := make(chan int64, 2) // the weights of the hashes run, in order
	run := func(n int64) <-chan error {
		done := make(chan error, 1)
		go func() { done <- g.do(context.Background(), n, func() { ran <- min(n, g.size) }) }()
		return done
	}
	big := run(50) // more than the budget: runs alone, taking all of it
	waitQueued(t, g, 1, ran)
	small := run(1) // would fit next to the first, but waits its turn
	waitQueued(t, g, 2, ran)
	close(release)
	for _, done := range []<-chan error{first, big, small} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if a, b := <-ran, <-ran; a != 10 || b != 1 {
		t.Fatalf("ran weights %d then %d, want the big one (10) before the small one (1)", a, b)
	}
	if !idle(g) || g.queued() != 0 {
		t.Fatalf("after all: idle %v, queued %d", idle(g), g.queued())
	}
}

// A caller whose context ends while it waits gets the context's error and
// leaves the queue; the ones behind it are admitted if they fit now.
func TestKDFGateCancelWhileWaiting(t *testing.T) {
	g := newKDFGate(10)
	release := make(chan struct{})
	first := held(t, g, 5, release)

	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	headDone := make(chan error, 1)
	go func() { headDone <- g.do(ctx, 10, func() { ran = true }) }()
	waitQueued(t, g, 1, nil)
	behindIn := make(chan struct{})
	behind := make(chan error, 1)
	go func() { behind <- g.do(context.Background(), 5, func() { close(behindIn) }) }()
	waitQueued(t, g, 2, nil)

	cancel()
	err := <-headDone
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled waiter: err %v, ran %v; want context.Canceled and not run", err, ran)
	}
	// Admitted before the cancelled call returned: 5 + 5 fit once the head left.
	if inQueue(g) {
		t.Fatal("a caller still queued after the head left")
	}
	<-behindIn
	if err := <-behind; err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// A context already done does not take the budget, even when it is free.
	if err := g.do(ctx, 1, func() { t.Error("ran with a done context") }); !errors.Is(err, context.Canceled) {
		t.Fatalf("done context: %v", err)
	}
	if !idle(g) || g.queued() != 0 {
		t.Fatalf("after all: idle %v, queued %d", idle(g), g.queued())
	}
}

// With a budget of two hashes, concurrent logins (right and wrong
// passwords, unknown emails) never compute more than two hashes at once:
// the others wait until one finishes.
func TestConcurrentLoginsBoundedByBudget(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := NewService(pool, WithHashParams(fastArgon2), WithHashMemoryBudget(2*fastArgon2.memory()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "c@example.com", "right"); err != nil {
		t.Fatal(err)
	}
	const n = 8
	started := make(chan int64, 2*n)
	release := make(chan struct{})
	var running, peak atomic.Int64
	s.ext.gate.entered = func(w int64) {
		r := running.Add(1)
		for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
		}
		started <- w
		<-release
		running.Add(-1)
	}
	errs := make(chan error, n)
	for i := range n {
		email, password, ok := "c@example.com", "right", true
		switch i % 3 {
		case 1:
			password, ok = "wrong", false
		case 2:
			email, ok = fmt.Sprintf("nobody%d@example.com", i), false
		}
		go func() {
			_, err := s.Authenticate(ctx, email, password)
			if ok != (err == nil) || (!ok && !merrors.Is(err, merrors.Unauthorized)) {
				err = fmt.Errorf("%s/%s: %v", email, password, err)
			} else {
				err = nil
			}
			errs <- err
		}()
	}
	<-started
	<-started
	waitQueued(t, s.ext.gate, n-2, started)
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if p := peak.Load(); p != 2 {
		t.Errorf("at most %d hashes ran at once, want 2", p)
	}
}

// A login (or registration) whose context ends while it waits for the
// budget fails with the context's error, not as a wrong password, and
// leaves nothing behind.
func TestLoginCancelledWhileWaiting(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := NewService(pool, WithHashParams(fastArgon2), WithHashMemoryBudget(fastArgon2.memory()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "w@example.com", "right"); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	started := make(chan int64, 10)
	s.ext.gate.entered = func(w int64) { started <- w; <-release }
	first := make(chan error, 1)
	go func() { _, err := s.Authenticate(ctx, "w@example.com", "right"); first <- err }()
	<-started

	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error { _, err := s.Authenticate(ctx, "w@example.com", "right"); return err },
		func(ctx context.Context) error { _, err := s.Authenticate(ctx, "w@example.com", "wrong"); return err },
		func(ctx context.Context) error { _, err := s.Register(ctx, "new@example.com", "pw"); return err },
		func(ctx context.Context) error { return s.UpdatePassword(ctx, "w@example.com", "other") },
	} {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- call(cctx) }()
		waitQueued(t, s.ext.gate, 1, started)
		cancel()
		err := <-done
		if !errors.Is(err, context.Canceled) || merrors.Is(err, merrors.Unauthorized) {
			t.Fatalf("cancelled while waiting: %v, want context.Canceled", err)
		}
		if q := s.ext.gate.queued(); q != 0 {
			t.Fatalf("%d still queued", q)
		}
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	var identities int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM provider_identity WHERE entity_id = 'new@example.com'`).Scan(&identities); err != nil || identities != 0 {
		t.Fatalf("cancelled registration left %d identities (%v)", identities, err)
	}
	if _, err := s.Authenticate(ctx, "w@example.com", "right"); err != nil {
		t.Fatalf("password changed by a cancelled update, or budget leaked: %v", err)
	}
	if !idle(s.ext.gate) {
		t.Fatal("budget leaked")
	}
}

// A hash stored at Medusa's scrypt parameters (this module's default before
// Argon2id) keeps verifying under the default service; it takes the whole
// budget (32 MiB > 16 MiB: it runs alone); a wrong password leaves it as it
// is and the first successful login re-hashes it with Argon2id.
func TestOldScryptHashVerifiesAndIsRehashed(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t, migrations.Source)
	s, err := NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Register(ctx, "old@example.com", "placeholder"); err != nil {
		t.Fatal(err)
	}
	// Written by HashPassword at logN 15, r 8, p 1 before this change.
	const old = "$scrypt$ln=15,r=8,p=1$ojkfpr0xB+vkyjqvyM9spQ$qHphOy5wA2sWBpIpjoZhXnPwzowwaSqY6ChlN+q0q0c"
	if _, err := pool.Exec(ctx, `UPDATE provider_identity SET provider_metadata = jsonb_build_object('password', $1::text) WHERE entity_id = 'old@example.com'`, old); err != nil {
		t.Fatal(err)
	}
	stored := func() string {
		var h string
		if err := pool.QueryRow(ctx, `SELECT provider_metadata->>'password' FROM provider_identity WHERE entity_id = 'old@example.com'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	var mu sync.Mutex
	var weights []int64
	s.ext.gate.entered = func(n int64) { mu.Lock(); weights = append(weights, n); mu.Unlock() }

	if _, err := s.Authenticate(ctx, "old@example.com", "wrong"); !merrors.Is(err, merrors.Unauthorized) {
		t.Fatalf("wrong password: %v", err)
	}
	if h := stored(); h != old {
		t.Fatalf("a failed login changed the hash: %s", h)
	}
	if _, err := s.Authenticate(ctx, "old@example.com", "medusa-default-params-password"); err != nil {
		t.Fatalf("old hash does not verify: %v", err)
	}
	if h := stored(); !strings.HasPrefix(h, "$argon2id$v=19$m=7168,t=5,p=1$") {
		t.Fatalf("not re-hashed at the defaults: %s", h)
	}
	if _, err := s.Authenticate(ctx, "old@example.com", "medusa-default-params-password"); err != nil {
		t.Fatalf("after the re-hash: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	// wrong (old, whole budget), right (old, whole budget), the re-hash, then the new hash.
	want := []int64{DefaultHashMemoryBudget, DefaultHashMemoryBudget, DefaultHashParams.memory(), DefaultHashParams.memory()}
	if fmt.Sprint(weights) != fmt.Sprint(want) {
		t.Fatalf("hash weights %v, want %v", weights, want)
	}
}

func TestHashMemoryBudgetOption(t *testing.T) {
	pool := pgtest.NewPool(t, migrations.Source)
	if _, err := NewService(pool, WithHashMemoryBudget(-1)); err == nil {
		t.Fatal("negative budget accepted")
	}
	s, err := NewService(pool)
	if err != nil {
		t.Fatal(err)
	}
	if s.ext.gate.size != DefaultHashMemoryBudget || s.ext.gate.size/DefaultHashParams.memory() != 2 {
		t.Fatalf("default budget %d: want room for two default hashes", s.ext.gate.size)
	}
}

// BenchmarkKDFGate measures the gate alone around an empty hash: one caller
// (never waits) and parallel callers contending for a budget of two.
//
//	go test -run '^$' -bench KDFGate -count 10 ./modules/auth/
func BenchmarkKDFGate(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended", func(b *testing.B) {
		g := newKDFGate(DefaultHashMemoryBudget)
		b.ReportAllocs()
		for b.Loop() {
			if err := g.do(ctx, DefaultHashParams.memory(), func() {}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("contended", func(b *testing.B) {
		g := newKDFGate(DefaultHashMemoryBudget)
		b.ReportAllocs()
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := g.do(ctx, DefaultHashParams.memory(), func() {}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
