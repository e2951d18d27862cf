package jobs

import (
	"context"
	"log/slog"
	"strings"
)

// quietRiver wraps the handler of the logger given to River: River's
// producers log their job counts ("producer: Producer job counts") at INFO
// every five seconds while jobs run, which would fill the output of
// `medusa-go dev` at its INFO level; the handler lowers those records to
// DEBUG. Every other record passes as River logged it.
type quietRiver struct{ h slog.Handler }

// riverLogger returns the logger River gets: l, with the producers'
// periodic job counts at DEBUG.
func riverLogger(l *slog.Logger) *slog.Logger { return slog.New(quietRiver{l.Handler()}) }

// lowered reports whether River's record msg is one logged at DEBUG here.
func lowered(msg string) bool { return strings.HasSuffix(msg, ": Producer job counts") }

func (q quietRiver) Enabled(ctx context.Context, l slog.Level) bool { return q.h.Enabled(ctx, l) }

func (q quietRiver) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && lowered(r.Message) {
		if !q.h.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return q.h.Handle(ctx, r)
}

func (q quietRiver) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quietRiver{q.h.WithAttrs(attrs)}
}

func (q quietRiver) WithGroup(name string) slog.Handler { return quietRiver{q.h.WithGroup(name)} }
