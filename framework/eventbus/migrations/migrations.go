// Package migrations holds the event bus's tables: event_bus_held (grouped
// events waiting for their workflow run), event_bus_processed (the
// deduplication records of eventbus.Once) and event_bus_outbox (deliveries
// the emitting instance makes itself). River's own tables come from
// framework/jobs/migrations, which must be applied first.
package migrations

import (
	"embed"

	"github.com/medusa-go/medusa/framework/migrate"
)

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

// Source is the event bus's migrations, for migrate.New and pgtest.
var Source = migrate.Source{Module: "eventbus", FS: FS}
