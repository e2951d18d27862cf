// Package migrate applies, reverts and reports the SQL migrations of
// medusa-go modules.
//
// Each module embeds its migrations directory and hands it over as a Source.
// A migration is a file NNNN_<snake_name>.sql with two sections:
//
//	-- migrate:up
//	CREATE TABLE ...;
//	-- migrate:down
//	DROP TABLE ...;
//
// Up applies all pending migrations of all sources in one transaction, under
// a Postgres advisory lock, as one batch recorded in medusa_migrations;
// Rollback reverts the last batch of the named modules, like Medusa's
// db:rollback.
package migrate
