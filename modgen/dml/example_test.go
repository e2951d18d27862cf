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
