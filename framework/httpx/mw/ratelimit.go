package mw

import (
	"container/list"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/medusa-go/medusa/framework/httpx"
)

// RateLimit configures a Limiter: token buckets of Burst tokens, one token
// refilled every Every, for at most MaxKeys keys.
type RateLimit struct {
	Burst int
	Every time.Duration
	// MaxKeys bounds memory (10000 when 0): when full, the least recently
	// used key is forgotten (its bucket starts full again if it returns).
	MaxKeys int
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
}

// LoginPerIP is the suggested per-client-IP limit for login and register:
// bursts of 20, then one request every 3 s (20 per minute).
func LoginPerIP() RateLimit { return RateLimit{Burst: 20, Every: 3 * time.Second} }

// LoginPerIdentifier is the suggested per-identifier (email) limit for login
// and register: bursts of 5, then one attempt every 30 s.
func LoginPerIdentifier() RateLimit { return RateLimit{Burst: 5, Every: 30 * time.Second} }

// Limiter is an in-process token-bucket rate limiter keyed by string (a
// client IP, a lower-cased email). It is safe for concurrent use and its
// memory is bounded by MaxKeys.
type Limiter struct {
	mu    sync.Mutex
	cfg   RateLimit
	lru   *list.List // of *bucket, most recently used first
	byKey map[string]*list.Element
}

type bucket struct {
	key    string
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter for cfg (Burst ≥ 1 and Every > 0 are
// enforced by raising them to 1 and 1s).
func NewLimiter(cfg RateLimit) *Limiter {
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{cfg: cfg, lru: list.New(), byKey: map[string]*list.Element{}}
}

// Allow takes a token from key's bucket. When none is left it returns false
// and how long until one is.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if el, ok := l.byKey[key]; ok {
		b = el.Value.(*bucket)
		l.lru.MoveToFront(el)
		elapsed := now.Sub(b.last)
		if elapsed > 0 {
			b.tokens = math.Min(float64(l.cfg.Burst), b.tokens+float64(elapsed)/float64(l.cfg.Every))
			b.last = now
		}
	} else {
		for l.lru.Len() >= l.cfg.MaxKeys {
			old := l.lru.Back()
			l.lru.Remove(old)
			delete(l.byKey, old.Value.(*bucket).key)
		}
		b = &bucket{key: key, tokens: float64(l.cfg.Burst), last: now}
		l.byKey[key] = l.lru.PushFront(b)
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) * float64(l.cfg.Every))
	return false, wait
}

// Len returns the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// httpx.Middleware limits requests by key(r) (e.g. httpx.ClientIP); an empty key is not
// limited. A refused request gets httpx.TooManyRequests.
func (l *Limiter) Middleware(key func(*http.Request) string) httpx.Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if k := key(r); k != "" {
				if ok, wait := l.Allow(k); !ok {
					httpx.WriteError(w, r, httpx.TooManyRequests(wait))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// IdentifierKey normalises an identifier (an email) into a limiter key:
// trimmed and lower-cased.
func IdentifierKey(id string) string { return strings.ToLower(strings.TrimSpace(id)) }
