package httpx_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
)

func TestLimiterBucket(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	l := httpx.NewLimiter(httpx.RateLimit{Burst: 3, Every: 10 * time.Second, Now: clk.now})
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
	l := httpx.NewLimiter(httpx.RateLimit{Burst: 1, Every: time.Hour, MaxKeys: 100, Now: clk.now})
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
	l := httpx.NewLimiter(httpx.RateLimit{Burst: 50, Every: time.Hour})
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

// TestLoginRateLimits runs the test app's login route: 3 per IP, 2 per email.
func TestLoginRateLimits(t *testing.T) {
	app := newTestApp(t, nil)
	login := func(ip, email string) response {
		req := newReq("POST", "/auth/user/emailpass", []byte(`{"email":"`+email+`","password":"x"}`), "")
		req.RemoteAddr = ip + ":1234"
		return app.do(req)
	}
	// Per identifier: the third attempt on the same email (any case, any IP) is refused.
	if r := login("10.0.0.1", "a@b.c"); r.status != 401 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := login("10.0.0.2", "A@B.C "); r.status != 401 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r := login("10.0.0.3", "a@b.c")
	if r.status != 429 || string(r.body) != `{"code":"too_many_requests","type":"not_allowed","message":"Too many requests, please try again later."}` || r.header.Get("Retry-After") == "" {
		t.Errorf("identifier limit: %d %s %v", r.status, r.body, r.header)
	}
	// Per IP: 10.0.0.1 has used 1 of 3; two more pass the IP limit, the next is refused.
	login("10.0.0.1", "x@y.z")
	login("10.0.0.1", "y@y.z")
	r = login("10.0.0.1", "z@y.z")
	if r.status != 429 {
		t.Errorf("IP limit: %d %s", r.status, r.body)
	}
	// The IP limit runs before the body is read.
	req := httptest.NewRequest("POST", "/auth/user/emailpass", strings.NewReader("not json"))
	req.RemoteAddr = "10.0.0.1:1"
	if resp := app.do(req); resp.status != 429 {
		t.Errorf("IP limit after bad body: %d", resp.status)
	}
	// Empty keys are not limited.
	l := httpx.NewLimiter(httpx.RateLimit{Burst: 1, Every: time.Hour})
	h := l.Middleware(func(*http.Request) string { return "" })(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i := 0; i < 3; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Code != 200 {
			t.Errorf("empty key limited")
		}
	}
}
