package flows

import (
	"context"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/events"
	"github.com/medusa-go/medusa/framework/workflows"
)

// Workflow events (Medusa's UserWorkflowEvents and InviteWorkflowEvents):
// the public events subscribers normally use, emitted once a workflow
// succeeds, payload {"id": "<id>"} per record. They are not the User
// Module's module events, user.ModuleEventUserCreated ("user.user.created")
// and the like, which its service emits for every row it changes.
const (
	WorkflowEventUserCreated    = "user.created"
	WorkflowEventUserUpdated    = "user.updated"
	WorkflowEventUserDeleted    = "user.deleted"
	WorkflowEventInviteCreated  = "invite.created"
	WorkflowEventInviteDeleted  = "invite.deleted"
	WorkflowEventInviteResent   = "invite.resent"
	WorkflowEventInviteAccepted = "invite.accepted"
)

// EmitEventInput is the input of EmitEventStep: one message named EventName
// per element of Data.
type EmitEventInput struct {
	EventName string `json:"eventName"`
	Data      []any  `json:"data"`
}

// EmitEventStep ("emit-event-step", Medusa's emitEventStep) emits one message
// per element of Data on the bus registered under "event_bus", grouped under
// the run's event group: the engine releases the group when the run succeeds
// and clears it when the run reverts, so the events of a failed run are never
// delivered. No data, or no bus, is a no-op. Nothing to compensate.
//
// It is WithDatabaseOnly: on the durable bus (framework/eventbus) the held
// events are rows written in the step's transaction; on a bus that holds
// them elsewhere (events.Local keeps them in memory), events held by a run
// that is lost in a crash are never released, which is what a run that did
// not happen must get.
var EmitEventStep = workflows.NewStep("emit-event-step",
	func(ctx context.Context, sc workflows.StepContext, in EmitEventInput) (struct{}, struct{}, error) {
		if len(in.Data) == 0 || sc.Container == nil || !sc.Container.Has(events.BusKey.Name()) {
			return struct{}{}, struct{}{}, nil
		}
		bus, err := container.ResolveContext(ctx, sc.Container, events.BusKey)
		if err != nil {
			return struct{}{}, struct{}{}, fmt.Errorf("emit %s: %w", in.EventName, err)
		}
		msgs := make([]events.Message, len(in.Data))
		for i, d := range in.Data {
			m, err := events.New(in.EventName, d, events.Metadata{EventGroupID: sc.EventGroupID})
			if err != nil {
				return struct{}{}, struct{}{}, fmt.Errorf("emit %s: %w", in.EventName, err)
			}
			msgs[i] = m
		}
		if err := bus.Emit(ctx, msgs...); err != nil {
			return struct{}{}, struct{}{}, fmt.Errorf("emit %s: %w", in.EventName, err)
		}
		return struct{}{}, struct{}{}, nil
	}, nil, workflows.WithDatabaseOnly())

// idEvents is the data of a workflow event: {"id": id} per id.
func idEvents(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = map[string]string{"id": id}
	}
	return out
}

// emitIDs runs EmitEventStep with {"id"} per id.
func emitIDs(wc *workflows.Context, name string, ids []string) error {
	_, err := EmitEventStep.Run(wc, EmitEventInput{EventName: name, Data: idEvents(ids)})
	return err
}
