// Package migrations holds the SQL migrations of the workflow engine's
// Postgres store: the workflow_run and workflow_step tables.
package migrations

import (
	"embed"

	"github.com/medusa-go/medusa/framework/migrate"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Source returns the migrations as a migrate source for module "workflows".
func Source() migrate.Source { return migrate.Source{Module: "workflows", FS: FS} }
