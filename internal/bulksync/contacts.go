package bulksync

import (
	"context"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/primarycontact"
)

// BuyingContactInput is a person's part in an account's purchasing. The person is named by
// external id or by email; the account by external id.
type BuyingContactInput struct {
	ExpectedVersion   *int // the version last read; a record at another is refused (optimistic)
	ExternalID        string
	AccountExternalID string
	PersonExternalID  *string
	PersonEmail       *string
	Roles             []enum.BuyingRole
	Primary           *bool
	Influence         *buyingcontact.Influence
	Since             *time.Time
	Until             *time.Time
}

// EndUserInput is a person's use of the product at an account.
type EndUserInput struct {
	ExpectedVersion   *int // the version last read; a record at another is refused (optimistic)
	ExternalID        string
	AccountExternalID string
	PersonExternalID  *string
	PersonEmail       *string
	Department        *string
	JobRole           *string
	Status            *enduser.Status
	Licensed          *bool
	FirstSeenAt       *time.Time
	LastActiveAt      *time.Time
}

// accountAndPerson identifies a contact or end user by its account and person, so that a sync
// adopts the one a front end created without an external id.
func accountAndPerson(values map[string]any) (string, bool) {
	a, okA := values["account_id"].(string)
	p, okP := values["person_id"].(string)
	return a + "|" + p, okA && okP && a != "" && p != ""
}

var buyingContacts = &table{
	typ:       "BuyingContact",
	name:      buyingcontact.Table,
	prefix:    "bct",
	keyColumn: buyingcontact.FieldExternalID,
	keyField:  "externalID",
	altKey:    accountAndPerson,
	altField:  "personExternalID",
	columns: []column{
		col(buyingcontact.FieldExternalID, text), col(buyingcontact.FieldAccountID, text),
		col(buyingcontact.FieldPersonID, text), col(buyingcontact.FieldRoles, list),
		col(buyingcontact.FieldPrimary, boolean), col(buyingcontact.FieldInfluence, text),
		col(buyingcontact.FieldSince, timestamp), col(buyingcontact.FieldUntil, timestamp),
	},
	defaults: map[string]any{buyingcontact.FieldRoles: []enum.BuyingRole{}, buyingcontact.FieldPrimary: false},
	altWhere: pairPeople,
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.BuyingContact.Query().Where(where).All(ctx))
	},
	check: func(ctx context.Context, b *batch) error {
		immutable(b, "account_id", "accountExternalID")
		immutable(b, "person_id", "personExternalID")
		inOrder(b, "since", "until", "until")
		onePrimaryPerAccount(b)
		return nil
	},
	afterWrite: demotePrimaries,
}

var endUsers = &table{
	typ:       "EndUser",
	name:      enduser.Table,
	prefix:    "eus",
	keyColumn: enduser.FieldExternalID,
	keyField:  "externalID",
	altKey:    accountAndPerson,
	altField:  "personExternalID",
	columns: []column{
		col(enduser.FieldExternalID, text), col(enduser.FieldAccountID, text), col(enduser.FieldPersonID, text),
		col(enduser.FieldDepartment, text), col(enduser.FieldJobRole, text), col(enduser.FieldStatus, text),
		col(enduser.FieldLicensed, boolean), col(enduser.FieldFirstSeenAt, timestamp),
		col(enduser.FieldLastActiveAt, timestamp),
	},
	defaults: map[string]any{enduser.FieldStatus: enduser.DefaultStatus, enduser.FieldLicensed: enduser.DefaultLicensed},
	altWhere: pairPeople,
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.EndUser.Query().Where(where).All(ctx))
	},
	check: func(ctx context.Context, b *batch) error {
		immutable(b, "account_id", "accountExternalID")
		immutable(b, "person_id", "personExternalID")
		inOrder(b, "first_seen_at", "last_active_at", "lastActiveAt")
		return nil
	},
	afterWrite: countActiveSeats,
}

// countActiveSeats keeps the accounts' active seats in step from each end user's state before
// (read under its row lock) and after the batch; the account never changes.
func countActiveSeats(ctx context.Context, b *batch) error {
	seat := func(values func(column) any) *derived.EndUserSeat {
		account, _ := values(col(enduser.FieldAccountID, text)).(string)
		status, _ := values(col(enduser.FieldStatus, text)).(string)
		licensed, _ := values(col(enduser.FieldLicensed, boolean)).(bool)
		return &derived.EndUserSeat{Account: account, Status: enduser.Status(status), Licensed: licensed}
	}
	stored := func(r *row) func(column) any { return func(c column) any { return r.existing[c.name] } }
	var moves []derived.SeatMove
	for _, r := range b.rows {
		switch r.outcome {
		case Created:
			moves = append(moves, derived.SeatMove{After: seat(r.final)})
		case Updated:
			moves = append(moves, derived.SeatMove{Before: seat(stored(r)), After: seat(r.final)})
		}
	}
	return derived.MoveActiveSeats(ctx, b.client, b.viewer.TenantID, moves)
}

// personRef names the person of a contact: by external id or by email, exactly one.
func personRef(r *row, externalID, email *string, field string) {
	switch {
	case externalID != nil && email == nil:
		r.refs = append(r.refs, ref{column: "person_id", field: field + "ExternalID", target: typePerson, key: *externalID})
	case email != nil && externalID == nil:
		r.refs = append(r.refs, ref{column: "person_id", field: field + "Email", target: typePerson, key: *email, byMail: true})
	default:
		r.fail(field+"ExternalID", errs.Invalid.Code(), "give exactly one of %sExternalID and %sEmail", field, field)
	}
}

