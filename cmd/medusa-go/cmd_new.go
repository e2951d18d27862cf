package main

import (
	"context"
	"fmt"

	"github.com/medusa-go/medusa/modgen"
)

func init() {
	register(&command{
		name:    "new module",
		summary: "scaffold a module: models, gen program, go:generate hook, custom queries",
		usage:   "<name>",
		run:     runNewModule,
	})
}

func runNewModule(_ context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return usageError{"want exactly one module name"}
	}
	root, err := modgen.FindRoot(".")
	if err != nil {
		return err
	}
	created, err := modgen.Scaffold(root, args[0])
	for _, p := range created {
		fmt.Fprintf(env.stdout, "created %s\n", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "next: edit modules/%[1]s/models/models.go, then run \"medusa-go generate %[1]s\"\n", args[0])
	return nil
}
