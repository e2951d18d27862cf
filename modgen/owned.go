package modgen

import (
	"fmt"
	"strings"

	"github.com/medusa-go/medusa/modgen/dml"
)

// OwnedServiceFile renders the user-owned service.go that generation creates
// once when it is missing and never overwrites: the extension struct the
// generated Service embeds, its setup hook, and pass-through stubs of the
// overridden methods.
func OwnedServiceFile(mod *dml.Module) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `package %[1]s

// This file is yours: medusa-go created it once and never overwrites it. Add
// hand-written service methods here (they see the generated ones: s.Tx for a
// transaction with sqlc's queries, s.Emit for module events, s.Queries for
// reads), and module options in extension.
%[2]s
// extension is the hand-written state of the Service (options, clients). Set
// it with your own Option values, e.g.
//
//	func WithSomething(v string) Option { return func(s *Service) { s.ext.something = v } }
type extension struct{}

// setup runs at the end of NewService, after the options; return an error to
// reject them.
func (extension) setup(*Service) error { return nil }
`, mod.Name, ownedImports(mod))
	for _, m := range mod.Models {
		for _, meth := range m.Overrides {
			g := &gen{mod: mod}
			pub, priv := g.pub(m, meth), g.priv(m, meth)
			G := m.GoName()
			var sig, call string
			switch meth {
			case dml.MethodCreate:
				sig, call = fmt.Sprintf("(ctx context.Context, in ...Create%sInput) ([]%s, error)", G, G), "ctx, in..."
			case dml.MethodUpdate:
				sig, call = fmt.Sprintf("(ctx context.Context, in ...Update%sInput) ([]%s, error)", G, G), "ctx, in..."
			case dml.MethodRetrieve:
				sig, call = fmt.Sprintf("(ctx context.Context, id string, cfg ...sqlb.FindConfig) (%s, error)", G), "ctx, id, cfg..."
			case dml.MethodList:
				sig, call = fmt.Sprintf("(ctx context.Context, f %sFilter, cfg ...sqlb.FindConfig) ([]%s, error)", G, G), "ctx, f, cfg..."
			case dml.MethodListAndCount:
				sig, call = fmt.Sprintf("(ctx context.Context, f %sFilter, cfg ...sqlb.FindConfig) ([]%s, int, error)", G, G), "ctx, f, cfg..."
			case dml.MethodDelete:
				sig, call = "(ctx context.Context, ids ...string) error", "ctx, ids..."
			default:
				sig, call = "(ctx context.Context, ids ...string) (map[string][]string, error)", "ctx, ids..."
			}
			fmt.Fprintf(&b, "\n// %s overrides the generated method (the model's Override list); it\n// starts as a pass-through to the generated %s.\nfunc (s *Service) %s%s {\n\treturn s.%s(%s)\n}\n", pub, priv, pub, sig, priv, call)
		}
	}
	return []byte(b.String())
}

func ownedImports(mod *dml.Module) string {
	ctx, rt := false, false
	for _, m := range mod.Models {
		for _, o := range m.Overrides {
			ctx = true
			rt = rt || o == dml.MethodRetrieve || o == dml.MethodList || o == dml.MethodListAndCount
		}
	}
	switch {
	case rt:
		return "\nimport (\n\t\"context\"\n\n\t\"github.com/medusa-go/medusa/framework/sqlb\"\n)\n"
	case ctx:
		return "\nimport \"context\"\n"
	}
	return ""
}
