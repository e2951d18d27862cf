package rt

import "github.com/medusa-go/medusa/framework/ids"

// NewID returns "<prefix>_" + a new ULID (26 upper-case Crockford base32
// characters), Medusa's generateEntityId; with an empty prefix, the bare
// ULID. It is ids.New, kept here for generated code.
func NewID(prefix string) string { return ids.New(prefix) }
