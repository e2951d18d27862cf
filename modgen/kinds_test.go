package modgen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/medusa-go/medusa/modgen/dml"
)

// TestKindsCoverDML reads the Kind constants of modgen/dml and checks that
// the kinds table has a complete entry for each: a kind added to the DSL
// without one fails here, not in a generated module.
func TestKindsCoverDML(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "dml/field.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Kind" || len(v.Values) != 1 {
				continue
			}
			lit, ok := v.Values[0].(*ast.BasicLit)
			if !ok {
				continue
			}
			name, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			found++
			k, ok := kinds[dml.Kind(name)]
			switch {
			case !ok:
				t.Errorf("dml kind %q (%s) has no entry in kinds", name, v.Names[0].Name)
			case k.sql == "" || k.goType == "" || k.bodyRule == "" || k.bodyType == "" || k.schema == nil || k.sample == nil:
				t.Errorf("kinds[%q] is incomplete: %+v", name, k)
			case !k.selfNull && (k.conv == "" || k.qsType == "" || k.ops == ""):
				t.Errorf("kinds[%q] is filterable but has no filter conversion, type or operators", name)
			}
		}
	}
	if found != len(kinds) || found == 0 {
		t.Errorf("dml declares %d kinds, the table has %d", found, len(kinds))
	}
}

// TestSQLCOverridesFollowKinds checks the sqlc.yaml overrides written from the
// table: one pair per overridden column type, NULL as a pointer unless the
// Go type holds it.
func TestSQLCOverridesFollowKinds(t *testing.T) {
	got := sqlcOverrides()
	for _, want := range []string{
		"          - db_type: timestamptz\n            go_type: time.Time\n          - db_type: timestamptz\n            nullable: true\n            go_type:\n              type: time.Time\n              pointer: true\n",
		"          - db_type: jsonb\n            go_type: encoding/json.RawMessage\n          - db_type: jsonb\n            nullable: true\n            go_type: encoding/json.RawMessage\n",
		"          - db_type: pg_catalog.int4\n            go_type: int\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("overrides lack\n%s\ngot\n%s", want, got)
		}
	}
}
