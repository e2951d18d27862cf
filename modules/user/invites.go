package user

import (
	"context"
	"fmt"
	"strings"

	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/ids"
	"github.com/medusa-go/medusa/framework/opt"
	"github.com/medusa-go/medusa/framework/sqlb"
	userdb "github.com/medusa-go/medusa/modules/user/db"
)

// InviteTokenGenerated is the module event emitted when invite tokens are
// (re)generated: by CreateInvites, UpdateInvites and RefreshInviteTokens,
// once per call with the ids aggregated ({"id": [ids]}), as in Medusa 2.12.
const InviteTokenGenerated = "user.user.invite.token_generated"

func (s *Service) tokenSigner() (*tokens, error) {
	if s.ext.tokens == nil {
		return nil, merrors.New(merrors.InvalidData, MissingSecretMessage)
	}
	return s.ext.tokens, nil
}

func (s *Service) emitTokenGenerated(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	s.Emit(ctx, Event(InviteTokenGenerated, "invite", "token_generated", map[string]any{"id": ids}))
}

// createInvitesWithTokens is CreateInvites (Medusa's createInvites, 2.12):
//   - an email that already has a (non-deleted) user fails the whole call with
//     invalid_data "User account for following email(s) already exist: a, b";
//   - each invite gets its id ("invite_" + ULID unless given), a signed token
//     (claims id, email, jti, iat, exp) and expires_at = now + valid_duration
//     in the same INSERT (a given Token or ExpiresAt is overwritten);
//   - a pending invite for the same email fails with invalid_data
//     "Invite with email: x, already exists." (the partial unique index, so
//     concurrent calls for one email create exactly one invite);
//   - after commit it emits user.invite.created {id} per invite and one
//     user.user.invite.token_generated {id: [ids]}.
func (s *Service) createInvitesWithTokens(ctx context.Context, in []CreateInviteInput) ([]Invite, error) {
	if len(in) == 0 {
		return []Invite{}, nil
	}
	t, err := s.tokenSigner()
	if err != nil {
		return nil, err
	}
	rows := make([]CreateInviteInput, len(in))
	emails := make([]string, len(in))
	for i, x := range in {
		if x.ID == "" {
			x.ID = ids.New("invite")
		}
		tok, exp, err := t.sign(x.ID, x.Email)
		if err != nil {
			return nil, fmt.Errorf("create invites: %w", err)
		}
		x.Token, x.ExpiresAt = tok, exp
		rows[i], emails[i] = x, x.Email
	}
	var out []Invite
	err = s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error {
		users, err := s.ListUsers(ctx, UserFilter{Email: sqlb.In(emails...)}, sqlb.FindConfig{Select: []string{"id", "email"}})
		if err != nil {
			return err
		}
		if len(users) > 0 {
			taken := make([]string, len(users))
			for i, u := range users {
				taken[i] = u.Email
			}
			return merrors.New(merrors.InvalidData, "User account for following email(s) already exist: %s", strings.Join(taken, ", "))
		}
		out, err = s.createInvites(ctx, rows...)
		if err != nil {
			return err
		}
		s.emitTokenGenerated(ctx, inviteIDs(out))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateInvitesWithEvents is UpdateInvites: the generated update (not_found
// 'Invite with id "<ids>" not found' for unknown ids, user.invite.updated
// {id} per invite) plus, as Medusa 2.12 does although the token does not
// change, one user.user.invite.token_generated {id: [ids]}.
func (s *Service) updateInvitesWithEvents(ctx context.Context, in []UpdateInviteInput) ([]Invite, error) {
	var out []Invite
	err := s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error {
		var err error
		if out, err = s.updateInvites(ctx, in...); err != nil {
			return err
		}
		s.emitTokenGenerated(ctx, sqlb.Unique(inviteIDs(out)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RefreshInviteTokens gives the invites ids a new token (a new jti) and a new
// expires_at = now + valid_duration (Medusa's refreshInviteTokens, the
// "resend" of an invite): the old token stops validating. Unknown and
// soft-deleted ids fail the whole call with invalid_data "The following
// invites do not exist: a, b". It returns the updated invites in the order
// of ids and emits user.invite.updated {id} per invite and one
// user.user.invite.token_generated {id: [ids]} after commit.
func (s *Service) RefreshInviteTokens(ctx context.Context, ids ...string) ([]Invite, error) {
	ids = sqlb.Unique(ids)
	if len(ids) == 0 {
		return []Invite{}, nil
	}
	t, err := s.tokenSigner()
	if err != nil {
		return nil, err
	}
	var out []Invite
	err = s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error {
		found, err := s.ListInvites(ctx, InviteFilter{ID: sqlb.In(ids...)}, sqlb.FindConfig{Select: []string{"id", "email"}})
		if err != nil {
			return err
		}
		if missing := sqlb.Missing(ids, inviteIDs(found)); len(missing) > 0 {
			return merrors.New(merrors.InvalidData, "The following invites do not exist: %s", strings.Join(missing, ", "))
		}
		email := make(map[string]string, len(found))
		for _, x := range found {
			email[x.ID] = x.Email
		}
		upd := make([]UpdateInviteInput, len(ids))
		for i, id := range ids {
			tok, exp, err := t.sign(id, email[id])
			if err != nil {
				return fmt.Errorf("refresh invite tokens: %w", err)
			}
			upd[i] = UpdateInviteInput{ID: id, Token: opt.Some(tok), ExpiresAt: opt.Some(exp)}
		}
		if out, err = s.updateInvites(ctx, upd...); err != nil {
			return err
		}
		s.emitTokenGenerated(ctx, ids)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateInviteToken verifies an invite token and returns its invite
// (Medusa's validateInviteToken), checking, in order:
//   - the signature, with the configured algorithm only (a token signed
//     with another algorithm, or "alg: none", is refused), and the JWT exp:
//     unauthorized with jsonwebtoken's wording ("jwt malformed", "invalid
//     signature", "invalid algorithm", "jwt expired");
//   - the invite of claim id exists and is not deleted (accepted invites are
//     soft-deleted): not_found "Invite with id: X was not found";
//   - better than Medusa: the token is the invite's current token, compared
//     in constant time, so the token of a resent invite no longer validates:
//     unauthorized "Invalid invite token";
//   - expires_at has not passed: invalid_data "The invite has expired".
//
// Like Medusa it does not look at the accepted flag.
func (s *Service) ValidateInviteToken(ctx context.Context, token string) (Invite, error) {
	t, err := s.tokenSigner()
	if err != nil {
		return Invite{}, err
	}
	claims, err := t.parse(token)
	if err != nil {
		return Invite{}, err
	}
	inv, err := s.RetrieveInvite(ctx, claims.ID)
	if err != nil {
		return Invite{}, err
	}
	if !sameToken(token, inv.Token) {
		return Invite{}, merrors.New(merrors.Unauthorized, "Invalid invite token")
	}
	if inv.ExpiresAt.Before(s.ext.now()) {
		return Invite{}, merrors.New(merrors.InvalidData, "The invite has expired")
	}
	return inv, nil
}

func inviteIDs(xs []Invite) []string {
	ids := make([]string, len(xs))
	for i, x := range xs {
		ids[i] = x.ID
	}
	return ids
}
