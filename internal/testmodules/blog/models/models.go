package models

import "github.com/medusa-go/medusa/modgen/dml"

// Post is a blog post: its comments are soft-deleted with it, its tags are
// a many-to-many relation. Its author is a user of the User Module, related
// by a module link that the tests define.
var Post = dml.Define("post",
	dml.ID().Prefix("post").PrimaryKey(),
	dml.Text("title").Searchable(),
	dml.Text("body").Nullable(),
	dml.Number("views").Default(0),
	dml.HasMany("comments", "comment"),
	dml.ManyToMany("tags", "tag").MappedBy("posts"),
).Cascades("comments").
	Sortable("title", "views", "created_at", "updated_at").
	Filterable("title", "views", "created_at", "updated_at")

// Comment is a comment on a post.
var Comment = dml.Define("comment",
	dml.ID().Prefix("com").PrimaryKey(),
	dml.Text("body"),
	dml.BelongsTo("post", "post"),
).Sortable("created_at").Filterable("post_id", "created_at")

// Tag labels posts.
var Tag = dml.Define("tag",
	dml.ID().Prefix("tag").PrimaryKey(),
	dml.Text("value").Unique(),
	dml.ManyToMany("posts", "post").MappedBy("tags"),
).Sortable("value").Filterable("value")

// Module is the blog test module: a second module, beside the User Module,
// for the tests of module links and Query. It lives outside modules/ (it is
// not part of the application) and is generated like any module:
// go generate ./internal/testmodules/blog.
var Module = dml.NewModule("blog", Post, Comment, Tag).In("internal/testmodules/blog").Routes()
