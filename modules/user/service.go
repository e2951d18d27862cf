package user

// This file is yours: medusa-go created it once and never overwrites it. Add
// hand-written service methods here (they see the generated ones: s.Tx for a
// transaction with sqlc's queries, s.Emit for module events, s.Queries for
// reads), and module options in extension.

import "context"

// extension is the hand-written state of the Service (options, clients). Set
// it with your own Option values, e.g.
//
//	func WithSomething(v string) Option { return func(s *Service) { s.ext.something = v } }
type extension struct{}

// setup runs at the end of NewService, after the options; return an error to
// reject them.
func (extension) setup(*Service) error { return nil }

// CreateInvites overrides the generated method (the model's Override list); it
// starts as a pass-through to the generated createInvites.
func (s *Service) CreateInvites(ctx context.Context, in ...CreateInviteInput) ([]Invite, error) {
	return s.createInvites(ctx, in...)
}

// UpdateInvites overrides the generated method (the model's Override list); it
// starts as a pass-through to the generated updateInvites.
func (s *Service) UpdateInvites(ctx context.Context, in ...UpdateInviteInput) ([]Invite, error) {
	return s.updateInvites(ctx, in...)
}
