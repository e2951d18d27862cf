package jobs

import (
	"context"
	"log/slog"
	"strings"

	merrors "github.com/medusa-go/medusa/framework/errors"
)

// outageLogger returns l with one change: an ERROR record whose error
// attribute ("err" or "error") is transient — the database restarting,
// refusing or dropping connections (merrors.IsTransient) — is written at
// WARN. River and the engine's loops log such a record every time they try
// during an outage; it is an expected condition they recover from by
// themselves, not a failure an operator must act on.
func outageLogger(l *slog.Logger) *slog.Logger {
	return slog.New(outageHandler{l.Handler()})
}

type outageHandler struct{ slog.Handler }

func (h outageHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelError && transientAttr(r) {
		w := slog.NewRecord(r.Time, slog.LevelWarn, r.Message, r.PC)
		r.Attrs(func(a slog.Attr) bool { w.AddAttrs(a); return true })
		r = w
	}
	return h.Handler.Handle(ctx, r)
}

func (h outageHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return outageHandler{h.Handler.WithAttrs(as)}
}

func (h outageHandler) WithGroup(name string) slog.Handler {
	return outageHandler{h.Handler.WithGroup(name)}
}

// transientAttr reports whether r has an "err" or "error" attribute holding
// a transient error, or the text of one (River logs errors as strings).
func transientAttr(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "err" && a.Key != "error" {
			return true
		}
		switch v := a.Value.Any().(type) {
		case error:
			found = merrors.IsTransient(v)
		case string:
			found = transientText(v)
		}
		return !found
	})
	return found
}

// transientMarks are what the text of a transient database error holds:
// the SQLSTATE classes 08 (connection exception), 53 (insufficient
// resources) and 57P (operator intervention), or pgx's words for a
// connection that could not be made or was lost.
var transientMarks = []string{"(SQLSTATE 08", "(SQLSTATE 53", "(SQLSTATE 57P", "failed to connect to", "connection reset by peer", "broken pipe", "conn closed", "closed pool", "unexpected EOF"}

func transientText(s string) bool {
	for _, m := range transientMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
