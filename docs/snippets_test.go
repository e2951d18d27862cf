// Package docs_test checks that the Go in the documentation is real code:
// every Go snippet of README.md, docs/ and the modules' READMEs must be
// taken from a Go file of the repository that the test suite compiles (an
// example, a test, the framework itself) or from the application skeleton
// that "new app" writes (compiled by cli/testdata/app/new_app.txtar).
package docs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var fence = regexp.MustCompile("(?s)```go\n(.*?)```")

// significant returns the lines of a snippet that must match: trimmed,
// without blank lines and comments (a snippet may elide with "// ...").
func significant(src string) []string {
	var out []string
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// containsInOrder reports whether want's lines appear in have's, in order.
func containsInOrder(have, want []string) bool {
	i := 0
	for _, l := range have {
		if i < len(want) && l == want[i] {
			i++
		}
	}
	return i == len(want)
}

func TestGoSnippetsAreCompiledCode(t *testing.T) {
	root := ".."
	var sources [][]string
	var sourceNames []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "testdata" && !strings.Contains(p, "appskel")) {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		isTmpl := strings.Contains(filepath.ToSlash(p), "modgen/appskel/") && strings.HasSuffix(p, ".go.tmpl")
		if !strings.HasSuffix(p, ".go") && !isTmpl {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := string(b)
		if isTmpl {
			s = strings.NewReplacer("{{.Module}}", "shop", "{{.Name}}", "shop").Replace(s)
		}
		sources = append(sources, significant(s))
		sourceNames = append(sourceNames, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{filepath.Join(root, "README.md")}
	for _, pat := range []string{"docs/*.md", "docs/*/*.md", "modules/*/README.md"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		docs = append(docs, m...)
	}
	checked := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllStringSubmatchIndex(string(b), -1) {
			snippet := string(b)[m[2]:m[3]]
			want := significant(snippet)
			if len(want) == 0 {
				continue
			}
			checked++
			found := false
			for _, src := range sources {
				if containsInOrder(src, want) {
					found = true
					break
				}
			}
			if !found {
				line := strings.Count(string(b)[:m[0]], "\n") + 1
				t.Errorf("%s:%d: Go snippet is not taken from compiled code (no Go file holds its lines in order); first line: %q", doc, line, want[0])
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Go snippet checked: the documentation was not found")
	}
	t.Logf("%d Go snippets checked against %d Go files", checked, len(sources))
}
