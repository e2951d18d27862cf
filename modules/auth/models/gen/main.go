// Command gen generates the Auth Module from its models: run it with
// "go generate ./modules/auth" or "medusa-go generate".
package main

import (
	"github.com/medusa-go/medusa/modgen"
	"github.com/medusa-go/medusa/modules/auth/models"
)

func main() { modgen.Main(models.Module) }
