package pgtest

import (
	"testing"
	"time"
)

// WaitFor polls cond every 20 ms until it holds, and fails the test (naming
// what) if it still does not after 60 s: for effects that land
// asynchronously (a job worked, an event delivered, a row written by
// another instance). The deadline is a safety net against a hang, not a
// timing assertion.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
