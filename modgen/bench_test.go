package modgen_test

import (
	"context"
	"testing"

	"github.com/medusa-go/medusa/modgen"
	"github.com/medusa-go/medusa/modules/user/models"
)

// BenchmarkGenerateUserModule regenerates the User Module in check mode
// (everything in memory, sqlc run in a staging directory) against the
// committed files: the warm cost of "go generate ./modules/user" minus
// compiling the gen program.
func BenchmarkGenerateUserModule(b *testing.B) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := modgen.Generate(context.Background(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUserModuleUpToDate is the drift check of the committed User Module:
// it fails with a diff when the models and the generated files disagree.
func TestUserModuleUpToDate(t *testing.T) {
	root, err := modgen.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modgen.Generate(context.Background(), models.Module, modgen.Options{Root: root, Check: true}); err != nil {
		t.Fatal(err)
	}
}
