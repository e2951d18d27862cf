package rt

import "github.com/oklog/ulid/v2"

// NewID returns "<prefix>_" + a new ULID (26 upper-case Crockford base32
// characters), Medusa's generateEntityId; with an empty prefix, the bare
// ULID.
func NewID(prefix string) string {
	id := ulid.Make().String()
	if prefix == "" {
		return id
	}
	return prefix + "_" + id
}
