package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/medusa-go/medusa/framework/container"
)

// Context is what a workflow function gets: the run it belongs to and its
// place in the run. Each step call made with it takes the next deterministic
// position (0, 1, 2… and, inside a parallel branch or a sub-workflow, a path
// such as 3/1/0), which keys the step's checkpoint. A Context must be used
// only by the goroutine running the workflow function (or the parallel branch)
// it was given to.
type Context struct {
	r      *run
	seq    *seq
	prefix string
	n      int
	// concurrent is set inside parallel branches.
	concurrent bool
}

// Context returns the run's context.Context: it carries the event group
// (events.WithGroup) and the workflow deadline.
func (c *Context) Context() context.Context { return c.r.ctx }

// Container returns the container the run resolves services from: the scope
// passed to Run, or the engine's container for a recovered run.
func (c *Context) Container() *container.Container { return c.r.scope }

// WorkflowID returns the name of the top-level workflow of the run.
func (c *Context) WorkflowID() string { return c.r.key.WorkflowID }

// TransactionID returns the run's transaction id.
func (c *Context) TransactionID() string { return c.r.key.TransactionID }

// EventGroupID returns the run's event group id.
func (c *Context) EventGroupID() string { return c.r.groupID }

func (c *Context) next() string {
	p := strconv.Itoa(c.n) // no allocation below 100
	c.n++
	if c.prefix == "" {
		return p
	}
	return c.prefix + p
}

func (c *Context) child(s *seq, pos string) *Context {
	return &Context{r: c.r, seq: s, prefix: pos + "/", concurrent: c.concurrent}
}

// StepContext describes the step execution a handler runs for (Medusa's step
// context): the run's ids, the step's name and position, the attempt (1 for
// the first), the action ("invoke" or "compensate") and the container to
// resolve services from.
type StepContext struct {
	WorkflowID    string
	TransactionID string
	EventGroupID  string
	StepName      string
	Position      string
	Action        string
	Attempt       int
	Container     *container.Container
}

// seq is an ordered list of completed step calls: the compensation stack of a
// workflow function, a parallel branch or a sub-workflow.
type seq struct {
	items []*item
}

type itemKind uint8

const (
	kindStep itemKind = iota
	kindGroup
	kindSub
)

type item struct {
	kind     itemKind
	def      stepDef
	rec      *StepRecord
	name     string
	pos      string
	branches []*seq
	sub      *seq
	reverted bool
}

// stepDef is the type-erased view of a step the engine needs to compensate
// it.
type stepDef interface {
	stepName() string
	hasCompensate() bool
	retryPolicy() (int, time.Duration)
	compensateRecord(ctx context.Context, sc StepContext, rec *StepRecord) error
}

// decode turns a stored value (a pointer to the typed value in the memory
// store, JSON read from Postgres, or any JSON-compatible value from
// SetStepSuccess) into T.
func decode[T any](v any) (T, error) {
	var zero T
	switch x := v.(type) {
	case nil:
		return zero, nil
	case *T: // what the engine stores: a pointer to the step's typed value
		if x == nil {
			return zero, nil
		}
		return *x, nil
	case T:
		return x, nil
	case json.RawMessage:
		var t T
		if len(x) == 0 || string(x) == "null" {
			return t, nil
		}
		if err := json.Unmarshal(x, &t); err != nil {
			return zero, fmt.Errorf("decode checkpoint into %T: %w", zero, err)
		}
		return t, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("decode %T into %T: %w", v, zero, err)
	}
	var t T
	if err := json.Unmarshal(b, &t); err != nil {
		return zero, fmt.Errorf("decode %T into %T: %w", v, zero, err)
	}
	return t, nil
}
