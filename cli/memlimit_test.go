package cli

import (
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestApplyMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })

	debug.SetMemoryLimit(math.MaxInt64)
	env := map[string]string{}
	got, restore := ApplyMemoryLimit(func(k string) string { return env[k] })
	if l := debug.SetMemoryLimit(-1); l != defaultMemoryLimit {
		t.Fatalf("GOMEMLIMIT unset: limit %d, want %d", l, defaultMemoryLimit)
	}
	if !strings.Contains(got, "default") {
		t.Errorf("description %q", got)
	}
	restore()
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("restored limit %d, want none", l)
	}

	// Set: the runtime applied it at start; the default must not replace it.
	debug.SetMemoryLimit(math.MaxInt64)
	env["GOMEMLIMIT"] = "off"
	if got, _ := ApplyMemoryLimit(func(k string) string { return env[k] }); got != "GOMEMLIMIT=off" {
		t.Errorf("description %q", got)
	}
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 {
		t.Fatalf("GOMEMLIMIT=off: limit %d, want none", l)
	}
}
