package user

import (
	"context"
	"fmt"
	"time"

	"github.com/medusa-go/medusa/framework/db"
	merrors "github.com/medusa-go/medusa/framework/errors"
	"github.com/medusa-go/medusa/framework/sqlb"
	userdb "github.com/medusa-go/medusa/modules/user/db"
)

// InviteState is what an invite token is good for, as InviteTokenState
// tells it: an accept page uses it to explain a refused link before and
// after the invitee fills in the form.
type InviteState string

// Invite token states.
const (
	// InviteValid: the token is the invite's current token, the invite is
	// pending and not expired; accepting it can succeed.
	InviteValid InviteState = "valid"
	// InviteInvalid: the token is malformed, not signed by this module, or
	// names no invite this module ever stored.
	InviteInvalid InviteState = "invalid"
	// InviteExpired: the invite (or this token of it) has expired.
	InviteExpired InviteState = "expired"
	// InviteAccepted: the invite was accepted; the link was used.
	InviteAccepted InviteState = "accepted"
	// InviteReplaced: the invite was resent since this token was issued;
	// only the newest link works.
	InviteReplaced InviteState = "replaced"
	// InviteRevoked: an admin deleted the invite.
	InviteRevoked InviteState = "revoked"
)

// InviteTokenState tells what a presented invite token is good for and
// returns its invite (the zero Invite when the state is InviteInvalid). It
// checks the signature like ValidateInviteToken but not the expiry, so that
// an expired, accepted, resent or deleted invite is told apart from a token
// that is not an invite at all. Checked in order: signature (else
// invalid), the invite, deleted ones included (else invalid), deleted and
// accepted (accepted), deleted (revoked), the invite's current token (else
// replaced), the token's exp and the invite's expires_at (expired).
//
// The error is for failures to read the invite, never for a bad token.
func (s *Service) InviteTokenState(ctx context.Context, token string) (InviteState, Invite, error) {
	t, err := s.tokenSigner()
	if err != nil {
		return "", Invite{}, err
	}
	claims, err := t.parseClaims(token, false)
	if err != nil {
		return InviteInvalid, Invite{}, nil
	}
	inv, err := s.RetrieveInvite(ctx, claims.ID, sqlb.FindConfig{WithDeleted: true})
	if merrors.Is(err, merrors.NotFound) {
		return InviteInvalid, Invite{}, nil
	}
	if err != nil {
		return "", Invite{}, fmt.Errorf("invite token state: %w", err)
	}
	now := s.ext.now()
	switch {
	case inv.DeletedAt != nil && inv.Accepted:
		return InviteAccepted, inv, nil
	case inv.DeletedAt != nil:
		return InviteRevoked, inv, nil
	case !sameToken(token, inv.Token):
		return InviteReplaced, inv, nil
	case inv.ExpiresAt.Before(now), claims.ExpiresAt != nil && !claims.ExpiresAt.After(now):
		return InviteExpired, inv, nil
	}
	return InviteValid, inv, nil
}

// AcceptInvites consumes pending invites: in one transaction it
// soft-deletes them (SoftDeleteInvites, with its events) and marks them
// accepted, so that an accepted invite is told apart from a deleted one. It
// returns the ids it consumed; an id already deleted or unknown is left out.
func (s *Service) AcceptInvites(ctx context.Context, ids ...string) ([]string, error) {
	var out []string
	err := s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error {
		keys, err := s.SoftDeleteInvites(ctx, ids...)
		if err != nil {
			return err
		}
		out = keys["invite_id"]
		if len(out) == 0 {
			return nil
		}
		_, err = db.Conn(ctx, s.db).Exec(ctx, `UPDATE "invite" SET "accepted" = true, "updated_at" = $2 WHERE "id" = ANY($1)`, out, time.Now())
		return merrors.FromPg(err)
	})
	if err != nil {
		return nil, fmt.Errorf("accept invites: %w", err)
	}
	return out, nil
}

// UnacceptInvites undoes AcceptInvites: it restores the invites and marks
// them not accepted (the compensation of an invite acceptance).
func (s *Service) UnacceptInvites(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.Tx(ctx, func(ctx context.Context, _ *userdb.Queries) error {
		if _, err := s.RestoreInvites(ctx, ids...); err != nil {
			return err
		}
		_, err := db.Conn(ctx, s.db).Exec(ctx, `UPDATE "invite" SET "accepted" = false, "updated_at" = $2 WHERE "id" = ANY($1)`, ids, time.Now())
		return merrors.FromPg(err)
	})
	if err != nil {
		return fmt.Errorf("unaccept invites: %w", err)
	}
	return nil
}
