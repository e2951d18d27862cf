package cli

import (
	"fmt"
	"runtime/debug"
)

// defaultMemoryLimit is the Go soft memory limit (runtime/debug.SetMemoryLimit)
// that dev and start set when GOMEMLIMIT is unset. The process's resident
// memory is what the limit counts plus ~15 MB it does not (the binary's code
// and data pages, RssFile): 32 MiB kept the peak at 46-48 MB, within issue
// 6's 50 MB, through bursts of 20 parallel logins, each of which allocates
// its password hash's 7 MiB on the Go heap; without it the collector let
// the heap grow to 61-69 MB (docs/perf/memory.md). Under the API load alone
// the process stays well below it (25-30 MB). It is soft: a live heap that
// needs more gets more, with the collector working harder.
const defaultMemoryLimit = 32 << 20

// ApplyMemoryLimit sets defaultMemoryLimit, the limit of dev and start (and
// of internal/scalebench, which runs the application in-process), unless
// GOMEMLIMIT is set (the runtime has then applied it; GOMEMLIMIT=off
// removes the limit). It describes the limit in effect, for the start-up
// log, and returns a function that restores the previous limit (for a
// server run in-process by tests).
func ApplyMemoryLimit(getenv func(string) string) (desc string, restore func()) {
	if v := getenv("GOMEMLIMIT"); v != "" {
		return "GOMEMLIMIT=" + v, func() {}
	}
	prev := debug.SetMemoryLimit(defaultMemoryLimit)
	return fmt.Sprintf("%d MiB (the default; GOMEMLIMIT overrides it, GOMEMLIMIT=off removes it)", defaultMemoryLimit>>20),
		func() { debug.SetMemoryLimit(prev) }
}
