// Command medusa-go runs the framework's command line for the application
// made of the built-in modules only: scaffold (new app, new module),
// generate, migrate, create users and invites, and serve. Run "medusa-go
// help" for the commands. An application of your own has a main of its own
// that hands its app.Config to cli.Main the same way.
package main

import (
	"github.com/medusa-go/medusa/app"
	"github.com/medusa-go/medusa/cli"
)

func main() { cli.Main(app.Config{Name: "medusa"}) }
