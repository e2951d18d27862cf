package mw_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx/mw"
)

func TestLimiterBucket(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	l := mw.NewLimiter(mw.RateLimit{Burst: 3, Every: 10 * time.Second, Now: clk.now})
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("ip"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.Allow("ip")
	if ok || wait != 10*time.Second {
		t.Fatalf("4th: %v %v", ok, wait)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Error("keys are not independent")
	}
	clk.t = clk.t.Add(5 * time.Second)
	if ok, wait := l.Allow("ip"); ok || wait != 5*time.Second {
		t.Errorf("after 5s: %v %v", ok, wait)
	}
	clk.t = clk.t.Add(5 * time.Second)
	if ok, _ := l.Allow("ip"); !ok {
		t.Error("after 10s: refused")
	}
	if ok, _ := l.Allow("ip"); ok {
		t.Error("only one token refilled, two taken")
	}
	// Refill never exceeds the burst.
	clk.t = clk.t.Add(time.Hour)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("ip"); !ok {
			t.Fatalf("after an hour, request %d refused", i)
		}
	}
	if ok, _ := l.Allow("ip"); ok {
		t.Error("burst exceeded after idle time")
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	l := mw.NewLimiter(mw.RateLimit{Burst: 1, Every: time.Hour, MaxKeys: 100, Now: clk.now})
	for i := 0; i < 10000; i++ {
		l.Allow(fmt.Sprint("ip-", i))
	}
	if l.Len() != 100 {
		t.Fatalf("Len %d, want 100", l.Len())
	}
	// The most recent keys are kept (and still limited); the oldest forgotten.
	if ok, _ := l.Allow("ip-9999"); ok {
		t.Error("recent key forgotten")
	}
	if ok, _ := l.Allow("ip-0"); !ok {
		t.Error("oldest key still tracked")
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := mw.NewLimiter(mw.RateLimit{Burst: 50, Every: time.Hour})
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if ok, _ := l.Allow("k"); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Errorf("allowed %d, want 50", allowed)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
