package bulksync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// TestConcurrentPrimaryClaimsLeaveOnePrimary: two transactions that make different contacts
// of one account primary at the same time leave one primary contact, the later one. The first
// claim is held open until the second has read the account's primaries; reading around the
// first, the second would demote only the old primary and leave two.
func TestConcurrentPrimaryClaimsLeaveOnePrimary(t *testing.T) {
	storagetest.NeedMySQL(t, "hold one transaction open while another claims the same account's primary contact")
	env := apitest.New(t, "mysql")
	token := env.Token("acme", "INTEGRATION", "erp")
	doSync(t, env, token, syncAccounts, []object{{"externalID": "acc", "name": "Acme Corp"}}, true)
	doSync(t, env, token, syncPeople, people("p", 3, "Buyer", false), true)
	var items []object
	for i := range 3 {
		items = append(items, object{"externalID": fmt.Sprintf("c-%d", i), "accountExternalID": "acc",
			"personExternalID": fmt.Sprintf("p-%d", i), "roles": []string{"INFLUENCER"}, "primary": i == 0})
	}
	synced := doSync(t, env, token, syncBuyingContacts, items, true)
	claim := func(ctx context.Context, tx *ent.Tx, i int) error {
		return tx.BuyingContact.UpdateOneID(synced.Items[i].id(t)).SetPrimary(true).Exec(ctx)
	}

	ctx := env.Viewer("acme", "ADMIN", "alice")
	held, release := make(chan struct{}), make(chan struct{})
	first, second := make(chan error, 1), make(chan error, 1)
	go func() {
		first <- journal.Run(ctx, env.DB.Client, func(ctx context.Context, tx *ent.Tx) error {
			if err := claim(ctx, tx, 1); err != nil {
				return err
			}
			select {
			case <-held: // a retried attempt
			default:
				close(held)
			}
			<-release
			return nil
		})
	}()
	<-held
	go func() {
		second <- journal.Run(ctx, env.DB.Client, func(ctx context.Context, tx *ent.Tx) error { return claim(ctx, tx, 2) })
	}()
	time.Sleep(500 * time.Millisecond) // the second claim has read the account's primaries, or waits to
	close(release)
	for _, done := range []chan error{first, second} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}

	rows, err := env.DB.SQL.Query("SELECT external_id FROM buying_contacts WHERE `primary` ORDER BY external_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var primaries []string
	for rows.Next() {
		var ext string
		if err := rows.Scan(&ext); err != nil {
			t.Fatal(err)
		}
		primaries = append(primaries, ext)
	}
	if len(primaries) != 1 || primaries[0] != "c-2" {
		t.Errorf("primary contacts after two concurrent claims: %v, want [c-2]", primaries)
	}
}
