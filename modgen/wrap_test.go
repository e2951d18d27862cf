package modgen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dave/jennifer/jen"
)

func TestFormatGoWrapsLongSignatures(t *testing.T) {
	src := "package p\n\n" +
		"func short(a int) int { return a }\n\n" +
		"func (s *S) aVeryLongMethodNameForTesting(firstArgument string, secondArgument []string, third map[string][]string, x, y int) error {\n\treturn nil\n}\n\n" +
		"type S struct{}\n"
	got, err := formatGo([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := "func (s *S) aVeryLongMethodNameForTesting(\n\tfirstArgument string,\n\tsecondArgument []string,\n\tthird map[string][]string,\n\tx, y int,\n) error {\n"
	if !strings.Contains(string(got), want) {
		t.Fatalf("long signature not wrapped:\n%s", got)
	}
	if !strings.Contains(string(got), "func short(a int) int { return a }") {
		t.Fatalf("short signature changed:\n%s", got)
	}
	again, err := formatGo(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(got) {
		t.Fatalf("not stable:\n%s", again)
	}
}

func TestWrappedCall(t *testing.T) {
	short := jen.Id("f").Add(wrappedCall(jen.Id("a"), jen.Id("b")))
	if got := fmt.Sprintf("%#v", short); got != "f(a, b)" {
		t.Fatalf("short call = %q", got)
	}
	var args []jen.Code
	for i := range 20 {
		args = append(args, jen.Op("&").Id("x").Dot(fmt.Sprintf("Field%02d", i)))
	}
	long := fmt.Sprintf("%#v", jen.Id("rows").Dot("Scan").Add(wrappedCall(args...)))
	lines := strings.Split(long, "\n")
	if len(lines) < 4 || lines[0] != "rows.Scan(" || lines[len(lines)-1] != ")" {
		t.Fatalf("long call not wrapped:\n%s", long)
	}
	for _, l := range lines {
		if len(strings.TrimSpace(l)) > argsWidth {
			t.Errorf("line longer than %d: %q", argsWidth, l)
		}
	}
	for i := range 20 {
		if !strings.Contains(long, fmt.Sprintf("&x.Field%02d,", i)) {
			t.Errorf("argument %d lost:\n%s", i, long)
		}
	}
	if got := fmt.Sprintf("%#v", jen.Index().String().Add(wrappedValues())); got != "[]string{}" {
		t.Fatalf("empty values = %q", got)
	}
}

func TestSQLConstValue(t *testing.T) {
	if got := fmt.Sprintf("%#v", jen.Const().Id("q").Op("=").Add(sqlConstValue("SELECT \"a\"\nFROM t"))); got != "const q = `SELECT \"a\"\nFROM t`" {
		t.Fatalf("raw = %q", got)
	}
	if got := fmt.Sprintf("%#v", jen.Const().Id("q").Op("=").Add(sqlConstValue("SELECT '`'"))); got != "const q = \"SELECT '`'\"" {
		t.Fatalf("quoted = %q", got)
	}
}
