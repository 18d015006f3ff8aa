package rule_test

import (
	"errors"
	"testing"

	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// TestBulkWritesAreForBulkWriters: the policy of customer data lets every writer create a
// row, but only ADMIN and INTEGRATION write in bulk, and nobody else writes at all: the
// decision bulk sync asks of the policy.
func TestBulkWritesAreForBulkWriters(t *testing.T) {
	env := apitest.New(t, "sqlite")
	for _, tc := range []struct {
		role         string
		create, bulk bool
	}{
		{"ADMIN", true, true},
		{"INTEGRATION", true, true},
		{"MANAGER", true, false},
		{"KEY_ACCOUNT_MANAGER", true, false},
		{"ANALYST", false, false},
	} {
		ctx := env.Viewer("acme", tc.role, "someone-"+tc.role)
		m := env.DB.Client.Feedback.Create().Mutation()
		for _, try := range []struct {
			name    string
			err     error
			allowed bool
		}{
			{"create", feedback.Policy.EvalMutation(ctx, m), tc.create},
			{"bulk create", feedback.Policy.EvalMutation(rule.Bulk(ctx), m), tc.bulk},
		} {
			var e *errs.Error
			switch {
			case try.allowed && try.err != nil:
				t.Errorf("%s: %s refused: %v", tc.role, try.name, try.err)
			case !try.allowed && (!errors.As(try.err, &e) || e.Kind != errs.Forbidden):
				t.Errorf("%s: %s: got %v, want a FORBIDDEN refusal", tc.role, try.name, try.err)
			}
		}
	}
}
