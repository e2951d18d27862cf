package modgen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/medusa-go/medusa/modgen/dml"
)

var moduleNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Scaffold creates a new module under root: its models file, the gen
// program, the go:generate hook and a custom-query file. They are the
// user's: generation never overwrites them (and creates service.go on its
// first run). It refuses to touch an existing module. It returns the created
// paths, relative to root.
func Scaffold(root, name string) ([]string, error) {
	if !moduleNameRe.MatchString(name) {
		return nil, fmt.Errorf("modgen: module name %q must be snake_case (lower-case letters, digits, underscores), e.g. \"blog_post\"", name)
	}
	dir := filepath.Join(root, moduleDir(name))
	if _, err := os.Stat(dir); err == nil {
		return nil, fmt.Errorf("modgen: %s already exists; pick another name or edit its models", moduleDir(name))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("modgen: %w", err)
	}
	goModule, err := readModulePath(root)
	if err != nil {
		return nil, err
	}
	G := dml.Pascal(name)
	files := map[string]string{
		filepath.Join(moduleDir(name), "models", "doc.go"): fmt.Sprintf(`// Package models defines the %[1]s module's data models in modgen's DML.
// Run "go generate ./modules/%[1]s" (or "medusa-go generate") after changing
// them.
package models
`, name),
		filepath.Join(moduleDir(name), "models", "models.go"): fmt.Sprintf(`package models

import "github.com/medusa-go/medusa/modgen/dml"

// %[2]s is the module's first model (table %[1]q, ids "%[1]s_<ULID>").
// Sortable and Filterable list what its lists may be ordered and filtered
// by; each such field gets an index, so lists stay fast on big tables.
var %[2]s = dml.Define(%[1]q,
	dml.ID().Prefix(%[1]q).PrimaryKey(),
	dml.Text("name").Searchable(),
	dml.JSON("metadata").Nullable(),
).Sortable("name", "created_at", "updated_at").Filterable("name", "created_at", "updated_at")

// Module is the %[1]s module: container key %[1]q. Routes() gives it the
// generated admin routes (list, retrieve, update, soft delete under
// /admin/<models>, authenticated).
var Module = dml.NewModule(%[1]q, %[2]s).Routes()
`, name, G),
		filepath.Join(moduleDir(name), "module.go"): fmt.Sprintf(`package %[1]s

// Module is the %[1]s module as an application lists it (app.Config's
// Modules). Generated() is what medusa-go generates from models/: the
// migrations, the service's registration under Key, the admin routes and the
// OpenAPI document. This file is yours (generation never overwrites it): add
// the module's subscribers, scheduled jobs and workflows to the value, e.g.
//
//	var Module = func() module.Module {
//		m := Generated()
//		m.Subscribers = []eventbus.Subscriber{onPostCreated}
//		return m
//	}()
var Module = Generated()
`, name),
		filepath.Join(moduleDir(name), "models", "gen", "main.go"): fmt.Sprintf(`// Command gen generates the %[1]s module from its models: run it with
// "go generate ./modules/%[1]s" or "medusa-go generate".
package main

import (
	"github.com/medusa-go/medusa/modgen"
	"%[2]s/modules/%[1]s/models"
)

func main() { modgen.Main(models.Module) }
`, name, goModule),
		filepath.Join(moduleDir(name), "generate.go"): fmt.Sprintf(`package %[1]s

// Regenerate the module from models/: migrations, queries, sqlc output,
// *_gen.go and REFERENCE.md ("medusa-go generate" does it for every module).
//go:generate go run ./models/gen
`, name),
		filepath.Join(queriesDir(name), name+".custom.sql"): fmt.Sprintf(`-- Hand-written sqlc queries of the %[1]s module: this file is yours, generation
-- never overwrites it. sqlc compiles every *.custom.sql here into
-- modules/%[1]s/db; call them from service.go through s.Queries(ctx) or s.Tx.

-- name: Count%[2]sRows :one
SELECT count(*) FROM %[3]s WHERE "deleted_at" IS NULL;
`, name, G, qi(name)),
	}
	var created []string
	for _, rel := range sortedKeys(files) {
		p := filepath.Join(root, rel)
		if _, err := os.Stat(p); err == nil {
			return created, fmt.Errorf("modgen: %s already exists; not overwriting it", rel)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return created, fmt.Errorf("modgen: %w", err)
		}
		if err := os.WriteFile(p, gofmtIfGo(rel, []byte(files[rel])), 0o644); err != nil {
			return created, fmt.Errorf("modgen: %w", err)
		}
		created = append(created, rel)
	}
	return created, nil
}

func gofmtIfGo(name string, b []byte) []byte {
	if filepath.Ext(name) == ".go" {
		return gofmt(b)
	}
	return b
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}
