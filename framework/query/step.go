package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/workflows"
)

// StepResult is what UseQueryGraphStep returns: the rows as plain JSON
// objects (a step's output is checkpointed as JSON, so a replay gets the
// same values) and, when paged with Skip, the metadata.
type StepResult struct {
	Data     []map[string]any `json:"data"`
	Metadata *Metadata        `json:"metadata,omitempty"`
}

// UseQueryGraphStep ("use-query-graph-step", Medusa's useQueryGraphStep)
// runs Graph with Query resolved from the container under Key. It has no
// compensation.
var UseQueryGraphStep = workflows.NewStep("use-query-graph-step",
	func(ctx context.Context, sc workflows.StepContext, in Input) (StepResult, struct{}, error) {
		q, err := container.ResolveContext(ctx, sc.Container, Key)
		if err != nil {
			return StepResult{}, struct{}{}, fmt.Errorf("resolve query: %w", err)
		}
		r, err := q.Graph(ctx, in)
		if err != nil {
			return StepResult{}, struct{}{}, err
		}
		b, err := r.AppendData(nil)
		if err != nil {
			return StepResult{}, struct{}{}, err
		}
		out := StepResult{Data: []map[string]any{}, Metadata: r.Metadata}
		if err := json.Unmarshal(b, &out.Data); err != nil {
			return StepResult{}, struct{}{}, fmt.Errorf("query: decode the rows: %w", err)
		}
		return out, struct{}{}, nil
	}, nil, workflows.WithDatabaseOnly())
