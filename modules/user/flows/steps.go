package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/medusa-go/medusa/framework/container"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/link"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/sqlb"
	"github.com/medusa-go/medusa/framework/workflows"
	"github.com/medusa-go/medusa/modules/user"
)

func users(ctx context.Context, sc workflows.StepContext) (*user.Service, error) {
	s, err := container.ResolveContext(ctx, sc.Container, user.Key)
	if err != nil {
		return nil, fmt.Errorf("resolve the user module: %w", err)
	}
	return s, nil
}

func auth(ctx context.Context, sc workflows.StepContext) (AuthIdentities, error) {
	a, err := container.ResolveContext(ctx, sc.Container, AuthKey)
	if err != nil {
		return nil, fmt.Errorf("resolve the auth module: %w", err)
	}
	return a, nil
}

func userIDs(us []user.User) []string {
	ids := make([]string, len(us))
	for i, u := range us {
		ids[i] = u.ID
	}
	return ids
}

func inviteIDs(xs []user.Invite) []string {
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = x.ID
	}
	return ids
}

// CreateUsersStep ("create-users-step") creates users; compensation
// hard-deletes them.
var CreateUsersStep = workflows.NewStep("create-users-step",
	func(ctx context.Context, sc workflows.StepContext, in []user.CreateUserInput) ([]user.User, []string, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		out, err := s.CreateUsers(ctx, in...)
		if err != nil {
			return nil, nil, err
		}
		return out, userIDs(out), nil
	},
	func(ctx context.Context, sc workflows.StepContext, ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		return s.DeleteUsers(ctx, ids...)
	}, workflows.WithDatabaseOnly())

// UpdateUsersStep ("update-users-step") updates users (no input: nothing to
// do); compensation restores each user's first_name, last_name, email,
// avatar_url and metadata as they were before.
var UpdateUsersStep = workflows.NewStep("update-users-step",
	func(ctx context.Context, sc workflows.StepContext, in []user.UpdateUserInput) ([]user.User, []user.User, error) {
		if len(in) == 0 {
			return []user.User{}, nil, nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		ids := make([]string, len(in))
		for i, x := range in {
			ids[i] = x.ID
		}
		originals, err := s.ListUsers(ctx, user.UserFilter{ID: sqlb.In(ids...)})
		if err != nil {
			return nil, nil, err
		}
		out, err := s.UpdateUsers(ctx, in...)
		if err != nil {
			return nil, nil, err
		}
		return out, originals, nil
	},
	func(ctx context.Context, sc workflows.StepContext, originals []user.User) error {
		if len(originals) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		restore := make([]user.UpdateUserInput, len(originals))
		for i, u := range originals {
			restore[i] = user.UpdateUserInput{
				ID:        u.ID,
				FirstName: opt.Ptr(u.FirstName),
				LastName:  opt.Ptr(u.LastName),
				Email:     opt.Some(u.Email),
				AvatarURL: opt.Ptr(u.AvatarURL),
				Metadata:  jsonOpt(u.Metadata),
			}
		}
		_, err = s.UpdateUsers(ctx, restore...)
		return err
	}, workflows.WithDatabaseOnly())

// jsonOpt sets a JSON column back to m: SQL NULL when m is empty or null.
func jsonOpt(m json.RawMessage) opt.Optional[json.RawMessage] {
	if len(m) == 0 || string(m) == "null" {
		return opt.Null[json.RawMessage]()
	}
	return opt.Some(m)
}

// DeleteUsersStep ("delete-users-step") soft-deletes users (unknown ids are
// ignored); compensation restores those it deleted.
var DeleteUsersStep = workflows.NewStep("delete-users-step",
	func(ctx context.Context, sc workflows.StepContext, ids []string) (struct{}, []string, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return struct{}{}, nil, err
		}
		keys, err := s.SoftDeleteUsers(ctx, ids...)
		if err != nil {
			return struct{}{}, nil, err
		}
		return struct{}{}, keys["user_id"], nil
	},
	func(ctx context.Context, sc workflows.StepContext, ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		_, err = s.RestoreUsers(ctx, ids...)
		return err
	}, workflows.WithDatabaseOnly())

// RemoveUserLinksStep ("remove-remote-links", Medusa's removeRemoteLinkStep
// as deleteUsersWorkflow runs it) dismisses every link of the given users,
// and soft-deletes the records linked to them through a deleteCascade side,
// with the link service registered in the container under link.Key; without
// a link service, or when the users are not among its entities, it does
// nothing. Compensation restores what it removed (link.Service.Restore).
var RemoveUserLinksStep = workflows.NewStep("remove-remote-links",
	func(ctx context.Context, sc workflows.StepContext, ids []string) (link.Keys, link.Keys, error) {
		s, ok, err := links(ctx, sc)
		if err != nil || !ok || len(ids) == 0 {
			return link.Keys{}, nil, err
		}
		keys := userLinkKeys(ids)
		out, err := s.Delete(ctx, keys)
		if err != nil {
			return nil, nil, err
		}
		return out, keys, nil
	},
	func(ctx context.Context, sc workflows.StepContext, keys link.Keys) error {
		if len(keys) == 0 {
			return nil
		}
		s, ok, err := links(ctx, sc)
		if err != nil || !ok {
			return err
		}
		_, err = s.Restore(ctx, keys)
		return err
	}, workflows.WithDatabaseOnly())

