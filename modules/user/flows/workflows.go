package flows

import (
	"encoding/json"

	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/user"
)

// CreateUsersInput is the input of CreateUsersWorkflow.
type CreateUsersInput struct {
	Users []user.CreateUserInput `json:"users"`
}

// CreateUsersWorkflow ("create-users-workflow") creates users and emits
// user.created {id} per user.
var CreateUsersWorkflow = workflows.New("create-users-workflow",
	func(wc *workflows.Context, in CreateUsersInput) ([]user.User, error) {
		created, err := CreateUsersStep.Run(wc, in.Users)
		if err != nil {
			return nil, err
		}
		if err := emitIDs(wc, WorkflowEventUserCreated, userIDs(created)); err != nil {
			return nil, err
		}
		return created, nil
	})

// UpdateUsersInput is the input of UpdateUsersWorkflow.
type UpdateUsersInput struct {
	Updates []user.UpdateUserInput `json:"updates"`
}

// UpdateUsersWorkflow ("update-users-workflow") updates users and emits
// user.updated {id} per user.
var UpdateUsersWorkflow = workflows.New("update-users-workflow",
	func(wc *workflows.Context, in UpdateUsersInput) ([]user.User, error) {
		updated, err := UpdateUsersStep.Run(wc, in.Updates)
		if err != nil {
			return nil, err
		}
		if err := emitIDs(wc, WorkflowEventUserUpdated, userIDs(updated)); err != nil {
			return nil, err
		}
		return updated, nil
	})

// DeleteUsersInput is the input of DeleteUsersWorkflow.
type DeleteUsersInput struct {
	IDs []string `json:"ids"`
}

// DeleteUsersWorkflow ("delete-user") soft-deletes users, dismisses their
// links to other modules' records (RemoveUserLinksStep, when a link service
// is registered), and emits user.deleted {id} per given id.
var DeleteUsersWorkflow = workflows.New("delete-user",
	func(wc *workflows.Context, in DeleteUsersInput) (struct{}, error) {
		if _, err := DeleteUsersStep.Run(wc, in.IDs); err != nil {
			return struct{}{}, err
		}
		if _, err := RemoveUserLinksStep.Run(wc, in.IDs); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, emitIDs(wc, WorkflowEventUserDeleted, in.IDs)
	})

// CreateUserAccountInput is the input of CreateUserAccountWorkflow.
type CreateUserAccountInput struct {
	AuthIdentityID string               `json:"authIdentityId"`
	UserData       user.CreateUserInput `json:"userData"`
}

// CreateUserAccountWorkflow ("create-user-account") creates a user (with
// CreateUsersWorkflow) and links the auth identity to it
// (app_metadata.user_id).
var CreateUserAccountWorkflow = workflows.New("create-user-account",
	func(wc *workflows.Context, in CreateUserAccountInput) (user.User, error) {
		created, err := CreateUsersWorkflow.RunAsStep(wc, CreateUsersInput{Users: []user.CreateUserInput{in.UserData}})
		if err != nil {
			return user.User{}, err
		}
		u := created[0]
		if _, err := SetAuthAppMetadataStep.Run(wc, SetAuthAppMetadataInput{AuthIdentityID: in.AuthIdentityID, ActorType: "user", Value: &u.ID}); err != nil {
			return user.User{}, err
		}
		return u, nil
	})

// RemoveUserAccountInput is the input of RemoveUserAccountWorkflow.
type RemoveUserAccountInput struct {
	UserID string `json:"userId"`
}

// RemoveUserAccountWorkflow ("remove-user-account") soft-deletes the user
// (with DeleteUsersWorkflow, which dismisses the user's links), then unlinks the auth identities linked to it
// by setting app_metadata.user_id to null (the key stays, as in Medusa, so
// the identity cannot be linked to another user). It returns the user id.
var RemoveUserAccountWorkflow = workflows.New("remove-user-account",
	func(wc *workflows.Context, in RemoveUserAccountInput) (string, error) {
		if _, err := DeleteUsersWorkflow.RunAsStep(wc, DeleteUsersInput{IDs: []string{in.UserID}}); err != nil {
			return "", err
		}
		ids, err := FindAuthIdentitiesStep.Run(wc, FindAuthIdentitiesInput{Key: "user_id", Value: in.UserID})
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if _, err := SetAuthAppMetadataStep.Run(wc, SetAuthAppMetadataInput{AuthIdentityID: id, ActorType: "user", Value: nil}); err != nil {
				return "", err
			}
		}
		return in.UserID, nil
	})

// CreateInvitesInput is the input of CreateInvitesWorkflow.
type CreateInvitesInput struct {
	Invites []user.CreateInviteInput `json:"invites"`
}

