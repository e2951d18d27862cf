// Package link relates the records of modules that never import each
// other (Medusa's module links): a link is defined in Go, between two
// entities (see framework/entity), and stored in its own link table.
//
//	var PostAuthor = link.Define(
//		link.Of(blog.PostEntity).List(),          // a user has many posts
//		link.Of(user.UserEntity).As("author"),    // a post has one author
//	)
//
//	reg, err := link.NewRegistry(slices.Concat(user.Entities, blog.Entities), PostAuthor)
//	actions, err := link.Sync(ctx, pool, reg, link.SyncOptions{})  // db migrate: create/alter the link tables
//	err = link.Register(root, pool, reg)                          // the link service under "link"
//
// A link table is named <moduleA>_<keyA>_<moduleB>_<keyB> without the keys'
// "_id" ("blog_post_user_user"), and holds id, the two keys (its primary
// key), created_at, updated_at, deleted_at and the extra columns, with the
// indexes Medusa gives it. Sync creates and changes the tables like Medusa's
// db:sync-links, refusing destructive changes unless allowed, as the
// generator does for migrations.
//
// The Service creates (Create, checking cardinality), dismisses (Dismiss),
// lists (List) and cascades links: Delete dismisses every link of records
// and soft-deletes the records of DeleteCascade sides linked to them, and
// Restore brings them back. The Service is also an cascade.Cascader: registered
// under Key ("link") in the container the modules are registered in, every
// generated service tells it, inside its own transaction, which records it
// soft-deleted, restored or deleted, so links follow their records without
// the caller doing anything (Medusa leaves this to the callers).
//
// CreateLinksStep, DismissLinksStep and RemoveLinksStep are the workflow
// steps, each compensated. framework/query reads across the links.
package link
