// Package migrations holds the SQL migrations of HTTP authentication (the
// http_session table of cookie sessions), embedded for framework/migrate.
package migrations

import (
	"embed"

	"github.com/medusa-go/medusa/framework/migrate"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Source is the migration source of HTTP sessions, module "http".
var Source = migrate.Source{Module: "http", FS: FS}
