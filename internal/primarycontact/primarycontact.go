// Package primarycontact keeps at most one primary buying contact per account. It is the
// rule's one home: the buying contact hook calls it for the contact it writes, bulk sync and
// the scale generator for their batch.
package primarycontact

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/journal"
)

// A Claim makes a contact the primary one of its account.
type Claim struct {
	Account string
	Contact string
}

// Rivals returns, for each claim, the index of an earlier claim on the same account, or -1:
// one batch cannot make two primary contacts of an account.
func Rivals(claims []Claim) []int {
	first := make(map[string]int, len(claims))
	rivals := make([]int, len(claims))
	for i, c := range claims {
		rivals[i] = -1
		if j, seen := first[c.Account]; seen {
			rivals[i] = j
			continue
		}
		first[c.Account] = i
	}
	return rivals
}

// Demote makes the other primary contacts of the claims' accounts not primary (a new version,
// updated now) in the tenant and returns the changes for the journal, which the caller records
// with the rest of its writes: the same rows whichever path demotes. Each account must have
// one claim (see Rivals).
func Demote(ctx context.Context, c *ent.Client, tenantID string, now time.Time, claims []Claim) ([]journal.Change, error) {
	if len(claims) == 0 {
		return nil, nil
	}
	claimed := make(map[string]string, len(claims)) // account → its new primary
	accounts := make([]string, 0, len(claims))
	for _, cl := range claims {
		claimed[cl.Account] = cl.Contact
		accounts = append(accounts, cl.Account)
	}
	// Claims on one account take turns: the account's row stays locked until the transaction
	// ends, so a claim made at the same time reads the primaries after this one commits (and
	// demotes its contact), instead of reading around it and leaving two primaries.
	allow := privacy.DecisionContext(ctx, privacy.Allow)
	lock := c.Account.Query().Where(account.TenantID(tenantID), account.IDIn(accounts...))
	lock.Modify(derived.LockRows)
	if _, err := lock.IDs(allow); err != nil {
		return nil, fmt.Errorf("locking the accounts of primary contacts: %w", err)
	}
	// The new primaries are left out here rather than with NOT IN, which MariaDB answers by
	// scanning the table. Whoever claims, the account's other primaries step down, seen or not.
	primaries, err := c.BuyingContact.Query().
		Where(buyingcontact.TenantID(tenantID), buyingcontact.AccountIDIn(accounts...), buyingcontact.Primary(true)).
		Select(buyingcontact.FieldAccountID, buyingcontact.FieldExternalID).
		All(allow)
	if err != nil {
		return nil, fmt.Errorf("finding primary contacts: %w", err)
	}
	var ids []any
	var changes []journal.Change
	for _, p := range primaries {
		if claimed[p.AccountID] == p.ID {
			continue
		}
		ids = append(ids, p.ID)
		changes = append(changes, journal.Change{EntityType: "BuyingContact", EntityID: p.ID, ExternalID: p.ExternalID,
			Operation: change.OperationUPDATE, Fields: []delta.Field{{Name: buyingcontact.FieldPrimary, Old: true, New: false}}})
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// SQLite and MySQL read the same statement: backquoted names (primary is a keyword), ?
	// for values.
	query, args := entsql.Update(buyingcontact.Table).
		Set(buyingcontact.FieldPrimary, false).
		Set(buyingcontact.FieldUpdatedAt, now).
		Add(buyingcontact.FieldVersion, 1).
		Where(entsql.And(entsql.In(buyingcontact.FieldID, ids...), entsql.EQ(buyingcontact.FieldTenantID, tenantID))).
		Query()
	if _, err := c.ExecContext(ctx, query, args...); err != nil {
		return nil, fmt.Errorf("demoting primary contacts: %w", err)
	}
	return changes, nil
}
