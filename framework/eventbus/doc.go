// Package eventbus is medusa-go's durable event bus (container key
// "event_bus"): an events.Bus on River and Postgres, for several instances
// sharing one database.
//
//   - Outbox: Emit writes in the transaction the context carries (see
//     framework/db), so an event exists if and only if its data committed.
//   - Grouped events (a workflow run's) wait in event_bus_held until
//     ReleaseGroup (the run succeeded) or ClearGroup (it failed).
//   - Fan-out: each (event, subscriber) is one delivery, so one subscriber's
//     failure retries only that subscriber.
//   - Direct delivery: on an instance that works jobs, the first attempt runs
//     on the emitting instance right after the commit, from an
//     event_bus_outbox row written in the emitting transaction; failures,
//     overflow, shutdown and the rows of a dead instance (lease expired)
//     become River jobs (direct.go, WithoutDirectDelivery).
//   - At least once, with retries and backoff; after MaxAttempts a delivery is
//     dead-lettered (River's "discarded" state, see DeadLetters, Redeliver).
//   - Each event has a stable ID; Once (with the event_bus_processed table)
//     makes a handler's database effects apply once per (subscriber, event).
//
// A handler gets the event and a fresh scope of the root container, from
// which it resolves services and runs workflows. The bus runs on a
// jobs.Engine, whose worker mode decides whether this instance delivers.
// docs/events.md has the guide; docs/perf/events.md the numbers.
package eventbus
