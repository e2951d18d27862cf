// Command gen generates the blog test module from its models: run it with
// "go generate ./internal/testmodules/blog".
package main

import (
	"github.com/medusa-go/medusa/internal/testmodules/blog/models"
	"github.com/medusa-go/medusa/modgen"
)

func main() { modgen.Main(models.Module) }
