package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/workflows"
)

type num struct {
	N int `json:"n"`
}

// addStep returns a step "name" that adds k, records "name:invoke" and, in
// its compensation, "name:compensate:<comp>".
func addStep(rec *recorder, name string, k int, opts ...workflows.StepOption) *workflows.Step[num, num, num] {
	return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
		rec.add(name + ":invoke")
		return num{in.N + k}, num{in.N + k}, nil
	}, func(ctx context.Context, sc workflows.StepContext, comp num) error {
		rec.add(fmt.Sprintf("%s:compensate:%d", name, comp.N))
		return nil
	}, opts...)
}

// failStep fails with err, returning comp alongside the error.
func failStep(rec *recorder, name string, err error, comp *num, opts ...workflows.StepOption) *workflows.Step[num, num, *num] {
	return workflows.NewStep(name, func(ctx context.Context, sc workflows.StepContext, in num) (num, *num, error) {
		rec.add(name + ":invoke")
		return num{}, comp, err
	}, func(ctx context.Context, sc workflows.StepContext, c *num) error {
		if c == nil {
			rec.add(name + ":compensate:nil")
		} else {
			rec.add(fmt.Sprintf("%s:compensate:%d", name, c.N))
		}
		return nil
	}, opts...)
}

func TestStepsChainAndGroupID(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		var groups []string
		s1 := addStep(rec, "s1", 1)
		s2 := addStep(rec, "s2", 10)
		s3 := workflows.NewStep("s3", func(ctx context.Context, sc workflows.StepContext, in struct{ One, Two num }) (int, int, error) {
			g, _ := events.GroupFrom(ctx)
			groups = append(groups, g, sc.EventGroupID)
			return in.One.N + in.Two.N, 0, nil
		}, nil)
		wf := workflows.New("chain", func(wc *workflows.Context, in num) (int, error) {
			one, err := s1.Run(wc, in)
			if err != nil {
				return 0, err
			}
			two, err := s2.Run(wc, one)
			if err != nil {
				return 0, err
			}
			return s3.Run(wc, struct{ One, Two num }{one, two})
		})
		got, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithEventGroupID("event-group-id"))
		if err != nil {
			t.Fatal(err)
		}
		if got != 2+12 {
			t.Fatalf("result = %d, want 14", got)
		}
		if !slices.Equal(groups, []string{"event-group-id", "event-group-id"}) {
			t.Fatalf("group ids seen by the step = %v", groups)
		}
		var info workflows.RunInfo
		if _, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithInfo(&info)); err != nil {
			t.Fatal(err)
		}
		if info.EventGroupID == "" || info.EventGroupID == "event-group-id" || groups[2] != info.EventGroupID {
			t.Fatalf("generated group id %q, step saw %q", info.EventGroupID, groups[2])
		}
		if len(info.TransactionID) != 26 || info.State != workflows.RunDone {
			t.Fatalf("info = %+v, want a ULID transaction id and state done", info)
		}
	})
}

type codeErr struct{ code string }

func (e *codeErr) Error() string { return "code " + e.code }

func TestFailureCompensatesNewestFirst(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1, s2 := addStep(rec, "s1", 1), addStep(rec, "s2", 1)
		boom := &codeErr{"boom"}
		s3 := failStep(rec, "s3", boom, &num{42})
		s4 := failStep(rec, "s4", errors.New("plain"), nil)
		wf := workflows.New("fails", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return num{}, err
			}
			b, err := s2.Run(wc, a)
			if err != nil {
				return num{}, err
			}
			if in.N == 0 {
				return s4.Run(wc, b)
			}
			return s3.Run(wc, b)
		})
		var info workflows.RunInfo
		_, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithInfo(&info))
		var re *workflows.RunError
		if !errors.As(err, &re) {
			t.Fatalf("err = %v, want *RunError", err)
		}
		if re.State != workflows.RunReverted || info.State != workflows.RunReverted {
			t.Fatalf("state = %s / %s, want reverted", re.State, info.State)
		}
		if len(re.Errors) != 1 || re.Errors[0].Step != "s3" || re.Errors[0].Handler != workflows.HandlerInvoke {
			t.Fatalf("errors = %+v, want one invoke error of s3", re.Errors)
		}
		var ce *codeErr
		if !errors.As(err, &ce) || ce.code != "boom" {
			t.Fatalf("errors.As through RunError: %v", err)
		}
		want := []string{"s1:invoke", "s2:invoke", "s3:invoke", "s3:compensate:42", "s2:compensate:3", "s1:compensate:2"}
		if got := rec.get(); !slices.Equal(got, want) {
			t.Fatalf("calls = %v, want %v", got, want)
		}
		// The failing step's compensation gets the zero value when its
		// invoke returned no compensation input (Medusa: undefined).
		rec.calls = nil
		_, err = wf.Run(ctx(), h.root.Scope(), num{0})
		if err == nil || !strings.Contains(err.Error(), `step "s4" invoke: plain`) {
			t.Fatalf("err = %v", err)
		}
		if rec.count("s4:compensate:nil") != 1 {
			t.Fatalf("calls = %v, want s4 compensated once with nil", rec.get())
		}
	})
}