// SyncBuyingContacts upserts buying contacts by external id.
func SyncBuyingContacts(ctx context.Context, c *ent.Client, dialect string, in []*BuyingContactInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, bc := range in {
		r := newRow(i, bc.ExternalID, bc.ExpectedVersion)
		r.set(buyingcontact.FieldExternalID, bc.ExternalID)
		r.invalid("externalID", buyingcontact.ExternalIDValidator(bc.ExternalID))
		r.refs = append(r.refs, ref{column: "account_id", field: "accountExternalID", target: typeAccount, key: bc.AccountExternalID})
		personRef(r, bc.PersonExternalID, bc.PersonEmail, "person")
		if bc.Roles != nil {
			roles := make([]enum.BuyingRole, 0, len(bc.Roles))
			for _, role := range bc.Roles {
				if !slices.Contains(enum.BuyingRoles, role) {
					r.fail("roles", errs.Invalid.Code(), "%q is not a buying role", role)
				}
				if !slices.Contains(roles, role) {
					roles = append(roles, role)
				}
			}
			r.set(buyingcontact.FieldRoles, roles)
		}
		optional(r, buyingcontact.FieldPrimary, "primary", bc.Primary, nil)
		optional(r, buyingcontact.FieldInfluence, "influence", bc.Influence, buyingcontact.InfluenceValidator)
		optional(r, buyingcontact.FieldSince, "since", bc.Since, nil)
		optional(r, buyingcontact.FieldUntil, "until", bc.Until, nil)
		rows[i] = r
	}
	return run(ctx, c, dialect, buyingContacts, rows, allOrNone)
}

// SyncEndUsers upserts end users by external id.
func SyncEndUsers(ctx context.Context, c *ent.Client, dialect string, in []*EndUserInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, eu := range in {
		r := newRow(i, eu.ExternalID, eu.ExpectedVersion)
		r.set(enduser.FieldExternalID, eu.ExternalID)
		r.invalid("externalID", enduser.ExternalIDValidator(eu.ExternalID))
		r.refs = append(r.refs, ref{column: "account_id", field: "accountExternalID", target: typeAccount, key: eu.AccountExternalID})
		personRef(r, eu.PersonExternalID, eu.PersonEmail, "person")
		optional(r, enduser.FieldDepartment, "department", eu.Department, enduser.DepartmentValidator)
		optional(r, enduser.FieldJobRole, "jobRole", eu.JobRole, enduser.JobRoleValidator)
		optional(r, enduser.FieldStatus, "status", eu.Status, enduser.StatusValidator)
		optional(r, enduser.FieldLicensed, "licensed", eu.Licensed, nil)
		optional(r, enduser.FieldFirstSeenAt, "firstSeenAt", eu.FirstSeenAt, nil)
		optional(r, enduser.FieldLastActiveAt, "lastActiveAt", eu.LastActiveAt, nil)
		rows[i] = r
	}
	return run(ctx, c, dialect, endUsers, rows, allOrNone)
}

// immutable fails items that would move a stored row to another account or person.
func immutable(b *batch, column, field string) {
	for _, r := range b.rows {
		if r.existing == nil || !r.ok() {
			continue
		}
		if v, ok := r.values[column]; ok && !equal(r.existing[column], v) {
			r.fail(field, errs.Invalid.Code(), "cannot change: the stored record belongs to another %s", describe(typeOfColumn(column)))
		}
	}
}

func typeOfColumn(column string) string {
	if column == "person_id" {
		return typePerson
	}
	return typeAccount
}

// final returns a column's value once the item is applied: its own, else the stored one.
func (r *row) final(c column) any {
	if v, ok := r.values[c.name]; ok {
		return journal.Canonical(v)
	}
	if r.existing != nil {
		return r.existing[c.name]
	}
	return nil
}

// inOrder fails items whose later time would come before their earlier one.
func inOrder(b *batch, earlier, later, field string) {
	for _, r := range b.rows {
		from, _ := r.final(column{name: earlier, kind: timestamp}).(time.Time)
		to, _ := r.final(column{name: later, kind: timestamp}).(time.Time)
		if r.ok() && !from.IsZero() && !to.IsZero() && to.Before(from) {
			r.fail(field, errs.Invalid.Code(), "must be on or after %s (%s)", earlier, from.Format(time.RFC3339))
		}
	}
}

// onePrimaryPerAccount refuses a batch item that makes a second primary contact of an account.
func onePrimaryPerAccount(b *batch) {
	var claims []primarycontact.Claim
	var claiming []*row
	for _, r := range b.rows {
		if p, _ := r.values[buyingcontact.FieldPrimary].(bool); p && r.ok() {
			account, _ := r.values[buyingcontact.FieldAccountID].(string)
			claims = append(claims, primarycontact.Claim{Account: account, Contact: r.id})
			claiming = append(claiming, r)
		}
	}
	for i, rival := range primarycontact.Rivals(claims) {
		if rival >= 0 {
			claiming[i].fail("primary", errs.Invalid.Code(), "item %d of this batch is already the account's primary contact", claiming[rival].index)
		}
	}
}

// demotePrimaries keeps one primary buying contact per account: those that were primary on
// the accounts of the batch's new primaries are demoted, and the demotions journaled.
func demotePrimaries(ctx context.Context, b *batch) error {
	var claims []primarycontact.Claim
	for _, r := range b.rows {
		if p, _ := r.values[buyingcontact.FieldPrimary].(bool); p && (r.outcome == Created || r.outcome == Updated) {
			claims = append(claims, primarycontact.Claim{Account: r.values[buyingcontact.FieldAccountID].(string), Contact: r.id})
		}
	}
	changes, err := primarycontact.Demote(ctx, b.client, b.viewer.TenantID, b.now, claims)
	b.changes = append(b.changes, changes...)
	return err
}
