package modgen

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
)

//go:embed appskel
var appSkel embed.FS

// AppOptions configure ScaffoldApp.
type AppOptions struct {
	// Module is the new application's Go module path (default: the
	// directory's base name).
	Module string
	// Name is the application's name, a module name (default: the
	// directory's base name with every other character turned into '_').
	Name string
	// Medusa is the medusa-go requirement: a local checkout's directory
	// (required with a replace directive) or a version ("v0.3.0").
	Medusa string
	// GoVersion is the go line of go.mod ("1.26.0").
	GoVersion string
}

// IsVersion reports whether s names a module version ("v0.3.0") rather than
// a directory.
func IsVersion(s string) bool { return strings.HasPrefix(s, "v") && !strings.ContainsAny(s, `/\`) }

// MedusaModule is medusa-go's Go module path.
const MedusaModule = "github.com/medusa-go/medusa"

var appNameRe = regexp.MustCompile(`[^a-zA-Z0-9_]+`)

// ScaffoldApp creates a new application in dir, which must not exist or be
// empty: go.mod requiring medusa-go, main.go, medusa.go (the application's
// Config), modules_gen.go (its module list, kept by generate), one working
// example each of a custom route running a workflow, a subscriber and a
// scheduled job, a test, an empty modules/ folder and a README. It does not
// run go mod tidy. It returns the created paths, relative to dir.
func ScaffoldApp(dir string, o AppOptions) ([]string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("modgen: %w", err)
	}
	if entries, err := os.ReadDir(abs); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("modgen: %s exists and is not empty; choose a new directory", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("modgen: %w", err)
	}
	base := filepath.Base(abs)
	if o.Module == "" {
		o.Module = base
	}
	if o.Name == "" {
		o.Name = strings.Trim(appNameRe.ReplaceAllString(base, "_"), "_")
		if o.Name == "" || (o.Name[0] >= '0' && o.Name[0] <= '9') {
			o.Name = "app_" + o.Name
		}
	}
	if o.Medusa == "" {
		return nil, errors.New("modgen: ScaffoldApp needs the medusa-go checkout or version (AppOptions.Medusa)")
	}
	if o.GoVersion == "" {
		o.GoVersion = "1.26.0"
	}
	files := map[string][]byte{"go.mod": appGoMod(o)}
	err = fs.WalkDir(appSkel, "appskel", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := appSkel.ReadFile(p)
		if err != nil {
			return err
		}
		t, err := template.New(p).Parse(string(raw))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, o); err != nil {
			return err
		}
		rel := strings.TrimSuffix(strings.TrimPrefix(p, "appskel/"), ".tmpl")
		if rel == "gitignore" {
			rel = ".gitignore"
		}
		files[filepath.FromSlash(rel)] = gofmtIfGo(rel, b.Bytes())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("modgen: app skeleton: %w", err)
	}
	list, err := ModuleList(abs, o.Module)
	if err != nil {
		return nil, err
	}
	files[ModuleListFile] = list
	var created []string
	for _, rel := range sortedByteKeys(files) {
		p := filepath.Join(abs, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return created, fmt.Errorf("modgen: %w", err)
		}
		if err := os.WriteFile(p, files[rel], 0o644); err != nil {
			return created, fmt.Errorf("modgen: %w", err)
		}
		created = append(created, rel)
	}
	return created, nil
}

func appGoMod(o AppOptions) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\n", o.Module, o.GoVersion)
	if IsVersion(o.Medusa) {
		fmt.Fprintf(&b, "require %s %s\n", MedusaModule, o.Medusa)
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "require %s v0.0.0-00010101000000-000000000000\n\nreplace %s => %s\n", MedusaModule, MedusaModule, o.Medusa)
	return []byte(b.String())
}

func sortedByteKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ModuleListFile is the application's generated module list, in its main
// package.
const ModuleListFile = "modules_gen.go"

// ModuleList renders an application's module list (ModuleListFile): every
// module under root/modules that has been generated (module_gen.go) and has
// its Module value (module.go), in name order. goModule is the
// application's Go module path.
func ModuleList(root, goModule string) ([]byte, error) {
	matches, err := filepath.Glob(filepath.Join(root, "modules", "*", "module_gen.go"))
	if err != nil {
		return nil, fmt.Errorf("modgen: %w", err)
	}
	var names []string
	for _, m := range matches {
		dir := filepath.Dir(m)
		if _, err := os.Stat(filepath.Join(dir, "module.go")); err == nil {
			names = append(names, filepath.Base(dir))
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(Header + "\n\npackage main\n\n")
	b.WriteString("import (\n\t\"github.com/medusa-go/medusa/framework/module\"\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q\n", goModule+"/modules/"+n)
	}
	b.WriteString(")\n\n")
	b.WriteString("// appModules are the application's modules under modules/, in name order. \"medusa-go\n// generate\" and \"new module\" keep this list: a module appears once it is generated.\nfunc appModules() []module.Module {\n")
	if len(names) == 0 {
		b.WriteString("\treturn nil\n}\n")
	} else {
		b.WriteString("\treturn []module.Module{\n")
		for _, n := range names {
			fmt.Fprintf(&b, "\t\t%s.Module,\n", n)
		}
		b.WriteString("\t}\n}\n")
	}
	return gofmt([]byte(b.String())), nil
}

// UpdateModuleList rewrites root's module list when root is an application
// (it has ModuleListFile). In check mode it reports drift instead. It
// returns whether the file changed (or would change).
func UpdateModuleList(root string, check bool) (bool, error) {
	p := filepath.Join(root, ModuleListFile)
	disk, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("modgen: %w", err)
	}
	goModule, err := readModulePath(root)
	if err != nil {
		return false, err
	}
	want, err := ModuleList(root, goModule)
	if err != nil {
		return false, err
	}
	if bytes.Equal(disk, want) {
		return false, nil
	}
	if check {
		return true, &DriftError{Module: "(application)", Diff: fmt.Sprintf("--- %s (disk)\n+++ %s (generated)\n%s", ModuleListFile, ModuleListFile, lineDiff(string(disk), string(want)))}
	}
	return true, os.WriteFile(p, want, 0o644)
}