// CreateInvitesWorkflow ("create-invite-step": Medusa's workflow id is its
// step's id) creates invites and emits invite.created {id} per invite.
var CreateInvitesWorkflow = workflows.New("create-invite-step",
	func(wc *workflows.Context, in CreateInvitesInput) ([]user.Invite, error) {
		created, err := CreateInviteStep.Run(wc, in.Invites)
		if err != nil {
			return nil, err
		}
		if err := emitIDs(wc, WorkflowEventInviteCreated, inviteIDs(created)); err != nil {
			return nil, err
		}
		return created, nil
	})

// DeleteInvitesInput is the input of DeleteInvitesWorkflow.
type DeleteInvitesInput struct {
	IDs []string `json:"ids"`
}

// DeleteInvitesWorkflow ("delete-invites-workflow") soft-deletes invites and
// emits invite.deleted {id} per given id.
var DeleteInvitesWorkflow = workflows.New("delete-invites-workflow",
	func(wc *workflows.Context, in DeleteInvitesInput) (struct{}, error) {
		if _, err := DeleteInvitesStep.Run(wc, in.IDs); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, emitIDs(wc, WorkflowEventInviteDeleted, in.IDs)
	})

// RefreshInviteTokensInput is the input of RefreshInviteTokensWorkflow.
type RefreshInviteTokensInput struct {
	InviteIDs []string `json:"invite_ids"`
}

// RefreshInviteTokensWorkflow ("refresh-invite-tokens-workflow") resends
// invites: new tokens and expiry, invite.resent {id} per invite.
var RefreshInviteTokensWorkflow = workflows.New("refresh-invite-tokens-workflow",
	func(wc *workflows.Context, in RefreshInviteTokensInput) ([]user.Invite, error) {
		refreshed, err := RefreshInviteTokensStep.Run(wc, in.InviteIDs)
		if err != nil {
			return nil, err
		}
		if err := emitIDs(wc, WorkflowEventInviteResent, inviteIDs(refreshed)); err != nil {
			return nil, err
		}
		return refreshed, nil
	})

// AcceptInviteUser is the user part of an invite acceptance: Email nil means
// the invite's email.
type AcceptInviteUser struct {
	Email     *string         `json:"email,omitempty"`
	FirstName *string         `json:"first_name,omitempty"`
	LastName  *string         `json:"last_name,omitempty"`
	AvatarURL *string         `json:"avatar_url,omitempty"`
	Metadata  json.RawMessage `json:"metadata,omitempty"`
}

// AcceptInviteInput is the input of AcceptInviteWorkflow.
type AcceptInviteInput struct {
	InviteToken    string           `json:"invite_token"`
	AuthIdentityID string           `json:"auth_identity_id"`
	User           AcceptInviteUser `json:"user"`
}

// AcceptInviteWorkflow ("accept-invite-workflow") validates the invite token,
// creates the user (email = the given email, else the invite's; with
// CreateUsersWorkflow), then in parallel links the auth identity to the user,
// consumes (soft-deletes) the invite and emits invite.accepted {id: invite
// id}. It returns the created user (as a one-element list, as Medusa). Any
// failure reverts everything: the user is deleted, the identity unlinked and
// the invite restored.
var AcceptInviteWorkflow = workflows.New("accept-invite-workflow",
	func(wc *workflows.Context, in AcceptInviteInput) ([]user.User, error) {
		inv, err := ValidateTokenStep.Run(wc, in.InviteToken)
		if err != nil {
			return nil, err
		}
		email := inv.Email
		if in.User.Email != nil {
			email = *in.User.Email
		}
		created, err := CreateUsersWorkflow.RunAsStep(wc, CreateUsersInput{Users: []user.CreateUserInput{{
			Email:     email,
			FirstName: in.User.FirstName,
			LastName:  in.User.LastName,
			AvatarURL: in.User.AvatarURL,
			Metadata:  in.User.Metadata,
		}}})
		if err != nil {
			return nil, err
		}
		_, _, _, err = workflows.Parallel3(wc,
			SetAuthAppMetadataStep.Bind(SetAuthAppMetadataInput{AuthIdentityID: in.AuthIdentityID, ActorType: "user", Value: &created[0].ID}),
			ConsumeInviteStep.Bind(inv.ID),
			EmitEventStep.Bind(EmitEventInput{EventName: WorkflowEventInviteAccepted, Data: idEvents([]string{inv.ID})}),
		)
		if err != nil {
			return nil, err
		}
		return created, nil
	})

// Workflows are every workflow of the User Module: the module registers them
// with the engine at start-up so that Engine.Recover and Engine.Cancel find
// them.
func Workflows() []workflows.Definition {
	return []workflows.Definition{
		CreateUsersWorkflow,
		UpdateUsersWorkflow,
		DeleteUsersWorkflow,
		CreateUserAccountWorkflow,
		RemoveUserAccountWorkflow,
		CreateInvitesWorkflow,
		DeleteInvitesWorkflow,
		RefreshInviteTokensWorkflow,
		AcceptInviteWorkflow,
	}
}
