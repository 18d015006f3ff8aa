package bulksync

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// AccountInput is an account as the integrator's system knows it. Fields left out (null) keep
// their stored values; on create they take the schema's defaults.
type AccountInput struct {
	ExpectedVersion  *int // the version last read; a record at another is refused (optimistic)
	ExternalID       string
	Name             string
	Domain           *string
	Industry         *string
	Region           *string
	Size             *account.Size
	Tier             *account.Tier
	Stage            *account.Stage
	OwnerID          *string // a member of the seller's staff
	ParentExternalID *string // may name an account of the same batch
}

var accounts = &table{
	typ:       "Account",
	name:      account.Table,
	prefix:    "acc",
	keyColumn: account.FieldExternalID,
	keyField:  "externalID",
	columns: []column{
		col(account.FieldExternalID, text), col(account.FieldName, text), col(account.FieldDomain, text),
		col(account.FieldIndustry, text), col(account.FieldRegion, text), col(account.FieldSize, text),
		col(account.FieldTier, text), col(account.FieldStage, text), col(account.FieldOwnerID, text),
		col(account.FieldParentID, text),
	},
	defaults: map[string]any{account.FieldTier: account.DefaultTier, account.FieldStage: account.DefaultStage},
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.Account.Query().Where(where).All(ctx))
	},
	check: refuseHierarchyLoops,
}

// SyncAccounts upserts accounts by external id.
func SyncAccounts(ctx context.Context, c *ent.Client, dialect string, in []*AccountInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, a := range in {
		r := newRow(i, a.ExternalID, a.ExpectedVersion)
		r.set(account.FieldExternalID, a.ExternalID)
		r.invalid("externalID", account.ExternalIDValidator(a.ExternalID))
		r.set(account.FieldName, a.Name)
		r.invalid("name", account.NameValidator(a.Name))
		optional(r, account.FieldDomain, "domain", a.Domain, account.DomainValidator)
		optional(r, account.FieldIndustry, "industry", a.Industry, account.IndustryValidator)
		optional(r, account.FieldRegion, "region", a.Region, account.RegionValidator)
		optional(r, account.FieldSize, "size", a.Size, account.SizeValidator)
		optional(r, account.FieldTier, "tier", a.Tier, account.TierValidator)
		optional(r, account.FieldStage, "stage", a.Stage, account.StageValidator)
		if a.OwnerID != nil {
			r.refs = append(r.refs, ref{column: account.FieldOwnerID, field: "ownerID", target: typeMember, key: *a.OwnerID})
		}
		if a.ParentExternalID != nil {
			r.refs = append(r.refs, ref{column: account.FieldParentID, field: "parentExternalID", target: typeAccount, key: *a.ParentExternalID})
		}
		rows[i] = r
	}
	return run(ctx, c, dialect, accounts, rows, allOrNone)
}

// refuseHierarchyLoops fails items whose parent would make an account its own ancestor, given
// the stored hierarchy and the batch's changes to it.
func refuseHierarchyLoops(ctx context.Context, b *batch) error {
	var links []struct {
		ID       string `json:"id"`
		ParentID string `json:"parent_id"`
	}
	err := b.client.Account.Query().Where(account.ParentIDNotNil()).
		Select(account.FieldID, account.FieldParentID).Scan(ctx, &links)
	if err != nil {
		return err
	}
	parent := make(map[string]string, len(links))
	for _, l := range links {
		parent[l.ID] = l.ParentID
	}
	for _, r := range b.rows {
		if p, ok := r.values[account.FieldParentID].(string); ok && r.ok() {
			parent[r.id] = p
		}
	}
	for _, r := range b.rows {
		if _, sets := r.values[account.FieldParentID]; !sets || !r.ok() {
			continue
		}
		seen := map[string]bool{r.id: true}
		for at := parent[r.id]; at != ""; at = parent[at] {
			if seen[at] {
				r.fail("parentExternalID", errs.Invalid.Code(), "would make the account its own ancestor")
				break
			}
			seen[at] = true
		}
	}
	return nil
}
