package mw

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/httpx"
)

// OverloadConfig bounds the requests a server works on, so that more load
// than it can carry is turned away fast instead of queueing without end.
type OverloadConfig struct {
	// MaxInFlight is how many requests are handled at once (0: no limit).
	MaxInFlight int
	// MaxWaiting is how many more may wait for one of those places; a
	// request beyond them is answered 503 at once (0: none wait).
	MaxWaiting int
	// MaxWait is how long a request may wait for a place before it is
	// answered 503 (0: as long as its deadline allows).
	MaxWait time.Duration
	// RequestTimeout is the deadline of every request's context, counted
	// from its arrival (0: none). Database calls and workflow steps stop
	// when it passes, and the request is answered 503 (timeout).
	RequestTimeout time.Duration
	// Exempt requests bypass the limits and the deadline (the health
	// checks, say).
	Exempt func(*http.Request) bool
}

// Overload applies cfg: a deadline on each request's context, at most
// MaxInFlight requests handled at once, at most MaxWaiting waiting (each for
// at most MaxWait), and a fast 503 {type: "unavailable", code: "overloaded"}
// with Retry-After for the rest. The memory a burst can take and the time an
// answered request can wait are bounded by it; the requests it sheds cost
// next to nothing.
func Overload(cfg OverloadConfig) httpx.Middleware {
	var slots chan struct{}
	if cfg.MaxInFlight > 0 {
		slots = make(chan struct{}, cfg.MaxInFlight)
	}
	var waiting atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if cfg.Exempt != nil && cfg.Exempt(r) {
				next.ServeHTTP(w, r)
				return
			}
			if cfg.RequestTimeout > 0 {
				ctx, cancel := context.WithTimeout(r.Context(), cfg.RequestTimeout)
				defer cancel()
				r = r.WithContext(ctx)
			}
			if slots != nil {
				if !takeSlot(r.Context(), slots, &waiting, cfg) {
					httpx.WriteError(w, r, merrors.NewUnavailable(merrors.CodeOverloaded, nil))
					return
				}
				defer func() { <-slots }()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// takeSlot takes a place in slots, waiting if cfg allows, and reports
// whether it got one.
func takeSlot(ctx context.Context, slots chan struct{}, waiting *atomic.Int64, cfg OverloadConfig) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
	}
	if waiting.Add(1) > int64(cfg.MaxWaiting) {
		waiting.Add(-1)
		return false
	}
	defer waiting.Add(-1)
	var timeout <-chan time.Time
	if cfg.MaxWait > 0 {
		t := time.NewTimer(cfg.MaxWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-timeout:
		return false
	case <-ctx.Done():
		return false
	}
}
