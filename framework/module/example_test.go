package module_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/medusa-go/medusa/framework/container"
	"github.com/medusa-go/medusa/framework/httpx"
	"github.com/medusa-go/medusa/framework/module"
)

// greeter is a small hand-written service.
type greeter struct{ greeting string }

var greeterKey = container.NewKey[*greeter]("greeter")

type greeterOptions struct {
	Greeting string `json:"greeting"`
}

// A hand-written module: options (typed, or a map as a configuration file
// gives them), a service registered under its key, and routes. /admin
// routes require a signed-in user unless they say module.Public().
var Greeter = module.Module{
	Name:    "greeter",
	Options: module.TypedOptions[greeterOptions](nil, nil),
	Register: func(ctx context.Context, h *module.Host) error {
		o, err := module.OptionsOf[greeterOptions](h)
		if err != nil {
			return err
		}
		if o.Greeting == "" {
			o.Greeting = "Hello"
		}
		return container.Register(h.Container, greeterKey, &greeter{greeting: o.Greeting})
	},
	Routes: func(r *module.Router) error {
		g, err := container.Resolve(r.Container(), greeterKey)
		if err != nil {
			return err
		}
		r.HandleFunc("GET /admin/greeting", func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"greeting": g.greeting})
		})
		r.HandleFunc("GET /greeting", func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteJSON(w, http.StatusOK, map[string]string{"greeting": g.greeting})
		}, module.Public())
		return nil
	},
}

func ExampleModule() {
	// An application lists the module with its options ...
	m := Greeter.With(map[string]any{"greeting": "Bonjour"})
	// ... and the framework decodes them, registers the module and mounts
	// its routes (app.New does all of this).
	opts, err := m.DecodeOptions()
	if err != nil {
		fmt.Println(err)
		return
	}
	c := container.New()
	if err := m.Register(context.Background(), module.NewHost(module.Host{Container: c}, m, opts, &module.Module{})); err != nil {
		fmt.Println(err)
		return
	}
	routes := module.NewRoutes(c, nil)
	if err := m.Routes(routes.For(m.Name, opts)); err != nil {
		fmt.Println(err)
		return
	}
	for _, ri := range routes.Info() {
		fmt.Println(ri.Pattern, ri.Auth)
	}
	_, err = Greeter.With(map[string]any{"greting": "Hi"}).DecodeOptions()
	fmt.Println(err)
	// Output:
	// GET /admin/greeting user
	// GET /greeting public
	// module greeter: unknown option "greting" (options: greeting)
}
