// Package modules holds the built-in modules as module values, the way an
// application lists them (Medusa's Modules.USER, Modules.AUTH): User and
// Auth. An application configures one by listing it again with options:
//
//	Modules: []module.Module{modules.User.With(user.Options{ValidDuration: 7 * 24 * time.Hour})}
package modules

import (
	"context"

	"github.com/medusa-go/medusa/framework/module"
	"github.com/medusa-go/medusa/modules/auth"
	authapi "github.com/medusa-go/medusa/modules/auth/api"
	"github.com/medusa-go/medusa/modules/user"
	userapi "github.com/medusa-go/medusa/modules/user/api"
	userflows "github.com/medusa-go/medusa/modules/user/flows"
)

// User is the User Module ("user"): users and invites, the Admin API routes
// /admin/users and /admin/invites, and the user workflows. Its options are a
// user.Options or Medusa's map ({"jwt_secret", "valid_duration",
// "jwt_public_key", "jwt_options"}); jwt_secret defaults to the
// application's JWT secret.
var User = userModule()

// Auth is the Auth Module ("auth"): email and password identities, tokens
// and the /auth routes. Its options are an AuthOptions or the same as a map
// ({"auth_methods_per_actor": {"user": ["emailpass"]}}).
var Auth = authModule()

func userModule() module.Module {
	m := user.Generated()
	m.Options = module.TypedOptions(user.OptionsFromMap, nil)
	m.Register = func(_ context.Context, h *module.Host) error {
		o, err := module.OptionsOf[user.Options](h)
		if err != nil {
			return err
		}
		if o.JWTSecret == "" {
			o.JWTSecret = h.Settings.JWTSecret
		}
		return user.RegisterModule(h.Container, h.Pool, o)
	}
	m.Routes = userapi.Routes
	m.Workflows = userflows.Workflows()
	return m
}

// AuthOptions are the Auth Module's options.
type AuthOptions struct {
	// AuthMethodsPerActor restricts the providers an actor type may use
	// (Medusa's http.authMethodsPerActor, e.g. {"user": ["emailpass"]}); an
	// actor type absent from the map may use any provider.
	AuthMethodsPerActor map[string][]string `json:"auth_methods_per_actor"`
}

func authModule() module.Module {
	m := auth.Generated()
	m.Options = module.TypedOptions[AuthOptions](nil, nil)
	m.Register = func(_ context.Context, h *module.Host) error {
		return auth.Register(h.Container, h.Pool, auth.WithJWTSecret(h.Settings.JWTSecret))
	}
	m.Routes = func(r *module.Router) error {
		o, _ := r.Options().(AuthOptions)
		return authapi.Routes(authapi.Config{AuthMethodsPerActor: o.AuthMethodsPerActor})(r)
	}
	return m
}
