package modgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/medusa-go/medusa/modgen/dml"
)

// Options configure Generate.
type Options struct {
	// Root is the repository root (the directory holding go.mod).
	Root string
	// Check regenerates in memory and reports drift instead of writing.
	Check bool
	// AllowDestructive lets a migration drop tables or columns or change
	// column types.
	AllowDestructive bool
	// MigrationName names a new migration (snake_case); default: derived
	// from the changes ("initial" for the first).
	MigrationName string
	// SQLC is the sqlc command; default DefaultSQLC() (go run of the
	// pinned SQLCVersion, served offline by the module cache once fetched).
	SQLC []string
}

// File is one generated file, with a path relative to the root.
type File struct {
	Path string
	Data []byte
}

// Result is what Generate produced.
type Result struct {
	Files []File
	// Stale lists generated files on disk that are no longer produced
	// (removed in write mode).
	Stale []string
	// Migration is the path of the new migration, if the models changed.
	Migration string
	// Changed lists files whose content differs from the disk (written in
	// write mode; drift in check mode), plus new files.
	Changed []string
	// Warnings are the lists no index serves (IndexWarnings); they do not
	// stop the generation.
	Warnings []Warning
}

// DriftError is returned in check mode when generated files are stale.
type DriftError struct {
	Module string
	Diff   string
}

func (e *DriftError) Error() string {
	return fmt.Sprintf("module %q: generated files are stale; run \"medusa-go generate\" (or go generate ./modules/%s) and commit the result:\n%s", e.Module, e.Module, e.Diff)
}

// Paths of a module's outputs, relative to the root, for a module in the
// default folder (modules/<m>, queries in queries/<m>).
func moduleDir(m string) string  { return filepath.Join("modules", m) }
func queriesDir(m string) string { return filepath.Join("queries", m) }

// layout is where a module's outputs go, relative to the root: its folder
// (modules/<m>, or the module's Folder) and its queries (queries/<m>, or
// <Folder>/queries).
type layout struct{ dir, queries string }

func layoutOf(mod *dml.Module) layout {
	if mod.Folder != "" {
		d := filepath.FromSlash(mod.Folder)
		return layout{dir: d, queries: filepath.Join(d, "queries")}
	}
	return layout{dir: moduleDir(mod.Name), queries: queriesDir(mod.Name)}
}

func (l layout) migrations() string { return filepath.Join(l.dir, "migrations") }
func (l layout) sqlcOut() string    { return filepath.Join(l.dir, "db") }

// goPath is the layout's folder as a Go import path suffix.
func (l layout) goPath() string { return filepath.ToSlash(l.dir) }

func (l layout) sqlcBlock(module string) string {
	return sqlcBlock(module, filepath.ToSlash(l.dir), filepath.ToSlash(l.queries))
}

// SnapshotFile is the schema snapshot's file name in the migrations folder.
const SnapshotFile = "schema.snapshot.json"

var migFileRe = regexp.MustCompile(`^(\d+)_([a-z0-9_]+)\.sql$`)

