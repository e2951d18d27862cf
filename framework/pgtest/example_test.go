package pgtest_test

import (
	"context"
	"os"

	"github.com/medusa-go/medusa/framework/pgtest"
)

// A fallback is the harness's last way to get a server. This one (for a
// TestMain or an init function) uses a shared server named by another
// variable; package pgcontainer installs one that starts a Docker container.
func ExampleSetFallback() {
	pgtest.SetFallback(pgtest.Fallback{
		Name: "the CI's shared server ($CI_POSTGRES_URL)",
		Start: func(context.Context) (string, func(context.Context) error, error) {
			return os.Getenv("CI_POSTGRES_URL"), nil, nil
		},
	})
}
