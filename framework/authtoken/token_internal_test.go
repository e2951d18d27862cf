package authtoken

import (
	"strconv"
	"testing"
	"time"
)

// The cache of verified tokens stays bounded, dropping expired tokens first.
func TestTokenCacheBounded(t *testing.T) {
	var c tokenCache
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 * tokenCacheSize {
		exp := now.Add(time.Hour)
		if i%2 == 0 {
			exp = now.Add(-time.Second) // already expired: dropped first
		}
		c.put("tok"+strconv.Itoa(i), AuthContext{ActorType: "user", AppMetadata: map[string]any{}}, exp, now)
		if len(c.m) > tokenCacheSize {
			t.Fatalf("%d tokens remembered after %d puts", len(c.m), i+1)
		}
	}
	last := "tok" + strconv.Itoa(3*tokenCacheSize-1)
	if _, ok := c.get(last, now); !ok {
		t.Error("the last token put is not remembered")
	}
	if _, ok := c.get("tok0", now); ok {
		t.Error("an expired token was answered")
	}
}
