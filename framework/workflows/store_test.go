package workflows_test

import (
	"errors"
	"testing"
	"time"

	"github.com/medusa-go/medusa/framework/workflows"
)

// The Store contract, checked on both implementations.
func TestStoreContract(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		s := h.store
		key := workflows.RunKey{WorkflowID: "w", TransactionID: "t"}
		if _, err := s.GetRun(ctx(), key); !errors.Is(err, workflows.ErrRunNotFound) {
			t.Fatalf("GetRun unknown: %v", err)
		}
		if _, err := s.Steps(ctx(), key); !errors.Is(err, workflows.ErrRunNotFound) {
			t.Fatalf("Steps unknown: %v", err)
		}
		if err := s.UpdateRun(ctx(), &workflows.RunRecord{RunKey: key, State: workflows.RunDone}); !errors.Is(err, workflows.ErrRunNotFound) {
			t.Fatalf("UpdateRun unknown: %v", err)
		}
		run := &workflows.RunRecord{RunKey: key, State: workflows.RunInvoking, Input: map[string]int{"n": 1}, EventGroupID: "g", Retention: time.Minute}
		if err := s.CreateRun(ctx(), run); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRun(ctx(), run); !errors.Is(err, workflows.ErrRunExists) {
			t.Fatalf("CreateRun twice: %v", err)
		}
		if steps, err := s.Steps(ctx(), key); err != nil || len(steps) != 0 {
			t.Fatalf("Steps of a new run: %v, %v", steps, err)
		}
		st := &workflows.StepRecord{Position: "0", Name: "a", State: workflows.StepWaiting, Attempt: 1, CompInput: []string{"x"}}
		if err := s.SaveStep(ctx(), key, st); err != nil {
			t.Fatal(err)
		}
		done := *st
		done.State, done.Output = workflows.StepDone, 42
		if ok, err := s.CompareAndSaveStep(ctx(), key, &done, workflows.StepFailed); err != nil || ok {
			t.Fatalf("CAS from the wrong state: %v, %v", ok, err)
		}
		if ok, err := s.CompareAndSaveStep(ctx(), key, &done, workflows.StepWaiting); err != nil || !ok {
			t.Fatalf("CAS: %v, %v", ok, err)
		}
		got, err := s.GetStep(ctx(), key, "0")
		if err != nil || got.State != workflows.StepDone || got.Name != "a" {
			t.Fatalf("GetStep = %+v, %v", got, err)
		}
		if _, err := s.GetStep(ctx(), key, "9"); !errors.Is(err, workflows.ErrRunNotFound) {
			t.Fatalf("GetStep unknown: %v", err)
		}
		run.State, run.Output, run.FinishedAt = workflows.RunDone, "result", time.Now()
		run.Errors = []workflows.ErrorRecord{{Step: "a", Handler: "invoke", Message: "m"}}
		if err := s.UpdateRun(ctx(), run); err != nil {
			t.Fatal(err)
		}
		back, err := s.GetRun(ctx(), key)
		if err != nil || back.State != workflows.RunDone || back.EventGroupID != "g" || back.Retention != time.Minute || len(back.Errors) != 1 || back.FinishedAt.IsZero() {
			t.Fatalf("GetRun = %+v, %v", back, err)
		}
		if n, err := s.Purge(ctx(), time.Now().Add(2*time.Minute)); err != nil || n != 1 {
			t.Fatalf("Purge: %d, %v", n, err)
		}
		if _, err := s.GetStep(ctx(), key, "0"); !errors.Is(err, workflows.ErrRunNotFound) {
			t.Fatalf("a purged run's steps remain: %v", err)
		}
	})
}

// A finishing run with a retention purges expired runs in the background.
func TestFinishingRunPurges(t *testing.T) {
	eachBackend(t, func(t *testing.T, h *harness) {
		old := workflows.RunKey{WorkflowID: "kept", TransactionID: "old"}
		if err := h.store.CreateRun(ctx(), &workflows.RunRecord{RunKey: old, State: workflows.RunInvoking, Retention: time.Minute}); err != nil {
			t.Fatal(err)
		}
		if err := h.store.UpdateRun(ctx(), &workflows.RunRecord{RunKey: old, State: workflows.RunDone, FinishedAt: time.Now().Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		wf := workflows.New("kept", func(wc *workflows.Context, in int) (int, error) { return in, nil }, workflows.WithRetention(time.Minute))
		if _, err := wf.Run(ctx(), h.root.Scope(), 1, workflows.WithTransactionID("new")); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if _, err := h.store.GetRun(ctx(), old); errors.Is(err, workflows.ErrRunNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the expired run was not purged")
			}
		}
		if _, err := h.store.GetRun(ctx(), workflows.RunKey{WorkflowID: "kept", TransactionID: "new"}); err != nil {
			t.Fatalf("the new run was purged: %v", err)
		}
	})
}
