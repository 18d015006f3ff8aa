// Package email holds the stored form of an email address, which every write path (the ent
// hooks, bulk sync, look-ups by email) applies before comparing or storing one.
package email

import "strings"

// Normalize returns the stored form of an email address: trimmed and in lower case, so that
// uniqueness and look-ups do not depend on how a client spelled it.
func Normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
