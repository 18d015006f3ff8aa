package bulksync_test

import (
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestSyncExpectedVersion: an item that names the version it last read updates a record at
// that version and fails with CONFLICT on expectedVersion, as an update mutation does, when the
// record is one version past it, one short of it or not stored; the batch's other items commit.
func TestSyncExpectedVersion(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		created := doSync(t, env, token, syncAccounts, []object{{"externalID": "acc-1", "name": "One"}}, false)
		expectOutcomes(t, created, "CREATED")
		id := created.Items[0].id(t)

		moved := doSync(t, env, token, syncAccounts, []object{{"externalID": "acc-1", "name": "One, renamed", "expectedVersion": 1}}, false)
		expectOutcomes(t, moved, "UPDATED")
		if v := moved.Items[0].version(t); v != 2 {
			t.Fatalf("version %d after an update at the expected version, want 2", v)
		}

		for i, expected := range []int{1, 3} {
			p := doSync(t, env, token, syncAccounts, []object{
				{"externalID": "acc-1", "name": "Stale", "expectedVersion": expected},
				{"externalID": fmt.Sprintf("other-%d", i), "name": "Other"},
			}, false)
			expectOutcomes(t, p, "FAILED", "CREATED")
			if !p.Items[0].hasError("expectedVersion", "CONFLICT") {
				t.Errorf("expectedVersion %d of a record at 2: %s", expected, p)
			}
			if v := storedVersion(t, env, "accounts", id); v != 2 {
				t.Fatalf("a refused item moved the record to version %d", v)
			}
		}

		missing := doSync(t, env, token, syncAccounts, []object{{"externalID": "acc-3", "name": "Three", "expectedVersion": 1}}, false)
		expectOutcomes(t, missing, "FAILED")
		if !missing.Items[0].hasError("expectedVersion", "CONFLICT") {
			t.Errorf("expectedVersion of a record not stored: %s", missing)
		}
	})
}
