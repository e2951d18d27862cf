package workflows_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/internal/testkit"
)

// Medusa's continueOnPermanentFailure is Go error handling: the workflow
// function handles the failed step's error and goes on; the run ends done,
// the failed step stays failed in the store and is not compensated.
func TestContinueAfterHandledFailure(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		fail := failStep(rec, "optional", errors.New("optional broke"), nil)
		s1 := addStep(rec, "s1", 1)
		wf := workflows.New("tolerant", func(wc *workflows.Context, in num) (num, error) {
			if _, err := fail.Run(wc, in); err != nil {
				in.N = -in.N // a fallback path
			}
			return s1.Run(wc, in)
		}, workflows.WithRetention(-1))
		got, err := wf.Run(ctx(), h.root.Scope(), num{5}, workflows.WithTransactionID("t"))
		if err != nil || got.N != -4 {
			t.Fatalf("got %v, %v", got, err)
		}
		view, _ := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "tolerant", TransactionID: "t"})
		if view.State != workflows.RunDone || view.Steps[0].State != workflows.StepFailed || rec.count("optional:compensate:nil") != 0 {
			t.Fatalf("run %+v, calls %v", view, rec.get())
		}
	})
}

func TestCancelRunningAndFailedRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		started := make(chan struct{})
		block := workflows.NewStep("block", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			close(started)
			<-ctx.Done()
			return in, in, ctx.Err()
		}, nil)
		wf := workflows.New("long", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return block.Run(wc, a)
		}, workflows.WithRetention(-1))
		done := make(chan error, 1)
		go func() {
			_, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("c"))
			done <- err
		}()
		<-started
		key := workflows.RunKey{WorkflowID: "long", TransactionID: "c"}
		if err := h.eng.Cancel(ctx(), key); err != nil {
			t.Fatal(err)
		}
		err := <-done
		var re *workflows.RunError
		if !errors.As(err, &re) || re.State != workflows.RunReverted || !errors.Is(err, workflows.ErrCancelled) || rec.count("s1:compensate:2") != 1 {
			t.Fatalf("err %v, calls %v", err, rec.get())
		}
		// A failed run cannot be cancelled.
		bad := workflows.NewStep("bad-comp", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) { return in, in, nil },
			func(ctx context.Context, sc workflows.StepContext, c num) error { return errors.New("no") })
		f := failStep(rec, "f", errors.New("x"), nil)
		wf2 := workflows.New("ends-failed", func(wc *workflows.Context, in num) (num, error) {
			if _, err := bad.Run(wc, in); err != nil {
				return in, err
			}
			return f.Run(wc, in)
		}, workflows.WithRetention(-1))
		_, _ = wf2.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("f"))
		err = h.eng.Cancel(ctx(), workflows.RunKey{WorkflowID: "ends-failed", TransactionID: "f"})
		if !merrors.Is(err, merrors.NotAllowed) || err.Error() != "Cannot revert a permanent failed transaction." {
			t.Fatalf("cancel failed run: %v", err)
		}
	})
}

func TestSlogRecordsCarryTransactionID(t *testing.T) {
	var buf testkit.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng := workflows.NewEngine(workflows.WithLogger(logger))
	rec := &recorder{}
	flaky := workflows.NewStep("flaky", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
		if sc.Attempt == 1 {
			return in, in, errors.New("first attempt fails")
		}
		return in, in, nil
	}, nil, workflows.WithRetries(1, 0))
	f := failStep(rec, "f", errors.New("x"), nil)
	wf := workflows.New("logged", func(wc *workflows.Context, in num) (num, error) {
		if _, err := flaky.Run(wc, in); err != nil {
			return in, err
		}
		return f.Run(wc, in)
	})
	_, _ = wf.Run(ctx(), nil, num{}, workflows.WithEngine(eng), workflows.WithTransactionID("tx-log"))
	out := buf.String()
	for _, want := range []string{
		`level=DEBUG msg="workflows: run begins" workflow=logged transaction_id=tx-log`,
		`level=WARN msg="workflows: step failed, retrying" workflow=logged transaction_id=tx-log step=flaky attempt=1`,
		`level=WARN msg="workflows: run finished" workflow=logged transaction_id=tx-log state=reverted`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// Cancelling, from another instance, a run in progress on an instance whose
// heartbeat is fresh is refused (replaying it there would run its steps
// twice); its own instance cancels it.
func TestCancelRefusesARunLiveOnAnotherInstance(t *testing.T) {
	store := workflows.NewMemoryStore()
	a := workflows.NewEngine(workflows.WithStore(store), workflows.WithInstanceID("a", time.Minute))
	b := workflows.NewEngine(workflows.WithStore(store), workflows.WithInstanceID("b", time.Minute))
	started := make(chan struct{})
	block := workflows.NewStep("block", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
		close(started)
		<-ctx.Done()
		return in, in, ctx.Err()
	}, nil)
	wf := workflows.New("held-elsewhere", func(wc *workflows.Context, in num) (num, error) { return block.Run(wc, in) }, workflows.WithRetention(-1))
	if err := b.Register(wf); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := wf.Run(ctx(), nil, num{1}, workflows.WithEngine(a), workflows.WithTransactionID("x"))
		done <- err
	}()
	<-started
	key := workflows.RunKey{WorkflowID: "held-elsewhere", TransactionID: "x"}
	err := b.Cancel(ctx(), key)
	if !merrors.Is(err, merrors.Conflict) || !strings.Contains(err.Error(), "running on instance a") {
		t.Fatalf("cancel from b: %v", err)
	}
	if err := a.Cancel(ctx(), key); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, workflows.ErrCancelled) {
		t.Fatalf("run: %v", err)
	}
}