func TestFailingCompensationDoesNotStopOthers(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		s2 := workflows.NewStep("s2", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			return in, in, nil
		}, func(ctx context.Context, sc workflows.StepContext, c num) error {
			rec.add("s2:compensate")
			return errors.New("cannot undo s2")
		})
		s3 := failStep(rec, "s3", errors.New("s3 broke"), nil)
		wf := workflows.New("comp-fails", func(wc *workflows.Context, in num) (num, error) {
			for _, s := range []*workflows.Step[num, num, num]{s1, s2} {
				var err error
				if in, err = s.Run(wc, in); err != nil {
					return num{}, err
				}
			}
			return s3.Run(wc, in)
		}, workflows.WithRetention(time.Hour))
		_, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("tx-1"))
		var re *workflows.RunError
		if !errors.As(err, &re) || re.State != workflows.RunFailed {
			t.Fatalf("err = %v, want a failed RunError", err)
		}
		if len(re.InvokeErrors()) != 1 || len(re.CompensateErrors()) != 1 || re.CompensateErrors()[0].Step != "s2" {
			t.Fatalf("errors = %+v", re.Errors)
		}
		if rec.count("s1:compensate:2") != 1 {
			t.Fatalf("s1 was not compensated after s2's compensation failed: %v", rec.get())
		}
		view, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "comp-fails", TransactionID: "tx-1"})
		if err != nil {
			t.Fatal(err)
		}
		if view.State != workflows.RunFailed || len(view.Errors) != 2 {
			t.Fatalf("stored run = %+v", view.RunRecord)
		}
		states := map[string]workflows.StepState{}
		for _, st := range view.Steps {
			states[st.Name] = st.State
		}
		if states["s1"] != workflows.StepReverted || states["s2"] != workflows.StepCompensateFailed || states["s3"] != workflows.StepReverted {
			t.Fatalf("step states = %v", states)
		}
	})
}

func TestRetries(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		var attempts []int
		var inputs []int
		flaky := workflows.NewStep("flaky", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			attempts = append(attempts, sc.Attempt)
			inputs = append(inputs, in.N)
			if sc.Attempt <= 1 {
				return num{}, num{}, errors.New("not yet")
			}
			return num{in.N * 100 * sc.Attempt}, num{}, nil
		}, nil, workflows.WithRetries(1, 0))
		wf := workflows.New("retry-once", func(wc *workflows.Context, in num) (num, error) { return flaky.Run(wc, in) })
		got, err := wf.Run(ctx(), h.root.Scope(), num{3})
		if err != nil {
			t.Fatal(err)
		}
		if got.N != 600 || !slices.Equal(attempts, []int{1, 2}) || !slices.Equal(inputs, []int{3, 3}) {
			t.Fatalf("result %d, attempts %v, inputs %v", got.N, attempts, inputs)
		}

		// maxRetries 3, always failing: invoked 4 times, then the earlier
		// step compensates and the run ends reverted.
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		var times []time.Time
		always := workflows.NewStep("always", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			times = append(times, time.Now())
			return num{}, num{}, fmt.Errorf("attempt %d failed", sc.Attempt)
		}, nil, workflows.WithRetries(3, 5*time.Millisecond))
		wf2 := workflows.New("retry-fail", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return always.Run(wc, a)
		})
		_, err = wf2.Run(ctx(), h.root.Scope(), num{1})
		var re *workflows.RunError
		if !errors.As(err, &re) || re.State != workflows.RunReverted || len(re.Errors) != 1 || re.Errors[0].Attempt != 4 {
			t.Fatalf("err = %v", err)
		}
		if len(times) != 4 || rec.count("s1:compensate:2") != 1 {
			t.Fatalf("invocations %d, calls %v", len(times), rec.get())
		}
		for i := 1; i < len(times); i++ {
			if d := times[i].Sub(times[i-1]); d < 5*time.Millisecond {
				t.Fatalf("retry %d came %v after the previous attempt, before the 5ms interval", i, d)
			}
		}
	})
}