// links returns the link service when the container has one that knows the
// User Module's users.
func links(ctx context.Context, sc workflows.StepContext) (*link.Service, bool, error) {
	if !sc.Container.Has(link.Key.Name()) {
		return nil, false, nil
	}
	s, err := container.ResolveContext(ctx, sc.Container, link.Key)
	if err != nil {
		return nil, false, fmt.Errorf("resolve the link service: %w", err)
	}
	_, ok := s.Registry().EntityByKey(user.UserEntity.Module, user.UserEntity.Linkable)
	return s, ok, nil
}

func userLinkKeys(ids []string) link.Keys {
	return link.Keys{user.UserEntity.Module: {user.UserEntity.Linkable: ids}}
}

// CreateInviteStep ("create-invite-step") creates invites (with tokens);
// compensation hard-deletes them.
var CreateInviteStep = workflows.NewStep("create-invite-step",
	func(ctx context.Context, sc workflows.StepContext, in []user.CreateInviteInput) ([]user.Invite, []string, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		out, err := s.CreateInvites(ctx, in...)
		if err != nil {
			return nil, nil, err
		}
		return out, inviteIDs(out), nil
	},
	func(ctx context.Context, sc workflows.StepContext, ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		return s.DeleteInvites(ctx, ids...)
	}, workflows.WithDatabaseOnly())

// DeleteInvitesStep ("delete-invites-step") soft-deletes invites (unknown ids
// are ignored); compensation restores those it deleted.
var DeleteInvitesStep = workflows.NewStep("delete-invites-step",
	func(ctx context.Context, sc workflows.StepContext, ids []string) (struct{}, []string, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return struct{}{}, nil, err
		}
		keys, err := s.SoftDeleteInvites(ctx, ids...)
		if err != nil {
			return struct{}{}, nil, err
		}
		return struct{}{}, keys["invite_id"], nil
	}, restoreInvites, workflows.WithDatabaseOnly())

func restoreInvites(ctx context.Context, sc workflows.StepContext, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	s, err := users(ctx, sc)
	if err != nil {
		return err
	}
	_, err = s.RestoreInvites(ctx, ids...)
	return err
}

// ConsumeInviteStep ("consume-invite-step") soft-deletes the invite being
// accepted and marks it accepted (user.Service.AcceptInvites; Medusa's
// accept flow only deletes it, so an accepted invite looks like a deleted
// one), and fails with not_found "Invite with id: X was not found" when the
// invite was already deleted: of concurrent acceptances of one invite
// exactly one succeeds, the others revert (Medusa's accept flow uses
// deleteInvitesStep, which ignores that case). Compensation restores the
// invite, not accepted.
var ConsumeInviteStep = workflows.NewStep("consume-invite-step",
	func(ctx context.Context, sc workflows.StepContext, id string) (struct{}, []string, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return struct{}{}, nil, err
		}
		ids, err := s.AcceptInvites(ctx, id)
		if err != nil {
			return struct{}{}, nil, err
		}
		if len(ids) != 1 {
			return struct{}{}, nil, merrors.New(merrors.NotFound, "Invite with id: %s was not found", id)
		}
		return struct{}{}, ids, nil
	}, func(ctx context.Context, sc workflows.StepContext, ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		return s.UnacceptInvites(ctx, ids...)
	})

