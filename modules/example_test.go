package modules_test

import (
	"fmt"
	"time"

	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/modules"
	"github.com/medusa-go/medusa/modules/user"
)

// The built-in modules are in every application; listing one again
// configures it. Options are the module's Go type, or the map a
// configuration file would hold; a bad one is refused with the module's and
// the option's names before anything starts.
func Example() {
	cfg := app.Config{
		Name: "shop",
		Modules: []module.Module{
			// Users may sign in with email and password only.
			modules.Auth.With(modules.AuthOptions{AuthMethodsPerActor: map[string][]string{"user": {"emailpass"}}}),
			modules.User.With(user.Options{ValidDuration: 7 * 24 * time.Hour}),
		},
	}
	for _, m := range cfg.Modules {
		_, err := m.DecodeOptions()
		fmt.Println(m.Name, err)
	}
	_, err := modules.Auth.With(map[string]any{"auth_methods_per_actor": "emailpass"}).DecodeOptions()
	fmt.Println(err)
	// Output:
	// auth <nil>
	// user <nil>
	// module auth: option "auth_methods_per_actor": expected an object, got string
}