func TestPermanentFailureSkipsRetries(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		calls := 0
		s := workflows.NewStep("step1", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			calls++
			return num{}, num{}, workflows.PermanentFailure("fail permanently")
		}, nil, workflows.WithRetries(1, 0))
		wf := workflows.New("permanent", func(wc *workflows.Context, in num) (num, error) { return s.Run(wc, in) })
		_, err := wf.Run(ctx(), h.root.Scope(), num{})
		var re *workflows.RunError
		if !errors.As(err, &re) || len(re.Errors) != 1 {
			t.Fatalf("err = %v", err)
		}
		e := re.Errors[0]
		if calls != 1 || e.Step != "step1" || e.Handler != "invoke" || e.Err.Error() != "fail permanently" {
			t.Fatalf("calls %d, error %+v", calls, e)
		}
		var pe *workflows.PermanentError
		if !errors.As(err, &pe) {
			t.Fatal("PermanentError not reachable with errors.As")
		}
	})
}

func TestTimeouts(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		slow := workflows.NewStep("slow", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			<-ctx.Done()
			return num{}, num{}, ctx.Err()
		}, nil, workflows.WithStepTimeout(20*time.Millisecond), workflows.WithRetries(2, 0))
		wf := workflows.New("step-timeout", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return slow.Run(wc, a)
		}, workflows.WithRetention(time.Hour))
		_, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("t1"))
		var re *workflows.RunError
		if !errors.As(err, &re) || re.State != workflows.RunReverted || !errors.Is(err, workflows.ErrStepTimeout) {
			t.Fatalf("err = %v, want reverted with ErrStepTimeout", err)
		}
		if re.Errors[0].Attempt != 1 || rec.count("s1:compensate:2") != 1 {
			t.Fatalf("a timed out step is not retried and the run reverts: %+v %v", re.Errors[0], rec.get())
		}
		view, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "step-timeout", TransactionID: "t1"})
		if err != nil {
			t.Fatal(err)
		}
		if st := view.Steps[1]; !strings.Contains(st.Error, "timed out") || st.Attempt != 1 {
			t.Fatalf("slow step = %+v", st)
		}

		// Workflow timeout: the second step runs past the deadline.
		rec2 := &recorder{}
		a1 := addStep(rec2, "a1", 1)
		block := workflows.NewStep("block", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			<-ctx.Done()
			return num{}, num{}, ctx.Err()
		}, nil)
		wf2 := workflows.New("wf-timeout", func(wc *workflows.Context, in num) (num, error) {
			a, err := a1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return block.Run(wc, a)
		}, workflows.WithWorkflowTimeout(30*time.Millisecond))
		var timeouts []string
		unsub := h.eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventTimeout {
				timeouts = append(timeouts, ev.Step)
			}
		})
		defer unsub()
		_, err = wf2.Run(ctx(), h.root.Scope(), num{1})
		if !slices.Equal(timeouts, []string{"block"}) {
			t.Fatalf("timeout events for %v", timeouts)
		}
		if !errors.As(err, &re) || re.State != workflows.RunReverted || !errors.Is(err, workflows.ErrWorkflowTimeout) {
			t.Fatalf("err = %v, want reverted with ErrWorkflowTimeout", err)
		}
		if rec2.count("a1:compensate:2") != 1 {
			t.Fatalf("calls = %v", rec2.get())
		}
	})
}

