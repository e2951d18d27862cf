package dml_test

import (
	"fmt"

	"github.com/medusa-go/medusa/modgen/dml"
)

func ExampleDefine() {
	user := dml.Define("user",
		dml.ID().Prefix("user").PrimaryKey(),
		dml.Text("email").Searchable(),
		dml.JSON("metadata").Nullable(),
	).Indexes(dml.Index{On: []string{"email"}, Unique: true})
	mod := dml.NewModule("user", user)
	if err := mod.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for _, ix := range dml.AllIndexes(user) {
		fmt.Println(ix.Name, "WHERE", ix.Where)
	}
	// Output:
	// IDX_user_deleted_at WHERE deleted_at IS NULL
	// IDX_user_email_unique WHERE deleted_at IS NULL
}

func ExampleModel_Sortable() {
	post := dml.Define("post",
		dml.ID().Prefix("post").PrimaryKey(),
		dml.Text("title").Unique(),
		dml.Number("views").Default(0),
		dml.Text("body").Nullable(),
	).Sortable("title", "views", "created_at").Filterable("views", "deleted_at")
	if err := dml.NewModule("blog", post).Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for _, ix := range dml.AllIndexes(post) {
		line := fmt.Sprint(ix.Name, " ", ix.On)
		if ix.Where != "" {
			line += " WHERE " + ix.Where
		}
		fmt.Println(line)
	}
	fmt.Println("order by body:", post.IsSortable("body"))
	// Output:
	// IDX_post_title_unique [title] WHERE deleted_at IS NULL
	// IDX_post_deleted_at [deleted_at] WHERE deleted_at IS NULL
	// IDX_post_id [id] WHERE deleted_at IS NULL
	// IDX_post_views_id [views id] WHERE deleted_at IS NULL
	// IDX_post_created_at_id [created_at id] WHERE deleted_at IS NULL
	// IDX_post_deleted_at_id [deleted_at id]
	// order by body: false
}
