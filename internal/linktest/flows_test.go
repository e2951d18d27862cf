package linktest

import (
	"context"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/user/flows"
)

// noAuth is the Auth Module as the remove-user-account flow needs it: no
// identity is linked to the users of these tests.
type noAuth struct{ flows.AuthIdentities }

func (noAuth) AuthIdentityIDsByAppMetadata(context.Context, string, string) ([]string, error) {
	return nil, nil
}

func withAuth(e *env) {
	if !e.c.Has(flows.AuthKey.Name()) {
		container.MustRegister(e.c, flows.AuthKey, flows.AuthIdentities(noAuth{}))
	}
}

func flowsDeleteUsers(ctx context.Context, e *env, ids ...string) (struct{}, error) {
	return flows.DeleteUsersWorkflow.Run(ctx, e.c, flows.DeleteUsersInput{IDs: ids})
}

func flowsRemoveAccount(ctx context.Context, e *env, id string) (string, error) {
	withAuth(e)
	return flows.RemoveUserAccountWorkflow.Run(ctx, e.c, flows.RemoveUserAccountInput{UserID: id})
}

var deleteThenFail = workflows.New("delete-users-then-fail", func(wc *workflows.Context, ids []string) (struct{}, error) {
	if _, err := flows.DeleteUsersWorkflow.RunAsStep(wc, flows.DeleteUsersInput{IDs: ids}); err != nil {
		return struct{}{}, err
	}
	_, err := failStep.Run(wc, struct{}{})
	return struct{}{}, err
})

func flowsDeleteThenFail(ctx context.Context, e *env, ids ...string) error {
	_, err := deleteThenFail.Run(ctx, e.c, ids)
	return err
}
