package rt

import "context"

// Cascade applies op (a soft delete or restore of rows by id) to ids and,
// when it affected rows, records their ids under key in keys, calls emit
// with them and then next (the relations the model cascades to). Generated
// services build their soft-delete and restore trees from it.
func Cascade(ctx context.Context, ids []string, keys map[string][]string, key string,
	op func(context.Context, []string) ([]string, error), emit func([]string), next func([]string) error) error {
	got, err := op(ctx, ids)
	if err != nil || len(got) == 0 {
		return err
	}
	keys[key] = append(keys[key], got...)
	emit(got)
	return next(got)
}

// RunCascade runs tree (see Cascade) on ids made unique, in the transaction
// tx provides, and returns the affected ids per linkable key. No ids is a
// no-op.
func RunCascade[Q any](ctx context.Context, ids []string,
	tx func(context.Context, func(context.Context, Q) error) error,
	tree func(context.Context, Q, []string, map[string][]string) error) (map[string][]string, error) {
	keys := map[string][]string{}
	ids = Unique(ids)
	if len(ids) == 0 {
		return keys, nil
	}
	if err := tx(ctx, func(ctx context.Context, q Q) error { return tree(ctx, q, ids, keys) }); err != nil {
		return nil, err
	}
	return keys, nil
}
