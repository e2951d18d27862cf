package workflows

import (
	"errors"
	"fmt"
	"strings"
)

// Handler types of a StepError (Medusa's handlerType).
const (
	HandlerInvoke     = "invoke"
	HandlerCompensate = "compensate"
	// HandlerWorkflow marks an error returned by the workflow function itself
	// rather than by one of its steps.
	HandlerWorkflow = "workflow"
)

// ErrSkip, returned by a step's invoke, marks the step skipped (Medusa's
// StepResponse.skip()): nothing is compensated for it and the step's caller
// gets the zero output and a nil error.
var ErrSkip = errors.New("workflows: step skipped")

// ErrStepTimeout is wrapped by the error of a step that exceeded its timeout.
var ErrStepTimeout = errors.New("workflows: step timed out")

// ErrWorkflowTimeout is wrapped by the error of a run that exceeded its
// workflow timeout.
var ErrWorkflowTimeout = errors.New("workflows: workflow timed out")

// ErrCancelled is wrapped by the error of a run cancelled with Engine.Cancel
// or whose context was cancelled.
var ErrCancelled = errors.New("workflows: run cancelled")

// ErrNondeterministic is wrapped by the error of a replayed step whose name
// differs from the checkpoint at its position: the workflow function did not
// call the same steps in the same order as before the crash.
var ErrNondeterministic = errors.New("workflows: replay does not match the checkpoints")

// errReplayStopped is returned to step calls past the last checkpoint while a
// run is replayed only to rebuild its compensation stack.
var errReplayStopped = errors.New("workflows: replay stopped before an unrecorded step")

// PermanentError marks a failure that must not be retried (Medusa's
// StepResponse.permanentFailure).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so that the step fails at once, skipping its retries.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// PermanentFailure returns a permanent failure with message msg (default
// "Permanent failure", as Medusa).
func PermanentFailure(msg string) error {
	if msg == "" {
		msg = "Permanent failure"
	}
	return &PermanentError{Err: errors.New(msg)}
}

// StepError is one invoke or compensate error of a run, with the step (action)
// name, its position in the run and the handler type.
type StepError struct {
	Step     string // step name (Medusa's action)
	Position string // deterministic position of the step call in the run
	Handler  string // HandlerInvoke, HandlerCompensate or HandlerWorkflow
	Attempt  int
	Err      error
}

func (e *StepError) Error() string {
	if e.Handler == HandlerWorkflow {
		return fmt.Sprintf("workflow: %v", e.Err)
	}
	return fmt.Sprintf("step %q %s: %v", e.Step, e.Handler, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// RunError is what Run returns when a run does not end done: it carries every
// invoke and compensate error, in the order they happened. errors.Is and
// errors.As see through it to each StepError and its cause.
type RunError struct {
	WorkflowID    string
	TransactionID string
	State         RunState // RunReverted or RunFailed
	Errors        []*StepError
}

func (e *RunError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "workflow %q (transaction %s) %s", e.WorkflowID, e.TransactionID, e.State)
	for i, se := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(se.Error())
	}
	return b.String()
}

// Unwrap returns the step errors.
func (e *RunError) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, se := range e.Errors {
		out[i] = se
	}
	return out
}

// InvokeErrors returns the invoke errors (and workflow function errors).
func (e *RunError) InvokeErrors() []*StepError {
	var out []*StepError
	for _, se := range e.Errors {
		if se.Handler != HandlerCompensate {
			out = append(out, se)
		}
	}
	return out
}

// CompensateErrors returns the compensation errors.
func (e *RunError) CompensateErrors() []*StepError {
	var out []*StepError
	for _, se := range e.Errors {
		if se.Handler == HandlerCompensate {
			out = append(out, se)
		}
	}
	return out
}

// storedError is an error read back from a store: its message survives, and
// the engine's sentinel it wrapped, if any (so that errors.Is still sees a
// step timeout or a cancellation in a result read from the store).
type storedError struct {
	msg   string
	cause error
}

func (e *storedError) Error() string { return e.msg }
func (e *storedError) Unwrap() error { return e.cause }

// sentinels are the errors whose identity an ErrorRecord keeps, by code.
var sentinels = []struct {
	code string
	err  error
}{
	{"step_timeout", ErrStepTimeout},
	{"workflow_timeout", ErrWorkflowTimeout},
	{"cancelled", ErrCancelled},
}

func errorRecords(errs []*StepError) []ErrorRecord {
	out := make([]ErrorRecord, len(errs))
	for i, se := range errs {
		out[i] = ErrorRecord{Step: se.Step, Position: se.Position, Handler: se.Handler, Message: se.Err.Error()}
		for _, s := range sentinels {
			if errors.Is(se.Err, s.err) {
				out[i].Code = s.code
				break
			}
		}
	}
	return out
}

func stepErrors(recs []ErrorRecord) []*StepError {
	out := make([]*StepError, len(recs))
	for i, r := range recs {
		se := &storedError{msg: r.Message}
		for _, s := range sentinels {
			if r.Code == s.code {
				se.cause = s.err
			}
		}
		out[i] = &StepError{Step: r.Step, Position: r.Position, Handler: r.Handler, Err: se}
	}
	return out
}
