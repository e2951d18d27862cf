package sqlb_test

import (
	"fmt"

	"github.com/medusa-go/medusa/framework/sqlb"
)

// A filter becomes SQL with only the predicates in use, values as bind
// parameters.
func ExampleFilter_Apply() {
	w := sqlb.NewWhere()
	_ = sqlb.In("user_1", "user_2").Apply(w, `"id"`, true)
	w.Add(`"deleted_at" IS NULL`)
	fmt.Println(w.SQL())
	fmt.Println(w.Args())
	// Output:
	// "id" = ANY($1) AND "deleted_at" IS NULL
	// [[user_1 user_2]]
}
