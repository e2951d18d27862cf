package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/workflows"
)

// threeSteps is s1 → s2 → s3, each adding to n.
func threeSteps(rec *recorder, name string) (*workflows.Workflow[num, num], []*workflows.Step[num, num, num]) {
	steps := []*workflows.Step[num, num, num]{addStep(rec, "s1", 1), addStep(rec, "s2", 10), addStep(rec, "s3", 100)}
	wf := workflows.New(name, func(wc *workflows.Context, in num) (num, error) {
		for _, s := range steps {
			var err error
			if in, err = s.Run(wc, in); err != nil {
				return in, err
			}
		}
		return in, nil
	}, workflows.WithRetention(-1))
	return wf, steps
}

// seed stores a run as a crash would have left it.
func seed(t *testing.T, h *harness, key workflows.RunKey, state workflows.RunState, in any, steps ...workflows.StepRecord) {
	t.Helper()
	if err := h.store.CreateRun(ctx(), &workflows.RunRecord{RunKey: key, State: state, Input: in, EventGroupID: "g", Retention: -1}); err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		if steps[i].Attempt == 0 {
			steps[i].Attempt = 1
		}
		if err := h.store.SaveStep(ctx(), key, &steps[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func recoverAll(t *testing.T, h *harness) []workflows.RunKey {
	t.Helper()
	keys, err := h.eng.Recover(ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		_ = h.eng.Wait(ctx(), k)
	}
	return keys
}

func TestRecoverInvokingRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		wf, _ := threeSteps(rec, "three")
		if err := h.eng.Register(wf); err != nil {
			t.Fatal(err)
		}
		key := workflows.RunKey{WorkflowID: "three", TransactionID: "r1"}
		seed(t, h, key, workflows.RunInvoking, num{1},
			workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Output: num{2}, CompInput: num{2}})
		var resumed []string
		h.eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventResume || ev.Type == workflows.EventFinish {
				resumed = append(resumed, string(ev.Type)+":"+ev.TransactionID)
			}
		})
		if keys := recoverAll(t, h); !slices.Equal(keys, []workflows.RunKey{key}) {
			t.Fatalf("recovered %v", keys)
		}
		if got := rec.get(); !slices.Equal(got, []string{"s2:invoke", "s3:invoke"}) {
			t.Fatalf("calls = %v: a checkpointed step must not run again", got)
		}
		view, err := h.eng.GetRun(ctx(), key)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := workflowsDecode[num](view.Output)
		if view.State != workflows.RunDone || out.N != 112 || len(view.Steps) != 3 {
			t.Fatalf("run = %+v", view)
		}
		if !slices.Equal(resumed, []string{"resume:r1", "finish:r1"}) {
			t.Fatalf("events = %v", resumed)
		}
		// Nothing left to recover.
		if keys := recoverAll(t, h); len(keys) != 0 {
			t.Fatalf("recovered again: %v", keys)
		}
	})
}

func TestRecoverCompensatingRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		wf, _ := threeSteps(rec, "three")
		_ = h.eng.Register(wf)
		key := workflows.RunKey{WorkflowID: "three", TransactionID: "r2"}
		// s3 failed, s2 was already compensated when the process died.
		seed(t, h, key, workflows.RunCompensating, num{1},
			workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Output: num{2}, CompInput: num{2}},
			workflows.StepRecord{Position: "1", Name: "s2", State: workflows.StepReverted, Output: num{12}, CompInput: num{12}},
			workflows.StepRecord{Position: "2", Name: "s3", State: workflows.StepFailed, Error: "s3 broke", CompInput: num{7}})
		recoverAll(t, h)
		if got := rec.get(); !slices.Equal(got, []string{"s3:compensate:7", "s1:compensate:2"}) {
			t.Fatalf("calls = %v", got)
		}
		view, _ := h.eng.GetRun(ctx(), key)
		if view.State != workflows.RunReverted || len(view.Errors) != 1 || view.Errors[0].Message != "s3 broke" {
			t.Fatalf("run = %+v", view.RunRecord)
		}
		for _, st := range view.Steps {
			if st.State != workflows.StepReverted {
				t.Fatalf("step %s is %s", st.Name, st.State)
			}
		}
	})
}

