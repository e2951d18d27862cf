package flows_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/user"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// Cancelling finished runs (Medusa's cancel) replays them from their
// checkpoints, which needs the workflows registered and every step output
// and compensation input to survive the store (JSON in Postgres), and then
// compensates: the database is back to its state before the runs.
func TestCancelFinishedRuns(t *testing.T) {
	for _, store := range []string{"postgres", "memory"} {
		t.Run(store, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, store, workflows.WithDefaultRetention(-1))
			inv, err := e.users.CreateInvites(ctx, user.CreateInviteInput{Email: "invited@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := e.users.CreateUsers(ctx, user.CreateUserInput{Email: "old@test.com", FirstName: ptr("Old"), Metadata: json.RawMessage(`{"a": 1}`)},
				user.CreateUserInput{Email: "plain@test.com"})
			if err != nil {
				t.Fatal(err)
			}
			e.identity(t, "authid_1", `{}`)
			before := e.snapshot(t)

			var runs []workflows.RunKey
			var info workflows.RunInfo
			if _, err := flows.UpdateUsersWorkflow.Run(ctx, e.root.Scope(), flows.UpdateUsersInput{Updates: []user.UpdateUserInput{
				{ID: u[0].ID, FirstName: opt.Null[string](), Metadata: opt.Null[json.RawMessage]()},
				{ID: u[1].ID, LastName: opt.Some("Plain"), Metadata: opt.Some(json.RawMessage(`{"b": 2}`))},
			}}, workflows.WithInfo(&info)); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, workflows.RunKey{WorkflowID: flows.UpdateUsersWorkflow.Name(), TransactionID: info.TransactionID})
			if _, err := flows.AcceptInviteWorkflow.Run(ctx, e.root.Scope(), flows.AcceptInviteInput{InviteToken: inv[0].Token, AuthIdentityID: "authid_1"}, workflows.WithInfo(&info)); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, workflows.RunKey{WorkflowID: flows.AcceptInviteWorkflow.Name(), TransactionID: info.TransactionID})
			if _, err := flows.RefreshInviteTokensWorkflow.Run(ctx, e.root.Scope(), flows.RefreshInviteTokensInput{InviteIDs: []string{inv[0].ID}}, workflows.WithInfo(&info)); err == nil {
				t.Fatal("refreshed an accepted invite")
			}
			if after := e.snapshot(t); after == before {
				t.Fatal("the runs changed nothing")
			}
			for i := len(runs) - 1; i >= 0; i-- {
				if err := e.engine.Cancel(ctx, runs[i]); err != nil {
					t.Fatalf("cancel %v: %v", runs[i], err)
				}
			}
			if _, err := e.pool.Exec(ctx, `DELETE FROM workflow_run`); err != nil {
				t.Fatal(err)
			}
			if after := e.snapshot(t); after != before {
				t.Fatalf("not restored\nbefore %s\nafter  %s", before, after)
			}
			// The restored invite's token works again.
			if _, err := e.users.ValidateInviteToken(ctx, inv[0].Token); err != nil {
				t.Fatal(err)
			}
		})
	}
}
