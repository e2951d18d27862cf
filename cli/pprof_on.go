//go:build pprof

package cli

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

// Built with -tags pprof (scripts/loadtest.sh PROFILE=1), the binary serves
// net/http/pprof on $PPROF_ADDR (default 127.0.0.1:6060) for profiling.
func init() {
	addr := os.Getenv("PPROF_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() { _ = http.ListenAndServe(addr, nil) }()
}