// InviteToken is an invite's token and expiry, kept to undo a refresh.
type InviteToken struct {
	ID        string    `json:"id"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RefreshInviteTokensStep ("refresh-invite-tokens-step") gives invites new
// tokens and expiry (a resend). Medusa has no compensation here; this one
// puts the previous tokens and expiry back, so a reverted resend leaves the
// invites exactly as they were (the old token validates again, the new one
// does not).
var RefreshInviteTokensStep = workflows.NewStep("refresh-invite-tokens-step",
	func(ctx context.Context, sc workflows.StepContext, ids []string) ([]user.Invite, []InviteToken, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		before, err := s.ListInvites(ctx, user.InviteFilter{ID: sqlb.In(ids...)}, sqlb.FindConfig{Select: []string{"id", "token", "expires_at"}})
		if err != nil {
			return nil, nil, err
		}
		out, err := s.RefreshInviteTokens(ctx, ids...)
		if err != nil {
			return nil, nil, err
		}
		prev := make([]InviteToken, len(before))
		for i, x := range before {
			prev[i] = InviteToken{ID: x.ID, Token: x.Token, ExpiresAt: x.ExpiresAt}
		}
		return out, prev, nil
	},
	func(ctx context.Context, sc workflows.StepContext, prev []InviteToken) error {
		if len(prev) == 0 {
			return nil
		}
		s, err := users(ctx, sc)
		if err != nil {
			return err
		}
		upd := make([]user.UpdateInviteInput, len(prev))
		for i, p := range prev {
			upd[i] = user.UpdateInviteInput{ID: p.ID, Token: opt.Some(p.Token), ExpiresAt: opt.Some(p.ExpiresAt)}
		}
		_, err = s.UpdateInvites(ctx, upd...)
		return err
	}, workflows.WithDatabaseOnly())

// ValidateTokenStep ("validate-invite-token-step") returns the invite of a
// valid, current, unexpired token (user.Service.ValidateInviteToken).
var ValidateTokenStep = workflows.NewStep("validate-invite-token-step",
	func(ctx context.Context, sc workflows.StepContext, token string) (user.Invite, struct{}, error) {
		s, err := users(ctx, sc)
		if err != nil {
			return user.Invite{}, struct{}{}, err
		}
		inv, err := s.ValidateInviteToken(ctx, token)
		return inv, struct{}{}, err
	}, nil, workflows.WithDatabaseOnly())

// SetAuthAppMetadataInput links an auth identity to an actor: app_metadata
// key "<ActorType>_id" is set to Value (nil stores null: unlinks but keeps
// the key).
type SetAuthAppMetadataInput struct {
	AuthIdentityID string  `json:"authIdentityId"`
	ActorType      string  `json:"actorType"`
	Value          *string `json:"value"`
}

// AuthIdentity is an auth identity's id and app_metadata.
type AuthIdentity struct {
	ID          string         `json:"id"`
	AppMetadata map[string]any `json:"app_metadata"`
}

// AppMetadataChange is the compensation input of SetAuthAppMetadataStep.
type AppMetadataChange struct {
	ID       string  `json:"id"`
	Key      string  `json:"key"`
	Value    *string `json:"value"`
	OldValue any     `json:"oldValue"`
	HadKey   bool    `json:"hadKey"`
}

// SetAuthAppMetadataStep ("set-auth-app-metadata", Medusa's
// setAuthAppMetadataStep) sets app_metadata["<actor>_id"] of an auth
// identity. When the key is already defined (any value, null included) and
// Value is not nil it fails with invalid_data "Key <actor>_id already exists
// in app metadata": an identity is linked once, and an unlinked one (null)
// is never linked again. Compensation puts the previous value back (removes
// the key when it was absent).
var SetAuthAppMetadataStep = workflows.NewStep("set-auth-app-metadata",
	func(ctx context.Context, sc workflows.StepContext, in SetAuthAppMetadataInput) (AuthIdentity, AppMetadataChange, error) {
		a, err := auth(ctx, sc)
		if err != nil {
			return AuthIdentity{}, AppMetadataChange{}, err
		}
		key := in.ActorType + "_id"
		md, err := a.AppMetadata(ctx, in.AuthIdentityID)
		if err != nil {
			return AuthIdentity{}, AppMetadataChange{}, err
		}
		if md == nil {
			md = map[string]any{}
		}
		old, had := md[key]
		if had && in.Value != nil {
			return AuthIdentity{}, AppMetadataChange{}, merrors.New(merrors.InvalidData, "Key %s already exists in app metadata", key)
		}
		if in.Value == nil {
			md[key] = nil
		} else {
			md[key] = *in.Value
		}
		if err := a.SetAppMetadata(ctx, in.AuthIdentityID, md); err != nil {
			return AuthIdentity{}, AppMetadataChange{}, err
		}
		return AuthIdentity{ID: in.AuthIdentityID, AppMetadata: md},
			AppMetadataChange{ID: in.AuthIdentityID, Key: key, Value: in.Value, OldValue: old, HadKey: had}, nil
	},
	func(ctx context.Context, sc workflows.StepContext, c AppMetadataChange) error {
		if c.ID == "" {
			return nil
		}
		a, err := auth(ctx, sc)
		if err != nil {
			return err
		}
		md, err := a.AppMetadata(ctx, c.ID)
		if err != nil {
			return err
		}
		if md == nil {
			md = map[string]any{}
		}
		if c.HadKey {
			md[c.Key] = c.OldValue
		} else {
			delete(md, c.Key)
		}
		return a.SetAppMetadata(ctx, c.ID, md)
	})

// FindAuthIdentitiesInput selects auth identities whose app_metadata[Key]
// equals Value.
type FindAuthIdentitiesInput struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// FindAuthIdentitiesStep ("find-auth-identities-step"; Medusa queries
// auth_identity with useRemoteQueryStep) returns the ids of the auth
// identities linked to an actor. It reads only.
var FindAuthIdentitiesStep = workflows.NewStep("find-auth-identities-step",
	func(ctx context.Context, sc workflows.StepContext, in FindAuthIdentitiesInput) ([]string, struct{}, error) {
		a, err := auth(ctx, sc)
		if err != nil {
			return nil, struct{}{}, err
		}
		ids, err := a.AuthIdentityIDsByAppMetadata(ctx, in.Key, in.Value)
		return ids, struct{}{}, err
	}, nil)