func TestRecoverNondeterministicAndUnregistered(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		wf, _ := threeSteps(rec, "three")
		_ = h.eng.Register(wf)
		key := workflows.RunKey{WorkflowID: "three", TransactionID: "r3"}
		seed(t, h, key, workflows.RunInvoking, num{1},
			workflows.StepRecord{Position: "0", Name: "renamed", State: workflows.StepDone, Output: num{2}})
		seed(t, h, workflows.RunKey{WorkflowID: "gone", TransactionID: "r4"}, workflows.RunInvoking, num{1})
		keys, err := h.eng.Recover(ctx())
		if err == nil || !strings.Contains(err.Error(), `workflow "gone" is not registered`) || len(keys) != 1 {
			t.Fatalf("recover: %v, %v", keys, err)
		}
		err = h.eng.Wait(ctx(), keys[0])
		if !errors.Is(err, workflows.ErrNondeterministic) {
			t.Fatalf("err = %v", err)
		}
		if len(rec.get()) != 0 {
			t.Fatalf("calls = %v", rec.get())
		}
	})
}

func TestAsyncStepSurvivesRestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		s1 := addStep(rec, "s1", 1)
		wait := workflows.NewStep("approval", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			rec.add("approval:invoke")
			return num{}, in, nil
		}, nil, workflows.WithAsync())
		wf := workflows.New("approve", func(wc *workflows.Context, in num) (num, error) {
			a, err := s1.Run(wc, in)
			if err != nil {
				return a, err
			}
			b, err := wait.Run(wc, a)
			if err != nil {
				return b, err
			}
			return s1.Run(wc, b)
		}, workflows.WithRetention(-1))
		_ = h.eng.Register(wf)
		waiting := func(tx string) workflows.RunKey {
			key := workflows.RunKey{WorkflowID: "approve", TransactionID: tx}
			seed(t, h, key, workflows.RunInvoking, num{1},
				workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Output: num{2}, CompInput: num{2}},
				workflows.StepRecord{Position: "1", Name: "approval", State: workflows.StepWaiting, CompInput: num{2}})
			return key
		}
		// Completed while the process was down: recovery goes on at once.
		k1 := waiting("a1")
		if err := h.eng.SetStepSuccess(ctx(), k1, "approval", num{40}); err != nil {
			t.Fatal(err)
		}
		recoverAll(t, h)
		// Completed after the restart, while the recovered run waits.
		k2 := waiting("a2")
		awaiting := make(chan struct{}, 1)
		h.eng.Subscribe(func(ev workflows.Event) {
			if ev.Type == workflows.EventStepAwaiting && ev.TransactionID == "a2" {
				awaiting <- struct{}{}
			}
		})
		if _, err := h.eng.Recover(ctx()); err != nil {
			t.Fatal(err)
		}
		<-awaiting
		if err := h.eng.SetStepSuccess(ctx(), k2, "approval", num{50}); err != nil {
			t.Fatal(err)
		}
		if err := h.eng.Wait(ctx(), k2); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[workflows.RunKey]int{k1: 41, k2: 51} {
			view, _ := h.eng.GetRun(ctx(), key)
			out, _ := workflowsDecode[num](view.Output)
			if view.State != workflows.RunDone || out.N != want {
				t.Fatalf("%s: %+v", key.TransactionID, view.RunRecord)
			}
		}
		if rec.count("approval:invoke") != 0 || rec.count("s1:invoke") != 2 {
			t.Fatalf("calls = %v", rec.get())
		}
	})
}

// TestAsyncCompletionFromAnotherEngine completes a step waiting in one engine
// through another engine on the same store (another process, in production):
// the waiting engine sees it by polling.
func TestAsyncCompletionFromAnotherEngine(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			h := b.new(t, workflows.WithAsyncPollInterval(5*time.Millisecond))
			other := workflows.NewEngine(workflows.WithStore(h.store), workflows.WithLogger(quiet))
			wait := workflows.NewStep("approval", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
				return num{}, in, nil
			}, nil, workflows.WithAsync())
			wf := workflows.New("approve2", func(wc *workflows.Context, in num) (num, error) { return wait.Run(wc, in) })
			awaiting := make(chan struct{}, 1)
			h.eng.Subscribe(func(ev workflows.Event) {
				if ev.Type == workflows.EventStepAwaiting {
					awaiting <- struct{}{}
				}
			})
			done := make(chan error, 1)
			var got num
			go func() {
				var err error
				got, err = wf.Run(ctx(), h.root.Scope(), num{1}, workflows.WithTransactionID("x"))
				done <- err
			}()
			<-awaiting
			if err := other.SetStepSuccess(ctx(), workflows.RunKey{WorkflowID: "approve2", TransactionID: "x"}, "approval", num{9}); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil || got.N != 9 {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

// workflowsDecode decodes a stored output (typed or JSON).
func workflowsDecode[T any](v any) (T, error) {
	var zero T
	switch x := v.(type) {
	case T:
		return x, nil
	case nil:
		return zero, nil
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return zero, err
		}
		var t T
		err = json.Unmarshal(b, &t)
		return t, err
	}
}

