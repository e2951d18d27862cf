package workflows

import "context"

type afterStepKey struct{}

// AfterEachStep returns a context whose runs call fn with a step's name
// each time one of their steps succeeds, at the moment the engine's
// step_success event is due. Unlike a subscriber (Engine.Subscribe), it
// does not turn off held step transactions: fn runs while the step's
// transaction may still be open, on the path production runs take. It is
// meant for fault injection in tests — fn may cancel the run's context, so
// that the run fails right after that step — and must not block.
func AfterEachStep(ctx context.Context, fn func(step string)) context.Context {
	return context.WithValue(ctx, afterStepKey{}, fn)
}

// afterStep calls the AfterEachStep function of the run's context, if any.
func (r *run) afterStep(step string) {
	if fn, ok := r.ctx.Value(afterStepKey{}).(func(string)); ok {
		fn(step)
	}
}
