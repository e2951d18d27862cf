package body_test

import (
	"fmt"

	"github.com/medusa-go/medusa/framework/httpx/body"
)

// A route declares its body as rules over a struct; Opt tells absent, null
// and value apart.
func ExampleMustBody() {
	type UpdateUser struct {
		FirstName body.Opt[string]         `json:"first_name"`
		LastName  body.Opt[string]         `json:"last_name"`
		Metadata  body.Opt[map[string]any] `json:"metadata"`
	}
	updateUser := body.MustBody[UpdateUser](
		body.String("first_name").Nullish(),
		body.String("last_name").Nullish(),
		body.Object("metadata").Nullish(),
	)

	in, err := updateUser.DecodeBytes([]byte(`{"first_name":"Jane","last_name":null}`))
	fmt.Println(err)
	fmt.Println(in.FirstName.Get())
	fmt.Println(in.LastName.Set, in.LastName.Null)
	fmt.Println(in.Metadata.Set)

	_, err = updateUser.DecodeBytes([]byte(`{"first_name":1,"email":"x"}`))
	fmt.Println(err)
	// Output:
	// <nil>
	// Jane true
	// true true
	// false
	// Invalid request: Expected type: 'string' for field 'first_name', got: 'number'; Unrecognized fields: 'email'
}
