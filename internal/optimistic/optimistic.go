// Package optimistic is the one rule of optimistic concurrency: a write that names the version
// of a record it last read is refused with CONFLICT on expectedVersion when the record has
// moved on. A mutation applies it to a batch of one, bulk sync to its batch.
package optimistic

import (
	"fmt"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// Field is the input field a stale version is reported on.
const Field = "expectedVersion"

// Write is what one write expects of its record and what the record is at: Current is 0 when
// no record is stored.
type Write struct {
	Expected *int
	Current  int64
}

// Check returns, for each write, the conflict that refuses it, or nil when it names no version
// or the record is at the one it names.
func Check(writes []Write) []error {
	out := make([]error, len(writes))
	for i, w := range writes {
		switch {
		case w.Expected == nil || w.Current == int64(*w.Expected):
		case w.Current == 0:
			out[i] = &errs.Error{Kind: errs.Conflict, Field: Field,
				Message: fmt.Sprintf("no record is stored, not one at version %d", *w.Expected)}
		default:
			out[i] = &errs.Error{Kind: errs.Conflict, Field: Field,
				Message: fmt.Sprintf("the record is at version %d, not %d: read it again and reapply the change", w.Current, *w.Expected)}
		}
	}
	return out
}

// Changed is the conflict of a write whose record changed while it ran.
func Changed() error {
	return &errs.Error{Kind: errs.Conflict, Field: Field,
		Message: "the record changed while this update ran: read it again and reapply the change"}
}