// Wired as a container lifecycle hook, the engine recovers runs when the
// container starts and waits for runs in progress when it stops.
func TestEngineLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		wf, _ := threeSteps(rec, "three")
		_ = h.eng.Register(wf)
		key := workflows.RunKey{WorkflowID: "three", TransactionID: "l1"}
		seed(t, h, key, workflows.RunInvoking, num{1},
			workflows.StepRecord{Position: "0", Name: "s1", State: workflows.StepDone, Output: num{2}, CompInput: num{2}})
		h.root.OnLifecycle("workflows", func(ctx context.Context) error {
			_, err := h.eng.Recover(ctx)
			return err
		}, h.eng.Shutdown)
		if err := h.root.Start(ctx()); err != nil {
			t.Fatal(err)
		}
		if err := h.root.Stop(ctx()); err != nil {
			t.Fatal(err)
		}
		view, err := h.eng.GetRun(ctx(), key)
		if err != nil || view.State != workflows.RunDone || !slices.Equal(rec.get(), []string{"s2:invoke", "s3:invoke"}) {
			t.Fatalf("run %+v, %v, calls %v", view, err, rec.get())
		}
	})
}

// With instance ids, Recover takes over its own instance's runs at once and
// other instances' runs only when their heartbeat is stale.
func TestRecoverWithInstanceIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		rec := &recorder{}
		wf, _ := threeSteps(rec, "three")
		for _, owner := range []string{"a", "b"} {
			if err := h.store.CreateRun(ctx(), &workflows.RunRecord{RunKey: workflows.RunKey{WorkflowID: "three", TransactionID: "of-" + owner},
				State: workflows.RunInvoking, Input: num{1}, Owner: owner, Retention: -1}); err != nil {
				t.Fatal(err)
			}
		}
		recoverAs := func(id string, lease time.Duration) []string {
			eng := workflows.NewEngine(workflows.WithStore(h.store), workflows.WithLogger(quiet), workflows.WithInstanceID(id, lease))
			defer func() { _ = eng.Shutdown(ctx()) }()
			_ = eng.Register(wf)
			keys, err := eng.Recover(ctx())
			if err != nil {
				t.Fatal(err)
			}
			var txs []string
			for _, k := range keys {
				if err := eng.Wait(ctx(), k); err != nil {
					t.Fatal(err)
				}
				txs = append(txs, k.TransactionID)
			}
			return txs
		}
		// b restarts: it takes its own run, not a's (a's heartbeat is fresh).
		if got := recoverAs("b", time.Hour); !slices.Equal(got, []string{"of-b"}) {
			t.Fatalf("b recovered %v", got)
		}
		time.Sleep(20 * time.Millisecond)
		// a's heartbeat is now older than c's lease: c takes a's run.
		if got := recoverAs("c", 10*time.Millisecond); !slices.Equal(got, []string{"of-a"}) {
			t.Fatalf("c recovered %v", got)
		}
		runs, _ := h.eng.ListRuns(ctx(), workflows.ListFilter{WorkflowID: "three"})
		for _, r := range runs {
			if r.State != workflows.RunDone {
				t.Fatalf("run %s is %s", r.TransactionID, r.State)
			}
		}
	})
}

// A live run's heartbeat keeps other instances from taking it over.
func TestHeartbeatKeepsLiveRuns(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		const lease = 600 * time.Millisecond
		a := workflows.NewEngine(workflows.WithStore(h.store), workflows.WithLogger(quiet), workflows.WithInstanceID("a", lease))
		started, release := make(chan struct{}), make(chan struct{})
		block := workflows.NewStep("block", func(ctx context.Context, sc workflows.StepContext, in num) (num, num, error) {
			close(started)
			<-release
			return in, in, nil
		}, nil)
		wf := workflows.New("held", func(wc *workflows.Context, in num) (num, error) { return block.Run(wc, in) }, workflows.WithRetention(-1))
		done := make(chan error, 1)
		go func() {
			_, err := wf.Run(ctx(), nil, num{1}, workflows.WithEngine(a))
			done <- err
		}()
		<-started
		time.Sleep(lease + lease/3) // longer than the lease: only heartbeats keep the run a's
		c := workflows.NewEngine(workflows.WithStore(h.store), workflows.WithLogger(quiet), workflows.WithInstanceID("c", lease))
		_ = c.Register(wf)
		keys, err := c.Recover(ctx())
		close(release)
		if err != nil || len(keys) != 0 {
			t.Fatalf("c took over %v (%v) while a was running it", keys, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		_ = a.Shutdown(ctx())
		_ = c.Shutdown(ctx())
	})
}
