package pgcontainer_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
)

// A test package opts into the Docker fallback with a blank import in one of
// its _test.go files; pgtest then tries a container when it finds neither
// $TEST_DATABASE_URL nor local binaries:
//
//	import _ "github.com/medusa-go/medusa/framework/pgtest/pgcontainer"
//
// Start can also be called directly, for a server outside the harness.
func ExampleStart() {
	ctx := context.Background()
	url, stop, err := pgcontainer.Start(ctx)
	if errors.Is(err, pgcontainer.ErrNoEngine) {
		fmt.Println("no Docker engine here:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop(ctx)
	fmt.Println("superuser URL:", url)
}
