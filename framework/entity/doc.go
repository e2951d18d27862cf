// Package entity describes a module's models to what reads and relates
// them across modules: the link registry and Query (framework/link,
// framework/query).
//
// An Entity is what Medusa calls a linkable (Module(...).linkable.post:
// {linkable: "post_id", primaryKey: "id", serviceName: "blog", field:
// "post", entity: "Post"}) plus what Query needs to read the model's rows
// without knowing its Go type: its fields, its in-module relations, and
// typed functions bound at generation time. modgen emits one per model
// (<Model>Entity in the module's linkable_gen.go) and the module's list of
// them (Entities):
//
//	reg, err := link.NewRegistry(slices.Concat(user.Entities, blog.Entities), postAuthor)
//
// An Entity reaches its module's service through the container, under the
// module's key, when it is used, and an Entity costs nothing until then.
// Its reads (List, Through) are the module's generated code; Batch sends
// reads of several entities in one round trip (Query sends a page and the
// reads of its links together). Query reads a link by joining the link
// table and the linked module's table: the modules share the database.
package entity
