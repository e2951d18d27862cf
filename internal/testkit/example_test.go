package testkit_test

import (
	"fmt"
	"log/slog"

	"github.com/medusa-go/medusa/internal/testkit"
)

// A Buffer is the log sink of code whose goroutines write while the test
// reads.
func ExampleBuffer() {
	var logs testkit.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	done := make(chan struct{})
	go func() { log.Info("served", "status", 200); close(done) }()
	<-done
	fmt.Print(logs.String())
	// Output: level=INFO msg=served status=200
}
