// Package events defines medusa-go's event bus contract: Message, Metadata,
// and the Bus interface registered in the container under "event_bus", with
// Medusa's grouped events (held until a workflow run succeeds, dropped when it
// reverts).
//
// Implementations live beside it: an in-process bus for development and
// tests, and a durable, Postgres-backed one (transactional outbox) for
// production.
package events
