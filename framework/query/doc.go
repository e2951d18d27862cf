// Package query reads an entity together with what is related to it, in
// its own module and across module links (Medusa's Query, query.graph):
//
//	res, err := q.Graph(ctx, query.Input{
//		Entity:     "post",
//		Fields:     []string{"id", "title", "author.email", "comments.*"},
//		Filters:    map[string]any{"title": map[string]any{"$ilike": "%go%"}},
//		Pagination: query.Page(0, 20),
//	})
//
// Fields are dotted paths through the entity's in-module relations
// (generated relations, loaded by the module's own service) and its links
// (framework/link), at any depth; "*" reads every field of a level. Filters
// and order apply to the root entity; pagination with Skip returns the
// count too (Metadata).
//
// A graph costs one statement per module and level, never one per row: the
// root rows (plus their count, sent in the same round trip), then one
// statement per in-module relation and per link at each level. A link is
// read in one join of its link table and the linked module's table (the
// modules share the database); the linked rows then load their own
// relations through their module's generated code. Unknown entities, fields,
// relations and links fail before any statement, with an error naming the
// nearest valid one.
//
// Results are typed where Go can type them: the root rows are the entity's
// generated type (GraphOf[blog.Post]), in-module relations are its typed
// fields (post.Comments), and linked records are read with One and Many
// (query.One[user.User](post.Linked, "author")). Result renders the JSON of
// the whole graph, for HTTP routes: Allowed and FromHTTP connect Medusa's
// "fields" query parameter (fields=*author) to Graph. UseQueryGraphStep is
// the workflow step.
package query