func TestSkipAndConditionalSteps(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		skipper := workflows.NewStep("maybe", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			rec.add("maybe:invoke")
			return num{99}, num{99}, workflows.ErrSkip
		}, func(ctx context.Context, sc workflows.StepContext, c num) error {
			rec.add("maybe:compensate")
			return nil
		})
		var seen []num
		after := workflows.NewStep("after", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			seen = append(seen, in)
			return in, in, nil
		}, nil)
		cond := addStep(rec, "cond", 5)
		fail := failStep(rec, "fail", errors.New("x"), nil)
		wf := workflows.New("skips", func(wc *workflows.Context, in num) (num, error) {
			m, err := skipper.Run(wc, in)
			if err != nil {
				return m, err
			}
			if in.N > 10 { // a conditional step: plain Go if
				if m, err = cond.Run(wc, in); err != nil {
					return m, err
				}
			}
			out, err := after.Run(wc, m)
			if err != nil || in.N < 100 {
				return out, err
			}
			return fail.Run(wc, out)
		}, workflows.WithRetention(time.Hour))
		var info workflows.RunInfo
		got, err := wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithInfo(&info), workflows.WithTransactionID("a"))
		if err != nil {
			t.Fatal(err)
		}
		if got != (num{}) || !info.HasSkippedSteps || seen[0] != (num{}) {
			t.Fatalf("result %v, info %+v, downstream saw %v: a skipped step yields the zero value", got, info, seen)
		}
		if _, err := wf.Run(ctx(), h.root.Scope(), num{11}, workflows.WithTransactionID("b")); err != nil {
			t.Fatal(err)
		}
		if seen[1] != (num{16}) || rec.count("cond:invoke") != 1 {
			t.Fatalf("conditional step: downstream saw %v, calls %v", seen[1], rec.get())
		}
		view, _ := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "skips", TransactionID: "a"})
		if len(view.Steps) != 2 || view.Steps[0].State != workflows.StepSkipped || view.Steps[1].Position != "1" {
			t.Fatalf("steps of run a = %+v", view.Steps)
		}
		view, _ = h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "skips", TransactionID: "b"})
		if len(view.Steps) != 3 || view.Steps[1].Name != "cond" || view.Steps[2].Position != "2" {
			t.Fatalf("steps of run b = %+v", view.Steps)
		}
		// A skipped step is not compensated.
		if _, err := wf.Run(ctx(), h.root.Scope(), num{100}); err == nil {
			t.Fatal("want failure")
		}
		if rec.count("maybe:compensate") != 0 || rec.count("cond:compensate:105") != 1 {
			t.Fatalf("calls = %v", rec.get())
		}
	})
}

func TestParallel(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		p2 := addStep(rec, "p2", 10)
		p3 := workflows.NewStep("p3", func(ctx context.Context, sc workflows.StepContext, in num) (string, num, error) {
			rec.add("p3:invoke")
			return fmt.Sprintf("n=%d", in.N), in, nil
		}, func(ctx context.Context, sc workflows.StepContext, c num) error {
			rec.add(fmt.Sprintf("p3:compensate:%d", c.N))
			return nil
		})
		// The two parallel compensations meet: each waits for the other to
		// have started, which only happens if they run concurrently.
		started := map[string]chan struct{}{"q1": make(chan struct{}), "q2": make(chan struct{})}
		meet := func(name, other string) workflows.CompensateFunc[num] {
			return func(ctx context.Context, sc workflows.StepContext, c num) error {
				close(started[name])
				select {
				case <-started[other]:
					rec.add(name + ":compensate")
					return nil
				case <-time.After(10 * time.Second):
					return errors.New("parallel siblings did not compensate concurrently")
				}
			}
		}
		inv := func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) { return in, in, nil }
		q1 := workflows.NewStep("q1", inv, meet("q1", "q2"))
		q2 := workflows.NewStep("q2", inv, meet("q2", "q1"))
		last := failStep(rec, "last", errors.New("last fails"), nil)
		type out struct {
			A num
			B string
		}
		wf := workflows.New("parallel", func(wc *workflows.Context, in num) (out, error) {
			x, err := s1.Run(wc, in)
			if err != nil {
				return out{}, err
			}
			a, b, err := workflows.Parallel2(wc, p2.Bind(x), p3.Bind(x))
			if err != nil {
				return out{}, err
			}
			if in.N == 0 {
				if _, _, err := workflows.Parallel2(wc, q1.Bind(a), q2.Bind(a)); err != nil {
					return out{}, err
				}
				_, err := last.Run(wc, a)
				return out{}, err
			}
			return out{a, b}, nil
		})
		got, err := wf.Run(ctx(), h.root.Scope(), num{1})
		if err != nil {
			t.Fatal(err)
		}
		if got.A.N != 12 || got.B != "n=2" {
			t.Fatalf("got %+v", got)
		}
		rec.calls = nil
		_, err = wf.Run(ctx(), h.root.Scope(), num{0})
		if err == nil || len(err.(*workflows.RunError).CompensateErrors()) != 0 {
			t.Fatalf("err = %v", err)
		}
		calls := rec.get()
		idx := func(s string) int { return slices.Index(calls, s) }
		for _, c := range []string{"q1:compensate", "q2:compensate", "p2:compensate:11", "p3:compensate:1", "s1:compensate:1"} {
			if idx(c) < 0 {
				t.Fatalf("%s missing from %v", c, calls)
			}
		}
		if !(idx("last:compensate:nil") < idx("q1:compensate") && max(idx("q1:compensate"), idx("q2:compensate")) < min(idx("p2:compensate:11"), idx("p3:compensate:1")) &&
			max(idx("p2:compensate:11"), idx("p3:compensate:1")) < idx("s1:compensate:1")) {
			t.Fatalf("compensation order = %v", calls)
		}
	})
}

func TestParallelMapAndConcurrentRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		double := workflows.NewStep("double", func(ctx context.Context, sc workflows.StepContext, in int) (int, int, error) {
			return 2 * in, 0, nil
		}, nil)
		wf := workflows.New("map", func(wc *workflows.Context, in []int) ([]int, error) {
			return workflows.ParallelMap(wc, in, func(c *workflows.Context, x int) (int, error) { return double.Run(c, x) })
		})
		_ = rec
		type res struct {
			out []int
			err error
		}
		results := make(chan res, 2)
		for _, in := range [][]int{{1, 2, 3}, {10, 20}} {
			go func() {
				out, err := wf.Run(ctx(), h.root.Scope(), in)
				results <- res{out, err}
			}()
		}
		var outs [][]int
		for range 2 {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			outs = append(outs, r.out)
		}
		slices.SortFunc(outs, func(a, b []int) int { return len(a) - len(b) })
		if !slices.Equal(outs[0], []int{20, 40}) || !slices.Equal(outs[1], []int{2, 4, 6}) {
			t.Fatalf("outputs = %v", outs)
		}
	})
}

func TestSubWorkflow(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		i1, i2 := addStep(rec, "i1", 1), addStep(rec, "i2", 1)
		innerFail := failStep(rec, "inner-fail", errors.New("inner broke"), nil)
		inner := workflows.New("inner", func(wc *workflows.Context, in num) (num, error) {
			a, err := i1.Run(wc, in)
			if err != nil {
				return a, err
			}
			b, err := i2.Run(wc, a)
			if err != nil || in.N != 50 {
				return b, err
			}
			return innerFail.Run(wc, b)
		})
		o1 := addStep(rec, "o1", 10)
		outerFail := failStep(rec, "outer-fail", errors.New("outer broke"), nil)
		outer := workflows.New("outer", func(wc *workflows.Context, in num) (num, error) {
			a, err := o1.Run(wc, in)
			if err != nil {
				return a, err
			}
			b, err := inner.RunAsStep(wc, a)
			if err != nil {
				return b, fmt.Errorf("inner: %w", err)
			}
			if in.N == 0 {
				return outerFail.Run(wc, b)
			}
			return b, nil
		})
		got, err := outer.Run(ctx(), h.root.Scope(), num{1})
		if err != nil || got.N != 13 {
			t.Fatalf("got %v, %v", got, err)
		}
		// A failure after the sub-workflow compensates the sub-workflow's
		// steps and the parent's, once each, newest first.
		rec.calls = nil
		if _, err = outer.Run(ctx(), h.root.Scope(), num{0}); err == nil {
			t.Fatal("want error")
		}
		want := []string{"o1:invoke", "i1:invoke", "i2:invoke", "outer-fail:invoke", "outer-fail:compensate:nil", "i2:compensate:12", "i1:compensate:11", "o1:compensate:10"}
		if got := rec.get(); !slices.Equal(got, want) {
			t.Fatalf("calls = %v\nwant    %v", got, want)
		}
		// A failure inside the sub-workflow reverts it as a unit first.
		rec.calls = nil
		_, err = outer.Run(ctx(), h.root.Scope(), num{40})
		var re *workflows.RunError
		if !errors.As(err, &re) || len(re.Errors) != 1 || re.Errors[0].Step != "inner-fail" || re.State != workflows.RunReverted {
			t.Fatalf("err = %v", err)
		}
		want = []string{"o1:invoke", "i1:invoke", "i2:invoke", "inner-fail:invoke", "inner-fail:compensate:nil", "i2:compensate:52", "i1:compensate:51", "o1:compensate:50"}
		if got := rec.get(); !slices.Equal(got, want) {
			t.Fatalf("calls = %v\nwant    %v", got, want)
		}
	})
}

