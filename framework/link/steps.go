package link

import (
	"context"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/workflows"
)

func resolve(ctx context.Context, sc workflows.StepContext) (*Service, error) {
	s, err := container.ResolveContext(ctx, sc.Container, Key)
	if err != nil {
		return nil, fmt.Errorf("resolve the link service: %w", err)
	}
	return s, nil
}

// CreateLinksStep ("create-remote-links", Medusa's createRemoteLinkStep)
// creates links (see Service.Create; none is a no-op) and returns them;
// its compensation dismisses them.
var CreateLinksStep = workflows.NewStep("create-remote-links",
	func(ctx context.Context, sc workflows.StepContext, pairs []Pair) ([]Pair, []Pair, error) {
		if len(pairs) == 0 {
			return []Pair{}, nil, nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		if err := s.Create(ctx, pairs...); err != nil {
			return nil, nil, err
		}
		return pairs, pairs, nil
	},
	func(ctx context.Context, sc workflows.StepContext, pairs []Pair) error {
		if len(pairs) == 0 {
			return nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return err
		}
		return s.Dismiss(ctx, pairs...)
	}, workflows.WithDatabaseOnly())

// DismissLinksStep ("dismiss-remote-links", Medusa's dismissRemoteLinkStep)
// dismisses the live links matching pairs (an empty id matches every record
// of its side, as in Service.List) and returns them, with their data; its
// compensation creates them again, data included.
var DismissLinksStep = workflows.NewStep("dismiss-remote-links",
	func(ctx context.Context, sc workflows.StepContext, pairs []Pair) ([]Pair, []Pair, error) {
		if len(pairs) == 0 {
			return []Pair{}, nil, nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		before, err := s.List(ctx, pairs...)
		if err != nil || len(before) == 0 {
			return []Pair{}, nil, err
		}
		if err := s.Dismiss(ctx, before...); err != nil {
			return nil, nil, err
		}
		return before, before, nil
	},
	func(ctx context.Context, sc workflows.StepContext, before []Pair) error {
		if len(before) == 0 {
			return nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return err
		}
		return s.Create(ctx, before...)
	}, workflows.WithDatabaseOnly())

// RemoveLinksStep ("remove-remote-links", Medusa's removeRemoteLinkStep)
// runs Service.Delete on the records keys names (their links dismissed, the
// DeleteCascade sides soft-deleted) and returns what the cascade
// soft-deleted; its compensation restores them (Service.Restore of the
// same keys).
var RemoveLinksStep = workflows.NewStep("remove-remote-links",
	func(ctx context.Context, sc workflows.StepContext, keys Keys) (Keys, Keys, error) {
		if len(keys) == 0 {
			return Keys{}, nil, nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return nil, nil, err
		}
		out, err := s.Delete(ctx, keys)
		if err != nil {
			return nil, nil, err
		}
		return out, keys, nil
	},
	func(ctx context.Context, sc workflows.StepContext, keys Keys) error {
		if len(keys) == 0 {
			return nil
		}
		s, err := resolve(ctx, sc)
		if err != nil {
			return err
		}
		_, err = s.Restore(ctx, keys)
		return err
	}, workflows.WithDatabaseOnly())
