// Package events defines medusa-go's event bus contract: Message, Metadata,
// and the Bus interface registered in the container under "event_bus", with
// Medusa's grouped events (held until a workflow run succeeds, dropped when it
// reverts).
//
// Local is the in-process implementation, for development and tests:
// handlers subscribe by event name (or Wildcard), ungrouped messages are
// delivered synchronously by Emit, grouped ones are held in memory per group
// id until ReleaseGroup publishes them or ClearGroup drops them. A durable,
// Postgres-backed bus (transactional outbox) serves production.
//
// Collector gathers the module events of one service call (WithCollector,
// CollectorFrom; Event builds a message in Medusa's shape) and Publish sends
// them: in the caller's transaction on a bus that is a TxEmitter, else after
// commit. Generated services use them.
package events
