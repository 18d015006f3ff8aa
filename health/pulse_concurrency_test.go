package health_test

import (
	"context"
	"testing"

	"github.com/stakegraph/stakegraph/apitest"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/journal"
)

// TestAccountPulseUnderConcurrentWriters adds an end user to an account in each of two
// transactions that overlap: the second counts the account's active seats while the first has
// not yet committed. The pulse must count both once both commit, not only the later one's.
// On SQLite the second transaction waits for the first to begin with, so this only tells on
// MariaDB, where it failed before the refresh locked the pulse rows first.
func TestAccountPulseUnderConcurrentWriters(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		ctx := env.Viewer("acme", "ADMIN", "pulse-admin")
		client := env.DB.Client
		var account string
		var people []string
		err := journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
			a, err := tx.Account.Create().SetName("Concurrent Co").Save(ctx)
			if err != nil {
				return err
			}
			account = a.ID
			for _, name := range []string{"ada", "grace"} {
				p, err := tx.Person.Create().SetName(name).SetEmail(name + "@concurrent.example").Save(ctx)
				if err != nil {
					return err
				}
				people = append(people, p.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		addEndUser := func(ctx context.Context, tx *ent.Tx, person string) error {
			return tx.EndUser.Create().SetAccountID(account).SetPersonID(person).Exec(ctx)
		}

		firstCtx, first, err := journal.Begin(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		if err := addEndUser(firstCtx, first, people[0]); err != nil {
			t.Fatal(err)
		}
		// The second transaction reaches its refresh of the pulse while the first is still open;
		// it must then wait for the first, not count without it.
		apitest.Overlap(t, first, func() error {
			return journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
				return addEndUser(ctx, tx, people[1])
			})
		})

		p, err := client.AccountPulse.Query().Where(accountpulse.AccountID(account)).
			Only(privacy.DecisionContext(ctx, privacy.Allow))
		if err != nil {
			t.Fatal(err)
		}
		if p.ActiveSeats != 2 {
			t.Errorf("active seats %d after two end users were added side by side, want 2", p.ActiveSeats)
		}
	})
}
