package modgen

import "embed"

// templates holds the text templates of the generated Go files that are
// not service code: the generated tests (service_gen_test.go.tmpl) and the
// admin routes (routes_gen.go.tmpl). Service code is written with jennifer.
//
//go:embed templates/*.tmpl
var templates embed.FS
