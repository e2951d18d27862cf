package user

// This file is yours: medusa-go created it once and never overwrites it. Add
// hand-written service methods here (they see the generated ones: s.Tx for a
// transaction with sqlc's queries, s.Emit for module events, s.Queries for
// reads), and module options in extension.

import (
	"context"
	"time"
)

// extension is the hand-written state of the Service: the module's options
// and the invite token signer built from them.
type extension struct {
	opts    Options
	optsSet bool
	tokens  *tokens
	// now is the clock of invite expiry checks (tests move it).
	now func() time.Time
}

// WithOptions sets the module's options (Medusa's module options:
// jwt_secret, valid_duration, jwt_public_key, jwt_options). NewService fails
// when they are invalid, e.g. without a JWTSecret:
// "No jwt_secret was provided in the UserModule's options. Please add one."
func WithOptions(o Options) Option {
	return func(s *Service) { s.ext.opts, s.ext.optsSet = o, true }
}

// withClock sets the clock that signs tokens and checks expiry (tests).
func withClock(now func() time.Time) Option {
	return func(s *Service) { s.ext.now = now }
}

// setup runs at the end of NewService, after the options. With WithOptions
// it validates them and prepares the token signer; without, the service
// serves users and invites but every method that signs or verifies an
// invite token fails with Medusa's missing jwt_secret message (New and
// RegisterModule always require the options).
func (e *extension) setup(*Service) error {
	if e.now == nil {
		e.now = time.Now
	}
	if !e.optsSet {
		return nil
	}
	t, err := newTokens(e.opts)
	if err != nil {
		return err
	}
	t.now = e.now
	e.tokens, e.opts = t, t.opts
	return nil
}

// Options returns the module's options with defaults filled in (zero
// without WithOptions).
func (s *Service) Options() Options { return s.ext.opts }

// CreateInvites overrides the generated method: see invites.go.
func (s *Service) CreateInvites(ctx context.Context, in ...CreateInviteInput) ([]Invite, error) {
	return s.createInvitesWithTokens(ctx, in)
}

// UpdateInvites overrides the generated method: see invites.go.
func (s *Service) UpdateInvites(ctx context.Context, in ...UpdateInviteInput) ([]Invite, error) {
	return s.updateInvitesWithEvents(ctx, in)
}
