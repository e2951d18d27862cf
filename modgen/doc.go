// Package modgen generates a medusa-go module from its data models (package
// dml): SQL migrations diffed against a committed schema snapshot, sqlc
// queries and the module's sqlc.yaml entry (then runs the pinned sqlc), a
// typed service written with jennifer (DTOs, create/update inputs, filters,
// the eight methods per model with Medusa's messages and module events,
// container registration), generated tests, optional admin routes with an
// OpenAPI fragment, and REFERENCE.md.
//
// A module's gen program calls Main:
//
//	func main() { modgen.Main(models.Module) }
//
// and is run by "go generate ./modules/<name>" or "medusa-go generate"
// ("--check" regenerates in memory and fails with a diff on drift). Output
// is deterministic and gofmt'd; user-owned files (service.go,
// queries/<name>/*.custom.sql) are created once and never overwritten.
//
// Lists and counts are not sqlc queries: the generated service builds their
// SQL from the typed filter at run time (package sqlb), with only the used
// predicates, and runs them as unnamed statements so that Postgres plans
// them with the actual values. docs/modgen.md has the design and EXPLAIN
// evidence.
package modgen
