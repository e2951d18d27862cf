// Command gen generates the User Module from its models: run it with
// "go generate ./modules/user" or "medusa-go generate".
package main

import (
	"github.com/medusa-go/medusa/modgen"
	"github.com/medusa-go/medusa/modules/user/models"
)

func main() { modgen.Main(models.Module) }
