package user

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/sqlb"
)

// New returns the User Module's service over database with its options
// (Medusa's module constructor). It fails with invalid_data "No jwt_secret
// was provided in the UserModule's options. Please add one." when
// o.JWTSecret is empty, and with a clear message for other bad options.
func New(database sqlb.DB, o Options, opts ...Option) (*Service, error) {
	return NewService(database, append([]Option{WithOptions(o)}, opts...)...)
}

// RegisterModule registers the User Module under Key ("user") in c, built on
// first use with options o (and the bus registered under "event_bus", when
// c has one). The options are checked at once: registration fails with
// Medusa's message when jwt_secret is missing.
//
//	err := user.RegisterModule(root, pool, user.Options{JWTSecret: os.Getenv("JWT_SECRET")})
//	users, err := container.Resolve(scope, user.Key)
func RegisterModule(c *container.Container, database sqlb.DB, o Options, opts ...Option) error {
	if _, _, err := o.prepare(); err != nil {
		return fmt.Errorf("user: %w", err)
	}
	return Register(c, database, append([]Option{WithOptions(o)}, opts...)...)
}

// RegisterModuleFromMap is RegisterModule with options as a Medusa config
// declares them ({"jwt_secret": "...", "valid_duration": 3600, ...}, see
// OptionsFromMap).
func RegisterModuleFromMap(c *container.Container, database sqlb.DB, m map[string]any, opts ...Option) error {
	o, err := OptionsFromMap(m)
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	return RegisterModule(c, database, o, opts...)
}

// LinkableKey describes one linkable key of the module: how links and
// remote queries refer to a model's primary key.
type LinkableKey struct {
	Linkable    string `json:"linkable"`
	Entity      string `json:"entity"`
	PrimaryKey  string `json:"primaryKey"`
	ServiceName string `json:"serviceName"`
	Field       string `json:"field"`
}

// LinkableModel is one model's entry of the module's linkable keys.
type LinkableModel struct {
	Name string
	ID   LinkableKey
}

// Linkables are the module's linkable keys in order (Medusa's
// Module(...).linkable); they marshal as {"user": {"id": {…}}, …}.
type Linkables []LinkableModel

// MarshalJSON renders the keys as an object, in order.
func (l Linkables) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range l {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.Name)
		v, err := json.Marshal(map[string]LinkableKey{"id": m.ID})
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Linkable returns the module's linkable keys: "user", then "invite",
// from the generated entity descriptors (Entities) that module links and
// Query use.
func Linkable() Linkables {
	out := make(Linkables, len(Entities))
	for i, e := range Entities {
		out[i] = LinkableModel{Name: e.Name, ID: LinkableKey{Linkable: e.Linkable, Entity: e.Entity, PrimaryKey: e.PrimaryKey, ServiceName: e.Module, Field: e.Name}}
	}
	return out
}
