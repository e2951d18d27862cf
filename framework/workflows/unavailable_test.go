package workflows_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/pgtest"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/framework/workflows/migrations"
	"github.com/medusa-go/medusa/framework/workflows/pgstore"
)

// The database goes away in the middle of a run (its pool closes, as
// every connection does when Postgres restarts): the run fails with a
// transient error, and the engine, which can save neither the failure nor
// the compensation, says so in one log line instead of one per write. The
// run's record stays as last saved, and recovery on a new pool picks it up
// and finishes it.
func TestRunSaysOnceThatTheDatabaseWentAway(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewURL(t, migrations.Source())
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var gone atomic.Bool
	first := workflows.NewStep("first", func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
		return in + 1, in, nil
	}, func(ctx context.Context, sc workflows.StepContext, in int) error { return nil })
	second := workflows.NewStep("second", func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
		if gone.CompareAndSwap(false, true) {
			pool.Close() // the database goes away
			return 0, 0, fmt.Errorf("write: %w", errors.Join(errors.New("terminating connection"), merrors.NewUnavailable(merrors.CodeDatabaseUnavailable, nil)))
		}
		return in + 10, in, nil
	}, nil)
	wf := workflows.New("gone", func(wc *workflows.Context, in int) (int, error) {
		n, err := first.Run(wc, in)
		if err != nil {
			return 0, err
		}
		return second.Run(wc, n)
	})
	eng := workflows.NewEngine(workflows.WithStore(pgstore.New(pool)), workflows.WithLogger(logger), workflows.WithInstanceID("a", time.Minute))
	if err := eng.Register(wf); err != nil {
		t.Fatal(err)
	}
	_, err = wf.Run(ctx, nil, 1, workflows.WithEngine(eng), workflows.WithTransactionID("t1"))
	if !merrors.IsTransient(err) {
		t.Fatalf("run error %v: want a transient one", err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "run ended with the database unavailable") || !strings.Contains(lines[0], "recovery resumes it") {
		t.Fatalf("want one warning line, got %d:\n%s", len(lines), logs.String())
	}
	_ = eng.Shutdown(ctx)

	// Later, on a new pool: the run is still there, recovery finishes it.
	pool2, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool2.Close()
	eng2 := workflows.NewEngine(workflows.WithStore(pgstore.New(pool2)), workflows.WithLogger(quiet), workflows.WithInstanceID("a", time.Minute))
	if err := eng2.Register(wf); err != nil {
		t.Fatal(err)
	}
	finished := make(chan workflows.RunState, 1)
	eng2.Subscribe(func(ev workflows.Event) {
		if ev.Type == workflows.EventFinish {
			finished <- ev.State
		}
	})
	keys, err := eng2.Recover(ctx)
	if err != nil || len(keys) != 1 || keys[0].TransactionID != "t1" {
		t.Fatalf("recovered %v, %v", keys, err)
	}
	select {
	case state := <-finished:
		if state != workflows.RunDone {
			t.Fatalf("the recovered run ended %s", state)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the recovered run did not finish")
	}
	_ = eng2.Shutdown(ctx)
}
