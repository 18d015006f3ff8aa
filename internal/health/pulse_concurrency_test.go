package health_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/bulksync"
	"github.com/stakegraph/stakegraph/internal/journal"
)

// TestAccountPulseUnderConcurrentWriters adds an end user to an account in each of two
// transactions that overlap: the second updates the account's active seats while the first
// has not yet committed. A mutation recounts them, a bulk sync adds what it changed; either
// way the pulse must count both end users once both commit, not only the later one's. On
// SQLite the second transaction waits for the first to begin with, so this only tells on
// MariaDB, where two mutations lost a seat before a refresh locked the pulse rows first.
func TestAccountPulseUnderConcurrentWriters(t *testing.T) {
	for _, writers := range [][2]string{{"mutation", "mutation"}, {"mutation", "bulk sync"}, {"bulk sync", "mutation"}} {
		t.Run(writers[0]+" then "+writers[1], func(t *testing.T) {
			apitest.Each(t, func(t *testing.T, env *apitest.Env) {
				ctx := env.Viewer("acme", "ADMIN", "pulse-admin")
				client := env.DB.Client
				var account string
				people := map[string]string{} // email → id
				err := journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
					a, err := tx.Account.Create().SetName("Concurrent Co").SetExternalID("CONC").Save(ctx)
					if err != nil {
						return err
					}
					account = a.ID
					for _, email := range []string{"ada@concurrent.example", "grace@concurrent.example"} {
						p, err := tx.Person.Create().SetName(email).SetEmail(email).Save(ctx)
						if err != nil {
							return err
						}
						people[email] = p.ID
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				addEndUser := func(ctx context.Context, tx *ent.Tx, how, email string) error {
					if how == "mutation" {
						return tx.EndUser.Create().SetAccountID(account).SetPersonID(people[email]).Exec(ctx)
					}
					res, err := bulksync.SyncEndUsers(ctx, tx.Client(), env.DB.Dialect, []*bulksync.EndUserInput{
						{ExternalID: "EU-" + email, AccountExternalID: "CONC", PersonEmail: &email}}, true)
					if err == nil && res.Created != 1 {
						err = fmt.Errorf("sync created %d: %+v", res.Created, res.Items)
					}
					return err
				}

				firstCtx, first, err := journal.Begin(ctx, client)
				if err != nil {
					t.Fatal(err)
				}
				if err := addEndUser(firstCtx, first, writers[0], "ada@concurrent.example"); err != nil {
					t.Fatal(err)
				}
				// The second transaction reaches the account's pulse while the first is still
				// open; it must then wait for the first, not count or add without it.
				apitest.Overlap(t, first, func() error {
					return journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
						return addEndUser(ctx, tx, writers[1], "grace@concurrent.example")
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
		})
	}
}
