package user

import (
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/modgen/rt"
)

// New returns the User Module's service over database with its options
// (Medusa's module constructor). It fails with invalid_data "No jwt_secret
// was provided in the UserModule's options. Please add one." when
// o.JWTSecret is empty, and with a clear message for other bad options.
func New(database rt.DB, o Options, opts ...Option) (*Service, error) {
	return NewService(database, append([]Option{WithOptions(o)}, opts...)...)
}

// RegisterModule registers the User Module under Key ("user") in c, built on
// first use with options o (and the bus registered under "event_bus", when
// c has one). The options are checked at once: registration fails with
// Medusa's message when jwt_secret is missing.
//
//	err := user.RegisterModule(root, pool, user.Options{JWTSecret: os.Getenv("JWT_SECRET")})
//	users, err := container.Resolve(scope, user.Key)
func RegisterModule(c *container.Container, database rt.DB, o Options, opts ...Option) error {
	if _, _, err := o.prepare(); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	return Register(c, database, append([]Option{WithOptions(o)}, opts...)...)
}

// RegisterModuleFromMap is RegisterModule with options as a Medusa config
// declares them ({"jwt_secret": "...", "valid_duration": 3600, ...}, see
// OptionsFromMap).
func RegisterModuleFromMap(c *container.Container, database rt.DB, m map[string]any, opts ...Option) error {
	o, err := OptionsFromMap(m)
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	return RegisterModule(c, database, o, opts...)
}
