package mw_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/httpx/mw"
)

// BenchmarkLimiterAllow measures one Allow over 10000 keys.
func BenchmarkLimiterAllow(b *testing.B) {
	l := mw.NewLimiter(mw.RateLimit{Burst: 1 << 30, Every: time.Second})
	keys := make([]string, 10000)
	for i := range keys {
		keys[i] = fmt.Sprint("10.0.", i/256, ".", i%256)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Allow(keys[i%len(keys)])
		i++
	}
}