func TestHooks(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		hook := workflows.NewHook[num, string]("changeProduct")
		s1 := addStep(rec, "s1", 1)
		fail := failStep(rec, "fail", errors.New("x"), nil)
		wf := workflows.New("hooked", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			if _, err := hook.Run(wc, a); err != nil {
				return a, err
			}
			if in.N == 0 {
				return fail.Run(wc, a)
			}
			return a, nil
		})
		// No handler: the hook is a no-op.
		if got, err := wf.Run(ctx(), h.root.Scope(), num{1}); err != nil || got.N != 2 {
			t.Fatalf("got %v, %v", got, err)
		}
		err := hook.Handle(func(ctx context.Context, sc workflows.StepContext, in num) (string, error) {
			rec.add("hook:invoke")
			return fmt.Sprintf("hook saw %d", in.N), nil
		}, func(ctx context.Context, sc workflows.StepContext, out string) error {
			rec.add("hook:compensate:" + out)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = hook.Handle(func(ctx context.Context, sc workflows.StepContext, in num) (string, error) { return "", nil }, nil)
		if err == nil || err.Error() != "Cannot define multiple hook handlers for the changeProduct hook" || !errors.Is(err, workflows.ErrHookHandled) {
			t.Fatalf("second handler: %v", err)
		}
		// The handler's output does not replace the workflow's result.
		if got, err := wf.Run(ctx(), h.root.Scope(), num{1}); err != nil || got.N != 2 || rec.count("hook:invoke") != 1 {
			t.Fatalf("got %v, %v, calls %v", got, err, rec.get())
		}
		if _, err := wf.Run(ctx(), h.root.Scope(), num{0}); err == nil {
			t.Fatal("want error")
		}
		if rec.count("hook:compensate:hook saw 1") != 1 {
			t.Fatalf("hook compensation: %v", rec.get())
		}
	})
}

func TestGroupedEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		bus := events.NewLocal(events.WithLogger(quiet))
		var delivered []string
		bus.Subscribe(events.Wildcard, func(ctx context.Context, m events.Message) error {
			delivered = append(delivered, m.Name+"@"+m.Metadata.EventGroupID)
			return nil
		})
		scope := h.root.Scope()
		container.MustRegister(scope, events.BusKey, events.Bus(bus))
		emit := workflows.NewStep("emit", func(ctx context.Context, sc workflows.StepContext, in string) (string, string, error) {
			b := container.MustResolve(sc.Container, events.BusKey)
			m, _ := events.New(in, map[string]string{"id": "u1"}, events.Metadata{})
			return in, in, b.Emit(ctx, m)
		}, nil)
		fail := failStep(&recorder{}, "fail", errors.New("x"), nil)
		wf := workflows.New("emits", func(wc *workflows.Context, in string) (string, error) {
			out, err := emit.Run(wc, in)
			if err != nil || in != "user.fail" {
				if len(delivered) != 0 {
					return "", errors.New("event delivered before the run finished")
				}
				return out, err
			}
			_, err = fail.Run(wc, num{})
			return "", err
		})
		if _, err := wf.Run(ctx(), scope, "user.created", workflows.WithEventGroupID("g1")); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(delivered, []string{"user.created@g1"}) {
			t.Fatalf("delivered = %v", delivered)
		}
		if _, err := wf.Run(ctx(), scope, "user.fail", workflows.WithEventGroupID("g2")); err == nil {
			t.Fatal("want error")
		}
		if len(delivered) != 1 || len(bus.Held("g2")) != 0 {
			t.Fatalf("a reverted run's events: delivered %v, held %v", delivered, bus.Held("g2"))
		}
	})
}

func TestIdempotentAndRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		body := func(wc *workflows.Context, in num) (num, error) { return s1.Run(wc, in) }
		idem := workflows.New("idem", body, workflows.WithIdempotent())
		first, err := idem.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("same"))
		if err != nil {
			t.Fatal(err)
		}
		second, err := idem.Run(ctx(), h.root.Scope(), num{100}, workflows.WithTransactionID("same"))
		if err != nil || second != first || rec.count("s1:invoke") != 1 {
			t.Fatalf("second run = %v, %v; calls %v", second, err, rec.get())
		}
		runs, err := h.eng.ListRuns(ctx(), workflows.ListFilter{WorkflowID: "idem"})
		if err != nil || len(runs) != 1 || runs[0].State != workflows.RunDone {
			t.Fatalf("runs = %+v, %v", runs, err)
		}

		// Not idempotent, default retention: the finished run is deleted and
		// the same id runs again.
		plain := workflows.New("plain", body)
		for i := range 2 {
			if _, err := plain.Run(ctx(), h.root.Scope(), num{i}, workflows.WithTransactionID("same")); err != nil {
				t.Fatal(err)
			}
		}
		if rec.count("s1:invoke") != 3 {
			t.Fatalf("calls = %v", rec.get())
		}
		if _, err := h.eng.GetRun(ctx(), workflows.RunKey{WorkflowID: "plain", TransactionID: "same"}); !merrors.Is(err, merrors.NotFound) {
			t.Fatalf("finished run without retention: %v", err)
		}

		// Retained runs are kept until their retention passes.
		kept := workflows.New("kept", body, workflows.WithRetention(time.Hour))
		if _, err := kept.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("k")); err != nil {
			t.Fatal(err)
		}
		key := workflows.RunKey{WorkflowID: "kept", TransactionID: "k"}
		if n, err := h.store.Purge(ctx(), time.Now()); err != nil || n != 0 {
			t.Fatalf("purge now: %d, %v", n, err)
		}
		if _, err := h.eng.GetRun(ctx(), key); err != nil {
			t.Fatal(err)
		}
		if n, err := h.store.Purge(ctx(), time.Now().Add(2*time.Hour)); err != nil || n != 1 {
			t.Fatalf("purge later: %d, %v", n, err)
		}
		if _, err := h.eng.GetRun(ctx(), key); err == nil {
			t.Fatal("run survived its retention")
		}
	})
}

func TestAsyncStep(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		waitStep := workflows.NewStep("wait-payment", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			rec.add("wait:invoke")
			return num{}, num{in.N}, nil
		}, func(ctx context.Context, sc workflows.StepContext, c num) error {
			rec.add(fmt.Sprintf("wait:compensate:%d", c.N))
			return nil
		}, workflows.WithAsync())
		s1 := addStep(rec, "s1", 1)
		wf := workflows.New("async", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			return waitStep.Run(wc, a)
		})
		awaiting := make(chan string, 4)
		unsub := h.eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepAwaiting {
				awaiting <- ev.TransactionID
			}
		})
		defer unsub()
		key := workflows.RunKey{WorkflowID: "async", TransactionID: "pay-1"}
		done := make(chan error, 1)
		var got num
		go func() {
			var err error
			got, err = wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("pay-1"))
			done <- err
		}()
		<-awaiting
		if err := h.eng.SetStepSuccess(ctx(), key, "nope", num{}); !merrors.Is(err, merrors.NotFound) || err.Error() != "Action not found." {
			t.Fatalf("unknown step: %v", err)
		}
		if err := h.eng.SetStepSuccess(ctx(), workflows.RunKey{WorkflowID: "async", TransactionID: "x"}, "wait-payment", num{}); err == nil || err.Error() != "Transaction x could not be found." {
			t.Fatalf("unknown transaction: %v", err)
		}
		if err := h.eng.SetStepSuccess(ctx(), key, "s1", num{}); !merrors.Is(err, merrors.NotAllowed) || err.Error() != "Cannot set step success when status is done" {
			t.Fatalf("step not waiting: %v", err)
		}
		if err := h.eng.SetStepSuccess(ctx(), key, "wait-payment", map[string]int{"n": 77}); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil || got.N != 77 {
			t.Fatalf("got %v, %v", got, err)
		}
		// Failure: the run reverts, the async step's compensation gets the
		// input its invoke returned.
		go func() {
			_, err := wf.Run(ctx(), h.root.Scope(), num{5}, workflows.WithTransactionID("pay-2"))
			done <- err
		}()
		<-awaiting
		if err := h.eng.SetStepFailure(ctx(), workflows.RunKey{WorkflowID: "async", TransactionID: "pay-2"}, "wait-payment", errors.New("card declined")); err != nil {
			t.Fatal(err)
		}
		err := <-done
		if err == nil || !strings.Contains(err.Error(), "card declined") || rec.count("wait:compensate:6") != 1 || rec.count("s1:compensate:6") != 1 {
			t.Fatalf("err %v, calls %v", err, rec.get())
		}
	})
}

