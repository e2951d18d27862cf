package workflows

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrHookHandled is matched (errors.Is) by the error of a second Handle on a
// hook.
var ErrHookHandled = errors.New("workflows: hook already has a handler")

type hookError struct{ name string }

func (e *hookError) Error() string {
	return fmt.Sprintf("Cannot define multiple hook handlers for the %s hook", e.name)
}
func (e *hookError) Is(target error) bool { return target == ErrHookHandled }

// Hook is a named extension point of a workflow (Medusa's createHook):
// application code registers exactly one handler, with an optional
// compensation, and the workflow calls it like a step. Without a handler the
// hook does nothing. The handler's output is returned to the workflow, which
// decides what to do with it; it never replaces the workflow's result by
// itself.
type Hook[In, Out any] struct {
	name string
	mu   sync.RWMutex
	step *Step[In, Out, Out]
}

// NewHook returns a hook named name with no handler.
func NewHook[In, Out any](name string) *Hook[In, Out] { return &Hook[In, Out]{name: name} }

// Name returns the hook's name.
func (h *Hook[In, Out]) Name() string { return h.name }

// Handle registers the hook's handler; compensate (may be nil) gets the
// handler's output. A second registration fails with "Cannot define multiple
// hook handlers for the <name> hook" (errors.Is ErrHookHandled). Register
// handlers at start-up, before the workflow runs.
func (h *Hook[In, Out]) Handle(invoke func(ctx context.Context, sc StepContext, in In) (Out, error), compensate CompensateFunc[Out], opts ...StepOption) error {
	if invoke == nil {
		return fmt.Errorf("workflows: hook %s: nil handler", h.name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.step != nil {
		return &hookError{name: h.name}
	}
	h.step = NewStep(h.name, func(ctx context.Context, sc StepContext, in In) (Out, Out, error) {
		out, err := invoke(ctx, sc, in)
		return out, out, err
	}, compensate, opts...)
	return nil
}

// Run calls the hook's handler as a step named after the hook, or, without a
// handler, returns the zero Out and nil. Either way the hook takes one
// position in the run.
func (h *Hook[In, Out]) Run(wc *Context, in In) (Out, error) {
	h.mu.RLock()
	s := h.step
	h.mu.RUnlock()
	if s == nil {
		wc.next()
		var zero Out
		return zero, nil
	}
	return s.Run(wc, in)
}
