package mw_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// A request failing because the database is gone: 503 in Medusa's error
// shape with Retry-After, and exactly one log line (the access line,
// carrying the error) at level WARN.
func TestTransientFailureIsOneLine503(t *testing.T) {
	logs := &bytes.Buffer{}
	cause := fmt.Errorf("create invites: %w", fmt.Errorf("dial tcp: %w", syscall.ECONNREFUSED))
	h := httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { httpx.WriteError(w, r, cause) }),
		httpx.AssignRequestID(), httpx.AccessLog(slog.New(slog.NewJSONHandler(logs, nil))))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/admin/invites", nil))
	want := `{"code":"database_unavailable","type":"unavailable","message":"The database is unavailable. Please retry the request shortly."}`
	if rec.Code != 503 || rec.Body.String() != want || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %s Retry-After %q", rec.Code, rec.Body, rec.Header().Get("Retry-After"))
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line["level"] != "WARN" || line["status"] != float64(503) || !strings.Contains(fmt.Sprint(line["error"]), "connection refused") {
		t.Fatalf("log line %v", line)
	}
	// A bug stays a 500 at level ERROR, still one line.
	logs.Reset()
	h = httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { httpx.WriteError(w, r, fmt.Errorf("nil map")) }),
		httpx.AccessLog(slog.New(slog.NewJSONHandler(logs, nil))))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 500 || rec.Header().Get("Retry-After") != "" || strings.Count(logs.String(), "\n") != 1 || !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "nil map") {
		t.Fatalf("%d, logs %s", rec.Code, logs)
	}
}

// At most MaxInFlight handled, MaxWaiting waiting (each at most MaxWait),
// the rest answered 503 overloaded at once; exempt requests pass; each
// request's context has the deadline.
func TestOverload(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	var deadlines sync.Map
	h := mw.Overload(mw.OverloadConfig{
		MaxInFlight: 2, MaxWaiting: 1, MaxWait: 2 * time.Second, RequestTimeout: time.Minute,
		Exempt: func(r *http.Request) bool { return r.URL.Path == "/health" },
	})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, ok := r.Context().Deadline(); ok {
			deadlines.Store(r.URL.Path, d)
		}
		if r.URL.Path == "/health" {
			return
		}
		entered <- struct{}{}
		<-release
	}))
	codes := make(chan int, 10)
	serve := func(path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		codes <- rec.Code
	}
	go serve("/a")
	go serve("/b")
	<-entered
	<-entered
	go serve("/c") // waits
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/d", nil)) // no place, no room to wait
	if rec.Code != 503 || time.Since(start) > 500*time.Millisecond || !strings.Contains(rec.Body.String(), `"code":"overloaded"`) || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("shed request: %d %s after %v", rec.Code, rec.Body, time.Since(start))
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != 200 {
		t.Fatalf("exempt request: %d", rec.Code)
	}
	if _, ok := deadlines.Load("/health"); ok {
		t.Fatal("an exempt request got the deadline")
	}
	release <- struct{}{} // /a or /b ends; /c enters
	<-entered
	close(release)
	for range 3 {
		if c := <-codes; c != 200 {
			t.Fatalf("an admitted request answered %d", c)
		}
	}
	if d, ok := deadlines.Load("/c"); !ok || time.Until(d.(time.Time)) < 50*time.Second {
		t.Fatalf("request deadline %v", d)
	}

	// A waiting request gives up after MaxWait.
	short := mw.Overload(mw.OverloadConfig{MaxInFlight: 1, MaxWaiting: 5, MaxWait: 100 * time.Millisecond})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(500 * time.Millisecond)
	}))
	go short.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
	time.Sleep(50 * time.Millisecond)
	start = time.Now()
	rec = httptest.NewRecorder()
	short.ServeHTTP(rec, httptest.NewRequest("GET", "/waits", nil))
	if rec.Code != 503 || time.Since(start) < 80*time.Millisecond || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("waiting request: %d after %v", rec.Code, time.Since(start))
	}
	if !merrors.IsTransient(merrors.NewUnavailable(merrors.CodeOverloaded, nil)) {
		t.Fatal("overloaded is not transient")
	}
}