func TestCancelAfterSuccess(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		var comps []string
		s := workflows.NewStep("step1", func(ctx context.Context, sc workflows.StepContext, in string) (string, map[string]string, error) {
			return "out", map[string]string{"data": "data"}, nil
		}, func(ctx context.Context, sc workflows.StepContext, c map[string]string) error {
			comps = append(comps, c["data"])
			return nil
		})
		wf := workflows.New("cancellable", func(wc *workflows.Context, in string) (string, error) { return s.Run(wc, in) }, workflows.WithRetention(time.Hour))
		if _, err := wf.Run(ctx(), h.root.Scope(), "x", workflows.WithTransactionID("c1")); err != nil {
			t.Fatal(err)
		}
		key := workflows.RunKey{WorkflowID: "cancellable", TransactionID: "c1"}
		if err := h.eng.Cancel(ctx(), key); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(comps, []string{"data"}) {
			t.Fatalf("compensations = %v", comps)
		}
		view, err := h.eng.GetRun(ctx(), key)
		if err != nil || view.State != workflows.RunReverted || view.Steps[0].State != workflows.StepReverted {
			t.Fatalf("view = %+v, %v", view, err)
		}
		if err := h.eng.Cancel(ctx(), key); err != nil || len(comps) != 1 {
			t.Fatalf("cancelling a reverted run: %v, %v", err, comps)
		}
		if err := h.eng.Cancel(ctx(), workflows.RunKey{WorkflowID: "cancellable", TransactionID: "zz"}); !merrors.Is(err, merrors.NotFound) {
			t.Fatalf("unknown: %v", err)
		}
	})
}

func TestSubscribeEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		var got []string
		unsub := h.eng.Subscribe(func(ev workflows.Event) {
			s := string(ev.Type)
			if ev.Step != "" {
				s += ":" + ev.Step
			}
			if ev.Type == workflows.EventFinish {
				s += ":" + string(ev.State)
			}
			got = append(got, s)
		})
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		fail := failStep(rec, "f", errors.New("x"), nil)
		wf := workflows.New("observed", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil || in.N > 0 {
				return a, err
			}
			return fail.Run(wc, a)
		})
		_, _ = wf.Run(ctx(), h.root.Scope(), num{1})
		_, _ = wf.Run(ctx(), h.root.Scope(), num{0})
		unsub()
		_, _ = wf.Run(ctx(), h.root.Scope(), num{1})
		want := []string{"begin", "step_begin:s1", "step_success:s1", "finish:done",
			"begin", "step_begin:s1", "step_success:s1", "step_begin:f", "step_failure:f", "compensate_begin",
			"compensate_step_begin:f", "compensate_step_success:f", "compensate_step_begin:s1", "compensate_step_success:s1", "finish:reverted"}
		if !slices.Equal(got, want) {
			t.Fatalf("events = %v\nwant     %v", got, want)
		}
	})
}

func TestRegistry(t *testing.T) {
	e := workflows.NewEngine()
	body := func(wc *workflows.Context, in int) (int, error) { return in, nil }
	a := workflows.New("workflow1", body)
	if err := e.Register(a, a); err != nil {
		t.Fatal(err)
	}
	err := e.Register(workflows.New("workflow1", body))
	if err == nil || err.Error() != `Workflow with id "workflow1" and step definition already exists.` {
		t.Fatalf("err = %v", err)
	}
	// Without an engine in the scope, Run uses a private in-memory engine.
	if got, err := a.Run(ctx(), nil, 7); err != nil || got != 7 {
		t.Fatalf("got %d, %v", got, err)
	}
}

func TestWorkflowErrorAndPanic(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		wf := workflows.New("validates", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			if in.N == 2 {
				panic("boom")
			}
			return a, merrors.New(merrors.InvalidData, "n must be 2")
		})
		_, err := wf.Run(ctx(), h.root.Scope(), num{1})
		var re *workflows.RunError
		if !errors.As(err, &re) || re.Errors[0].Handler != workflows.HandlerWorkflow || !merrors.Is(err, merrors.InvalidData) {
			t.Fatalf("err = %v", err)
		}
		// The HTTP layer answers with the typed error inside the run error.
		if status, body := merrors.HTTP(err); status != 400 || body.Message != "n must be 2" || body.Type != "invalid_data" {
			t.Fatalf("HTTP(err) = %d %+v", status, body)
		}
		_, err = wf.Run(ctx(), h.root.Scope(), num{2})
		if err == nil || !strings.Contains(err.Error(), "panicked: boom") || rec.count("s1:compensate:3") != 1 {
			t.Fatalf("err = %v, calls %v", err, rec.get())
		}
	})
}
