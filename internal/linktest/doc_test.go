package linktest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocSnippets checks that every Go snippet of docs/links.md is code of
// this package's tests and examples (or of framework/query's examples),
// which the compiler checks: line by line, leading white space aside.
func TestDocSnippets(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "links.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*_test.go")
	files = append(files, filepath.Join("..", "..", "framework", "query", "example_test.go"))
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.WriteString(normalize(string(b)))
		src.WriteString("\n")
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d Go snippets in docs/links.md", len(blocks))
	}
	for _, b := range blocks {
		if !strings.Contains(src.String(), normalize(b[1])) {
			t.Errorf("this snippet of docs/links.md is not in the compiled examples:\n%s", b[1])
		}
	}
}

func normalize(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
