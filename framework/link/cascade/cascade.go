package cascade

import (
	"context"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// Cascade applies op (a soft delete or restore of rows by id) to ids, in
// statements of at most sqlb.StatementRows ids (sqlb.InChunks) and, when it
// affected rows, records their ids under key in keys, calls emit with them
// and then next (the relations the model cascades to; nil when it cascades
// to none). Generated services build their soft-delete and restore trees
// from it.
func Cascade(ctx context.Context, ids []string, keys map[string][]string, key string,
	op func(context.Context, []string) ([]string, error), emit func([]string), next func([]string) error) error {
	got, err := sqlb.InChunks(ids, func(ids []string) ([]string, error) { return op(ctx, ids) })
	if err != nil || len(got) == 0 {
		return err
	}
	keys[key] = append(keys[key], got...)
	emit(got)
	if next == nil {
		return nil
	}
	return next(got)
}

// RunCascade runs tree (see Cascade) on ids made unique, in the transaction
// tx provides, then done (when not nil) with the affected ids per linkable
// key, in the same transaction, and returns them. No ids is a no-op.
func RunCascade[Q any](ctx context.Context, ids []string,
	tx func(context.Context, func(context.Context, Q) error) error,
	tree func(context.Context, Q, []string, map[string][]string) error,
	done func(context.Context, map[string][]string) error) (map[string][]string, error) {
	keys := map[string][]string{}
	ids = sqlb.Unique(ids)
	if len(ids) == 0 {
		return keys, nil
	}
	if err := tx(ctx, func(ctx context.Context, q Q) error {
		if err := tree(ctx, q, ids, keys); err != nil {
			return err
		}
		if done != nil && len(keys) > 0 {
			return done(ctx, keys)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return keys, nil
}

// CascadeOp is what a generated service did to records: soft-deleted,
// restored or deleted them.
type CascadeOp uint8

// The operations a Cascader hears of.
const (
	SoftDeleted CascadeOp = iota + 1
	Restored
	Deleted
)

func (op CascadeOp) String() string {
	switch op {
	case SoftDeleted:
		return "soft-deleted"
	case Restored:
		return "restored"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("CascadeOp(%d)", uint8(op))
}

// Cascader hears of the records a generated service's soft delete, restore
// or delete affected, inside that call's transaction (ctx carries it), by
// module and linkable key ({"post_id": [...], "comment_id": [...]}, the
// model's own rows and those its in-module cascades reached; a delete
// reports the model's own rows only). It carries the change over to what
// other modules link to them (framework/link's Service dismisses or
// restores the links, and cascades to the records marked deleteCascade).
// An error fails the call, which then writes nothing.
type Cascader interface {
	Cascade(ctx context.Context, op CascadeOp, module string, keys map[string][]string) error
}

// CascaderKey is the container key of the application's Cascader ("link",
// Medusa's Modules.LINK: framework/link's service registers under it):
// generated services that find it in their container tell it what their
// soft deletes, restores and deletes did.
var CascaderKey = container.NewKey[Cascader]("link")
