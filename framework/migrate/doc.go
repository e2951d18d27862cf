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
//
// A section whose marker line says transaction:false runs outside any
// transaction, as Postgres requires for CREATE INDEX CONCURRENTLY; it must
// be a single statement (sent with the extended protocol, which refuses
// more):
//
//	-- migrate:up transaction:false
//	CREATE INDEX CONCURRENTLY IF NOT EXISTS user_email ON "user" (email);
//	-- migrate:down transaction:false
//	DROP INDEX CONCURRENTLY IF EXISTS user_email;
//
// The migrations before it in the batch are committed first and stay
// applied if it fails; write it to be re-runnable (IF NOT EXISTS), as a
// failed CREATE INDEX CONCURRENTLY can leave an invalid index behind.
package migrate
