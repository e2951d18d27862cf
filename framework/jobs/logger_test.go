package jobs

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
)

// Errors that only say the database is unavailable are logged at WARN;
// other errors stay ERROR; other levels are untouched.
func TestOutageLogger(t *testing.T) {
	var buf bytes.Buffer
	l := outageLogger(slog.New(slog.NewTextHandler(&buf, nil))).With("component", "test")
	l.Error("producer: Error fetching jobs", slog.String("err", "failed to connect to `user=postgres database=medusa`: server error: FATAL: the database system is shutting down (SQLSTATE 57P03)"))
	l.Error("notifier", "err", fmt.Errorf("wait: %w", syscall.ECONNRESET))
	l.Error("cleaner", "error", "FATAL: terminating connection due to administrator command (SQLSTATE 57P01)")
	l.Error("a bug", "err", errors.New("nil pointer"))
	l.Error("no error attribute", "queue", "events")
	l.Info("fine", "err", syscall.ECONNREFUSED)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{"level=WARN", "level=WARN", "level=WARN", "level=ERROR", "level=ERROR", "level=INFO"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines:\n%s", len(lines), buf.String())
	}
	for i, w := range want {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "component=test") {
			t.Errorf("line %d: %s, want %s", i, lines[i], w)
		}
	}
}
