package ids_test

import (
	"fmt"
	"strings"

	"github.com/medusa-go/medusa/framework/ids"
)

func ExampleNew() {
	id := ids.New("invite")
	fmt.Println(strings.HasPrefix(id, "invite_"), len(id))
	// Output: true 33
}
