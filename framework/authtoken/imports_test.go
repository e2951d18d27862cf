package authtoken_test

import (
	"go/build"
	"strings"
	"testing"
)

// authtoken is what code without HTTP (the Auth Module's domain) signs and
// verifies tokens with: it must not import the HTTP layer.
func TestImportsNoHTTP(t *testing.T) {
	for _, dir := range []string{".", "../../modules/auth"} {
		p, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range p.Imports {
			if imp == "net/http" || strings.Contains(imp, "/framework/httpx") || strings.HasSuffix(imp, "/framework/httpauth") {
				t.Errorf("package %s imports %s", p.Name, imp)
			}
		}
	}
}
