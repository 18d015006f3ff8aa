package optimistic_test

import (
	"errors"
	"testing"

	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/optimistic"
)

func TestCheckRefusesEveryStaleWriteOfABatch(t *testing.T) {
	v := func(n int) *int { return &n }
	got := optimistic.Check([]optimistic.Write{
		{Expected: nil, Current: 7},  // names no version
		{Expected: v(3), Current: 3}, // at the version it names
		{Expected: v(2), Current: 3}, // one behind
		{Expected: v(4), Current: 3}, // one ahead
		{Expected: v(1), Current: 0}, // no record stored
	})
	for i, stale := range []bool{false, false, true, true, true} {
		var e *errs.Error
		switch {
		case !stale && got[i] != nil:
			t.Errorf("write %d refused: %v", i, got[i])
		case stale && (!errors.As(got[i], &e) || e.Kind != errs.Conflict || e.Field != optimistic.Field):
			t.Errorf("write %d: got %v, want CONFLICT on %s", i, got[i], optimistic.Field)
		}
	}
}
