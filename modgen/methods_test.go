package modgen

import (
	"strings"
	"testing"

	"github.com/medusa-go/medusa/modgen/dml"
)

// Each service method is declared once: exported, or unexported when the
// model overrides it; and no empty cascade function or relation loader is
// generated.
func TestMethodsDeclaredOnce(t *testing.T) {
	plain := dml.NewModule("plain", dml.Define("note", dml.ID().Prefix("note").PrimaryKey(), dml.Text("body")))
	sawNoRels := false
	for _, mod := range []*dml.Module{sampleModule(), plain} {
		if err := mod.Validate(); err != nil {
			t.Fatal(err)
		}
		sawNoRels = checkMethodsDeclaredOnce(t, mod) || sawNoRels
	}
	if !sawNoRels {
		t.Fatal("no model without relations was checked")
	}
}

// checkMethodsDeclaredOnce checks mod's generated files and reports whether
// one of its models has no relations.
func checkMethodsDeclaredOnce(t *testing.T, mod *dml.Module) bool {
	t.Helper()
	files, err := GoFiles(mod, "example.com/app")
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{mod: mod}
	sawOverride, sawCascade, sawNoCascade, sawNoRels := false, false, false, false
	for _, m := range mod.Models {
		src := string(files[m.Name+"_gen.go"])
		for _, meth := range []dml.Method{dml.MethodRetrieve, dml.MethodList, dml.MethodListAndCount, dml.MethodCreate,
			dml.MethodUpdate, dml.MethodDelete, dml.MethodSoftDelete, dml.MethodRestore} {
			pub := "func (s *Service) " + g.pub(m, meth) + "("
			priv := "func (s *Service) " + g.priv(m, meth) + "("
			want, notWant := pub, priv
			if m.Overridden(meth) {
				want, notWant = priv, pub
				sawOverride = true
			}
			if strings.Count(src, want) != 1 {
				t.Errorf("%s: %q declared %d times, want once", m.Name, want, strings.Count(src, want))
			}
			if strings.Contains(src, notWant) {
				t.Errorf("%s: %q is declared", m.Name, notWant)
			}
		}
		load := "func (s *Service) load" + m.GoName() + "Relations("
		if len(relInfos(mod, m)) > 0 {
			if !strings.Contains(src, load) {
				t.Errorf("%s has relations but no %q", m.Name, load)
			}
		} else {
			sawNoRels = true
			if strings.Contains(src, load) || strings.Contains(string(files["linkable_gen.go"]), "s.load"+m.GoName()+"Relations(") {
				t.Errorf("%s has no relations but a loader of them", m.Name)
			}
		}
		for _, verb := range []string{"softDelete", "restore"} {
			decl := "func (s *Service) " + verb + m.GoName() + "Cascades("
			if len(cascadeLinks(mod, m)) > 0 {
				sawCascade = true
				if !strings.Contains(src, decl) {
					t.Errorf("%s cascades but has no %q", m.Name, decl)
				}
			} else {
				sawNoCascade = true
				if strings.Contains(src, decl) {
					t.Errorf("%s cascades to nothing but has %q", m.Name, decl)
				}
			}
		}
	}
	if mod.Name != "plain" && (!sawOverride || !sawCascade || !sawNoCascade) {
		t.Fatalf("sample module lacks a case: override %v, cascade %v, no cascade %v", sawOverride, sawCascade, sawNoCascade)
	}
	return sawNoRels
}
