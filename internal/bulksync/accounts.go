package bulksync

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/hierarchy"
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

// refuseHierarchyLoops fails the items whose new parent the hierarchy's rule refuses, given the
// stored hierarchy and the batch's other links. A parent resent as stored moves nothing.
func refuseHierarchyLoops(ctx context.Context, b *batch) error {
	var links []hierarchy.Link
	var linked []*row
	for _, r := range b.rows {
		p, ok := r.values[account.FieldParentID].(string)
		if ok && r.ok() && (r.existing == nil || !equal(r.existing[account.FieldParentID], p)) {
			links = append(links, hierarchy.Link{Account: r.id, Parent: p, Stored: r.existing != nil})
			linked = append(linked, r)
		}
	}
	if len(links) == 0 {
		return nil
	}
	refusals, err := hierarchy.Refusals(ctx, b.client, b.viewer.TenantID, links)
	if err != nil {
		return err
	}
	for i, r := range linked {
		if refusals[i] != "" {
			r.fail("parentExternalID", errs.Invalid.Code(), "%s", refusals[i])
		}
	}
	return nil
}
