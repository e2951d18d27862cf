// Package migrations holds the SQL migrations of framework/jobs: River's own
// schema (river_job, river_leader, river_queue, ...) for the pinned River
// version, embedded as plain SQL so that `medusa-go db migrate` creates it with
// every other module's tables, in the same transaction and under the same
// migration table (see docs/events.md, "River's schema").
//
// 0001_river_schema.sql is generated from rivermigrate's embedded migrations
// (line "main", versions 1 to 8 of River v0.51.2); its test fails when the
// River module in go.mod ships different SQL. Regenerate with
//
//	go test ./framework/jobs/migrations -run TestRiverSchemaIsCurrent -update
//
// and add a new NNNN file for the versions River added instead of editing an
// applied one, when a database already ran the old file.
//
// 0002_drop_river_gin_indexes.sql is ours: it drops River's GIN indexes on
// river_job.args and river_job.metadata, which only JobList filters use and
// which every job fetch and completion rewrote (docs/events.md).
package migrations

import (
	"embed"

	"github.com/medusa-go/medusa/framework/migrate"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Source is the jobs module's migrations, for migrate.New and pgtest.
var Source = migrate.Source{Module: "jobs", FS: FS}
