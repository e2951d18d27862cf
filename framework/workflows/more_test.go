package workflows_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Cancel replays a finished run from its checkpoints, through parallel
// branches and a sub-workflow, and compensates every step once, in order.
func TestReplayNestedPositions(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s := map[string]*workflows.Step[num, num, num]{}
		for i, name := range []string{"s1", "s2", "s3", "s4", "s5", "s6"} {
			s[name] = addStep(rec, name, i+1)
		}
		sub := workflows.New("sub", func(wc *workflows.Context, in num) (num, error) {
			a, err := s["s4"].Run(wc, in)
			if err != nil {
				return a, err
			}
			return s["s5"].Run(wc, a)
		})
		wf := workflows.New("nested", func(wc *workflows.Context, in num) (num, error) {
			a, err := s["s1"].Run(wc, in)
			if err != nil {
				return a, err
			}
			x, y, err := workflows.Parallel2(wc, func(c *workflows.Context) (num, error) {
				b, err := s["s2"].Run(c, a)
				if err != nil {
					return b, err
				}
				return s["s3"].Run(c, b)
			}, sub.Bind(a))
			if err != nil {
				return x, err
			}
			return s["s6"].Run(wc, num{x.N + y.N})
		}, workflows.WithRetention(-1))
		got, err := wf.Run(ctx(), h.root.Scope(), num{0}, workflows.WithTransactionID("n"))
		if err != nil || got.N != 1+2+3+1+4+5+6 {
			t.Fatalf("got %v, %v", got, err)
		}
		key := workflows.RunKey{WorkflowID: "nested", TransactionID: "n"}
		view, _ := h.eng.GetRun(ctx(), key)
		var positions []string
		for _, st := range view.Steps {
			positions = append(positions, st.Name+"@"+st.Position)
		}
		if want := []string{"s1@0", "s2@1/0/0", "s3@1/0/1", "s4@1/1/0/0", "s5@1/1/0/1", "s6@2"}; !slices.Equal(positions, want) {
			t.Fatalf("positions = %v", positions)
		}
		rec.calls = nil
		if err := h.eng.Cancel(ctx(), key); err != nil {
			t.Fatal(err)
		}
		calls := rec.get()
		idx := func(s string) int { return slices.Index(calls, s) }
		if len(calls) != 6 || idx("s6:compensate:22") != 0 || idx("s1:compensate:1") != 5 ||
			idx("s3:compensate:6") > idx("s2:compensate:3") || idx("s5:compensate:10") > idx("s4:compensate:5") {
			t.Fatalf("compensations = %v", calls)
		}
	})
}

func TestListRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		ok := addStep(rec, "ok", 1)
		bad := failStep(rec, "bad", errors.New("x"), nil)
		wf := workflows.New("listed", func(wc *workflows.Context, in num) (num, error) {
			if in.N < 0 {
				return bad.Run(wc, in)
			}
			return ok.Run(wc, in)
		}, workflows.WithRetention(time.Hour))
		for i, n := range []int{1, -1, 2} {
			_, _ = wf.Run(ctx(), h.root.Scope(), num{n}, workflows.WithTransactionID(string(rune('a'+i))))
			time.Sleep(2 * time.Millisecond) // distinct creation times for the order
		}
		all, err := h.eng.ListRuns(ctx(), workflows.ListFilter{WorkflowID: "listed"})
		if err != nil || len(all) != 3 || all[0].TransactionID != "c" || all[2].TransactionID != "a" {
			t.Fatalf("all = %+v, %v", all, err)
		}
		reverted, _ := h.eng.ListRuns(ctx(), workflows.ListFilter{States: []workflows.RunState{workflows.RunReverted}})
		if len(reverted) != 1 || reverted[0].TransactionID != "b" || reverted[0].Errors[0].Step != "bad" {
			t.Fatalf("reverted = %+v", reverted)
		}
		page, _ := h.eng.ListRuns(ctx(), workflows.ListFilter{Limit: 1, Offset: 1})
		if len(page) != 1 || page[0].TransactionID != "b" {
			t.Fatalf("page = %+v", page)
		}
		if _, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "listed", TransactionID: "zz"}); !merrors.Is(err, merrors.NotFound) {
			t.Fatalf("unknown run: %v", err)
		}
	})
}

// A recovered run keeps its original workflow deadline.
func TestRecoveredRunKeepsItsDeadline(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1, s2 := addStep(rec, "s1", 1), addStep(rec, "s2", 1)
		wf := workflows.New("deadline", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return s2.Run(wc, a)
		}, workflows.WithWorkflowTimeout(time.Minute), workflows.WithRetention(-1))
		_ = h.eng.Register(wf)
		key := workflows.RunKey{WorkflowID: "deadline", TransactionID: "d"}
		if err := h.store.CreateRun(ctx(), &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking, Input: num{1}, Retention: -1,
			CreatedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.SaveStep(ctx(), key, &workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Attempt: 1, Output: num{2}, CompInput: num{2}}); err != nil {
			t.Fatal(err)
		}
		keys, err := h.eng.Recover(ctx())
		if err != nil || len(keys) != 1 {
			t.Fatal(keys, err)
		}
		if err := h.eng.Wait(ctx(), key); !errors.Is(err, workflows.ErrWorkflowTimeout) {
			t.Fatalf("err = %v", err)
		}
		if got := rec.get(); !slices.Equal(got, []string{"s1:compensate:2"}) {
			t.Fatalf("calls = %v", got)
		}
	})
}

// Two runs with the same transaction id at once: an idempotent workflow's
// second caller waits for the first run and gets its result; otherwise the
// second is refused.
func TestSameTransactionIDAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		started, release := make(chan struct{}), make(chan struct{})
		calls := 0
		gate := workflows.NewStep("gate", func(ctx2 context.Context, sc workflows.StepContext, in num) (num, num, error) {
			calls++
			close(started)
			<-release
			return num{in.N * 10}, in, nil
		}, nil)
		for _, idem := range []bool{true, false} {
			started, release = make(chan struct{}), make(chan struct{})
			var opts []workflows.WorkflowOption
			name := "plain-once"
			if idem {
				opts, name = append(opts, workflows.WithIdempotent()), "idem-once"
			}
			wf := workflows.New(name, func(wc *workflows.Context, in num) (num, error) { return gate.Run(wc, in) }, opts...)
			first := make(chan error, 1)
			go func() {
				_, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("same"))
				first <- err
			}()
			<-started
			second := make(chan error, 1)
			var got num
			go func() {
				var err error
				got, err = wf.Run(ctx(), h.root.Scope(), num{2}, workflows.WithTransactionID("same"))
				second <- err
			}()
			if !idem {
				if err := <-second; !merrors.Is(err, merrors.NotAllowed) {
					t.Fatalf("non-idempotent second run: %v", err)
				}
				close(release)
				<-first
				continue
			}
			close(release)
			if err := <-first; err != nil {
				t.Fatal(err)
			}
			if err := <-second; err != nil || got.N != 10 {
				t.Fatalf("idempotent second run: %v, %v", got, err)
			}
		}
		if calls != 2 {
			t.Fatalf("gate ran %d times, want once per workflow", calls)
		}
	})
}
