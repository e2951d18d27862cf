package ids

import (
	"crypto/rand"

	"github.com/oklog/ulid/v2"
)

// entropy is crypto/rand, monotonic within a millisecond: the second id of
// a millisecond is the first plus a random increment.
var entropy = &ulid.LockedMonotonicReader{MonotonicReader: ulid.Monotonic(rand.Reader, 0)}

// ULID returns a new ULID as a string.
func ULID() string {
	id, err := ulid.New(ulid.Now(), entropy)
	if err != nil {
		// The millisecond's random part overflowed (after about 2^48 ids
		// at the earliest): take fresh entropy, unordered within the
		// millisecond.
		id = ulid.MustNew(ulid.Now(), rand.Reader)
	}
	return id.String()
}

// New returns "<prefix>_" + a new ULID, or the bare ULID when prefix is
// empty.
func New(prefix string) string {
	if prefix == "" {
		return ULID()
	}
	return prefix + "_" + ULID()
}