// Generate validates mod and produces all its generated files: a new
// migration when the models differ from the snapshot, the snapshot, the
// migrations embed file, sqlc queries, the sqlc.yaml entry, sqlc's output,
// the service, routes (when opted in) and REFERENCE.md. In write mode it
// writes them and removes stale generated files; in check mode it returns a
// *DriftError when anything differs from the disk.
func Generate(ctx context.Context, mod *dml.Module, opt Options) (*Result, error) {
	if opt.Root == "" {
		return nil, errors.New("modgen: Options.Root is empty")
	}
	if err := mod.Validate(); err != nil {
		return nil, err
	}
	cur, err := BuildSchema(mod)
	if err != nil {
		return nil, err
	}
	res := &Result{Warnings: IndexWarnings(mod)}
	out := map[string][]byte{}
	name := mod.Name
	lay := layoutOf(mod)

	// migrations
	migDir := lay.migrations()
	var old *Schema
	if b, err := os.ReadFile(filepath.Join(opt.Root, migDir, SnapshotFile)); err == nil {
		if old, err = UnmarshalSnapshot(b); err != nil {
			return nil, fmt.Errorf("modgen: %s: %w", filepath.Join(migDir, SnapshotFile), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("modgen: read snapshot: %w", err)
	}
	existing, maxVer, err := listMigrations(filepath.Join(opt.Root, migDir))
	if err != nil {
		return nil, err
	}
	if old == nil && len(existing) > 0 {
		return nil, fmt.Errorf("modgen: %s has migrations but no %s; restore the snapshot from version control", migDir, SnapshotFile)
	}
	changes, err := Diff(old, cur, opt.AllowDestructive)
	if err != nil {
		return nil, fmt.Errorf("modgen: module %q: %w", name, err)
	}
	if len(changes) > 0 {
		body, auto := RenderMigration(changes)
		mname := opt.MigrationName
		if mname == "" {
			mname = auto
			if old == nil {
				mname = "initial"
			}
		}
		file := fmt.Sprintf("%04d_%s.sql", maxVer+1, mname)
		if !migFileRe.MatchString(file) {
			return nil, fmt.Errorf("modgen: migration name %q must be snake_case", mname)
		}
		res.Migration = filepath.Join(migDir, file)
		out[res.Migration] = body
		existing = append(existing, file)
	}
	out[filepath.Join(migDir, SnapshotFile)] = MarshalSnapshot(cur)
	out[filepath.Join(migDir, "migrations_gen.go")] = migrationsGo(name)

	// queries and sqlc
	for _, m := range mod.Models {
		out[filepath.Join(lay.queries, m.Name+".sql")] = QueriesSQL(mod, m)
	}
	cfg, _ := os.ReadFile(filepath.Join(opt.Root, "sqlc.yaml"))
	out["sqlc.yaml"] = mergeSQLCBlock(cfg, name, lay.sqlcBlock(name))
	sqlcFiles, err := runSQLC(ctx, opt, mod, out, existing)
	if err != nil {
		return nil, err
	}
	for p, b := range sqlcFiles {
		out[p] = b
	}

	// Go code and reference
	goModule, err := readModulePath(opt.Root)
	if err != nil {
		return nil, err
	}
	goFiles, err := GoFiles(mod, goModule)
	if err != nil {
		return nil, err
	}
	for p, b := range goFiles {
		out[filepath.Join(lay.dir, p)] = b
	}
	out[filepath.Join(lay.dir, "REFERENCE.md")] = Reference(mod, cur)
	owned := filepath.Join(lay.dir, "service.go")
	if _, err := os.Stat(filepath.Join(opt.Root, owned)); errors.Is(err, fs.ErrNotExist) {
		out[owned] = gofmt(OwnedServiceFile(mod))
	}

	// compare with disk
	paths := make([]string, 0, len(out))
	for p := range out {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var diff strings.Builder
	for _, p := range paths {
		res.Files = append(res.Files, File{Path: p, Data: out[p]})
		disk, err := os.ReadFile(filepath.Join(opt.Root, p))
		if err == nil && bytes.Equal(disk, out[p]) {
			continue
		}
		res.Changed = append(res.Changed, p)
		if err != nil {
			fmt.Fprintf(&diff, "new file %s\n", p)
		} else {
			fmt.Fprintf(&diff, "--- %s (disk)\n+++ %s (generated)\n%s", p, p, lineDiff(string(disk), string(out[p])))
		}
	}
	stale, err := staleFiles(opt.Root, lay, out)
	if err != nil {
		return nil, err
	}
	res.Stale = stale
	for _, p := range stale {
		fmt.Fprintf(&diff, "stale file %s (no longer generated)\n", p)
	}
	if opt.Check {
		if diff.Len() > 0 {
			return res, &DriftError{Module: name, Diff: diff.String()}
		}
		return res, nil
	}
	for _, p := range res.Changed {
		full := filepath.Join(opt.Root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, fmt.Errorf("modgen: %w", err)
		}
		if err := os.WriteFile(full, out[p], 0o644); err != nil {
			return nil, fmt.Errorf("modgen: %w", err)
		}
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(opt.Root, p)); err != nil {
			return nil, fmt.Errorf("modgen: remove stale %s: %w", p, err)
		}
	}
	return res, nil
}

func readModulePath(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("modgen: %w", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("modgen: no module line in %s", filepath.Join(root, "go.mod"))
}

func listMigrations(dir string) (files []string, maxVer int, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("modgen: %w", err)
	}
	for _, e := range entries {
		m := migFileRe.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, _ := strconv.Atoi(m[1])
		maxVer = max(maxVer, v)
		files = append(files, e.Name())
	}
	return files, maxVer, nil
}

// staleFiles lists files in generated locations that out does not hold:
// *_gen.go, *_gen_test.go and *_gen.json in the module folder, everything in db/, and
// generated (non-.custom) .sql files in queries/<module>. Migrations are
// never stale.
func staleFiles(root string, lay layout, out map[string][]byte) ([]string, error) {
	var stale []string
	check := func(dir string, match func(string) bool) error {
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("modgen: %w", err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if e.IsDir() || !match(e.Name()) {
				continue
			}
			if _, ok := out[p]; !ok {
				stale = append(stale, p)
			}
		}
		return nil
	}
	if err := check(lay.dir, func(n string) bool {
		return strings.HasSuffix(n, "_gen.go") || strings.HasSuffix(n, "_gen_test.go") || strings.HasSuffix(n, "_gen.json")
	}); err != nil {
		return nil, err
	}
	if err := check(lay.sqlcOut(), func(n string) bool { return strings.HasSuffix(n, ".go") }); err != nil {
		return nil, err
	}
	if err := check(lay.queries, func(n string) bool {
		return strings.HasSuffix(n, ".sql") && !strings.HasSuffix(n, ".custom.sql")
	}); err != nil {
		return nil, err
	}
	sort.Strings(stale)
	return stale, nil
}

func migrationsGo(module string) []byte {
	return []byte(fmt.Sprintf(`%s

// Package migrations holds the %[2]s module's SQL migrations and schema
// snapshot, generated by medusa-go from modules/%[2]s/models.
package migrations

import (
	"embed"

	"github.com/medusa-go/medusa/framework/migrate"
)

// FS holds the migration files (NNNN_<name>.sql).
//
//go:embed *.sql
var FS embed.FS

// Source is the module's migration source for framework/migrate.
var Source = migrate.Source{Module: %[2]q, FS: FS}
`, Header, module))
}

// runSQLC stages the module's migrations, queries and sqlc config in a
// temporary directory, runs sqlc there and returns its Go files keyed by
// their path under the root.
func runSQLC(ctx context.Context, opt Options, mod *dml.Module, out map[string][]byte, migrations []string) (map[string][]byte, error) {
	stage, err := os.MkdirTemp("", "modgen-sqlc-")
	if err != nil {
		return nil, fmt.Errorf("modgen: %w", err)
	}
	defer os.RemoveAll(stage)
	name := mod.Name
	lay := layoutOf(mod)
	write := func(rel string, b []byte) error {
		p := filepath.Join(stage, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, b, 0o644)
	}
	for _, f := range migrations {
		rel := filepath.Join(lay.migrations(), f)
		b, ok := out[rel]
		if !ok {
			if b, err = os.ReadFile(filepath.Join(opt.Root, rel)); err != nil {
				return nil, fmt.Errorf("modgen: %w", err)
			}
		}
		if err := write(rel, b); err != nil {
			return nil, fmt.Errorf("modgen: stage: %w", err)
		}
	}
	for p, b := range out {
		if strings.HasPrefix(p, lay.queries+string(filepath.Separator)) {
			if err := write(p, b); err != nil {
				return nil, fmt.Errorf("modgen: stage: %w", err)
			}
		}
	}
	custom, _ := filepath.Glob(filepath.Join(opt.Root, lay.queries, "*.custom.sql"))
	for _, c := range custom {
		b, err := os.ReadFile(c)
		if err != nil {
			return nil, fmt.Errorf("modgen: %w", err)
		}
		if err := write(filepath.Join(lay.queries, filepath.Base(c)), b); err != nil {
			return nil, fmt.Errorf("modgen: stage: %w", err)
		}
	}
	if err := write("sqlc.yaml", []byte(sqlcHeader+lay.sqlcBlock(name))); err != nil {
		return nil, fmt.Errorf("modgen: stage: %w", err)
	}
	cmd := sqlcCommand(ctx, opt.Root, opt.SQLC, "generate", "-f", filepath.Join(stage, "sqlc.yaml"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("modgen: %s: %w\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	files := map[string][]byte{}
	dir := filepath.Join(stage, lay.sqlcOut())
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("modgen: sqlc produced no output: %w", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("modgen: %w", err)
		}
		files[filepath.Join(lay.sqlcOut(), e.Name())] = b
	}
	return files, nil
}

// lineDiff shows the changed middle of two texts (common leading and
// trailing lines trimmed), at most 60 lines.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	j := 0
	for j < len(al)-i && j < len(bl)-i && al[len(al)-1-j] == bl[len(bl)-1-j] {
		j++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "@@ line %d @@\n", i+1)
	n := 0
	for _, l := range al[i : len(al)-j] {
		if n++; n > 30 {
			sb.WriteString("-...\n")
			break
		}
		sb.WriteString("-" + l + "\n")
	}
	n = 0
	for _, l := range bl[i : len(bl)-j] {
		if n++; n > 30 {
			sb.WriteString("+...\n")
			break
		}
		sb.WriteString("+" + l + "\n")
	}
	return sb.String()
}
