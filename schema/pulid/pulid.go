// Package pulid makes the platform's identifiers: a short type prefix, an underscore and a
// ULID ("acc_01JD…"). They sort by creation time, say what they name, never collide across
// tenants or systems, and give nobody a row count.
package pulid

import (
	"strings"

	"github.com/oklog/ulid/v2"
)

// MaxLen bounds every identifier column: a prefix of up to 8 characters, "_" and 26 for the ULID.
const MaxLen = 36

// New returns a fresh identifier with the given type prefix.
func New(prefix string) string {
	// ulid.Make is monotonic within a millisecond and safe for concurrent use.
	return prefix + "_" + ulid.Make().String()
}

// Prefix returns the type prefix of id, or "" when id does not look like an identifier.
func Prefix(id string) string {
	prefix, rest, ok := strings.Cut(id, "_")
	if !ok || len(rest) != ulid.EncodedSize {
		return ""
	}
	if _, err := ulid.ParseStrict(rest); err != nil {
		return ""
	}
	return prefix
}
