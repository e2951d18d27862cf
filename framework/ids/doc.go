// Package ids makes the identifiers medusa-go hands out: ULIDs
// (github.com/oklog/ulid/v2), 26 upper-case Crockford base32 characters
// that sort by creation time, and Medusa's entity ids, "<prefix>_" + a ULID
// (Medusa's generateEntityId).
//
// Every id of the framework comes from here: entity ids of generated
// modules, event message ids, event bus outbox rows, workflow transaction
// and event group ids. The random part comes from crypto/rand, so an id
// cannot be guessed from another one; within one millisecond the ids of a
// process increase, so rows created together sort in creation order.
package ids
