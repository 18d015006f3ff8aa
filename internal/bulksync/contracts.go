package bulksync

import (
	"context"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/sameaccount"
)

// ContractInput is a contract as the integrator's system (an ERP) knows it.
type ContractInput struct {
	ExpectedVersion    *int // the version last read; a record at another is refused (optimistic)
	ExternalID         string
	AccountExternalID  string
	Number             string
	Status             *contract.Status
	StartDate          time.Time
	EndDate            time.Time
	RenewalNoticeDays  *int
	AutoRenew          *bool
	ValueMinor         *int64
	Currency           string
	Seats              *int
	SignedByExternalID *string // a buying contact of the same account
	SignedAt           *time.Time
}

var contracts = &table{
	typ:       "Contract",
	name:      contract.Table,
	prefix:    "ctr",
	keyColumn: contract.FieldExternalID,
	keyField:  "externalID",
	altKey: func(values map[string]any) (string, bool) {
		n, ok := values[contract.FieldNumber].(string)
		return n, ok && n != ""
	},
	altField: "number",
	columns: []column{
		col(contract.FieldExternalID, text), col(contract.FieldAccountID, text), col(contract.FieldNumber, text),
		col(contract.FieldStatus, text), col(contract.FieldStartDate, timestamp), col(contract.FieldEndDate, timestamp),
		col(contract.FieldRenewalNoticeDays, number), col(contract.FieldAutoRenew, boolean),
		col(contract.FieldValueMinor, number), col(contract.FieldCurrency, text), col(contract.FieldSeats, number),
		col(contract.FieldSignedByID, text), col(contract.FieldSignedAt, timestamp),
	},
	defaults: map[string]any{
		contract.FieldStatus:            contract.DefaultStatus,
		contract.FieldRenewalNoticeDays: contract.DefaultRenewalNoticeDays,
		contract.FieldAutoRenew:         contract.DefaultAutoRenew,
		contract.FieldValueMinor:        contract.DefaultValueMinor,
	},
	altWhere:  func(numbers []string) func(*entsql.Selector) { return entsql.FieldIn(contract.FieldNumber, numbers...) },
	altUnique: true,
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.Contract.Query().Where(where).All(ctx))
	},
	check: func(ctx context.Context, b *batch) error {
		immutable(b, contract.FieldAccountID, "accountExternalID")
		for _, r := range b.rows {
			from, _ := r.final(column{name: contract.FieldStartDate, kind: timestamp}).(time.Time)
			to, _ := r.final(column{name: contract.FieldEndDate, kind: timestamp}).(time.Time)
			if r.ok() && !to.After(from) {
				r.fail("endDate", errs.Invalid.Code(), "must be after startDate (%s)", from.Format(time.RFC3339))
			}
		}
		return sameAccount(ctx, b, sameaccount.Signer, contract.FieldSignedByID, "signedByExternalID")
	},
	afterWrite: refreshPulse(derived.Contracts, nil),
}

// SyncContracts upserts contracts by external id (adopting one with the same number that has
// none).
func SyncContracts(ctx context.Context, c *ent.Client, dialect string, in []*ContractInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, k := range in {
		r := newRow(i, k.ExternalID, k.ExpectedVersion)
		r.set(contract.FieldExternalID, k.ExternalID)
		r.invalid("externalID", contract.ExternalIDValidator(k.ExternalID))
		r.refs = append(r.refs, ref{column: contract.FieldAccountID, field: "accountExternalID", target: typeAccount, key: k.AccountExternalID})
		r.set(contract.FieldNumber, k.Number)
		r.invalid("number", contract.NumberValidator(k.Number))
		optional(r, contract.FieldStatus, "status", k.Status, contract.StatusValidator)
		r.set(contract.FieldStartDate, k.StartDate)
		r.set(contract.FieldEndDate, k.EndDate)
		optional(r, contract.FieldRenewalNoticeDays, "renewalNoticeDays", k.RenewalNoticeDays, contract.RenewalNoticeDaysValidator)
		optional(r, contract.FieldAutoRenew, "autoRenew", k.AutoRenew, nil)
		optional(r, contract.FieldValueMinor, "valueMinor", k.ValueMinor, contract.ValueMinorValidator)
		currency := strings.ToUpper(strings.TrimSpace(k.Currency))
		r.set(contract.FieldCurrency, currency)
		r.invalid("currency", contract.CurrencyValidator(currency))
		optional(r, contract.FieldSeats, "seats", k.Seats, contract.SeatsValidator)
		if k.SignedByExternalID != nil {
			r.refs = append(r.refs, ref{column: contract.FieldSignedByID, field: "signedByExternalID", target: typeBuyingContact, key: *k.SignedByExternalID})
		}
		optional(r, contract.FieldSignedAt, "signedAt", k.SignedAt, nil)
		rows[i] = r
	}
	return run(ctx, c, dialect, contracts, rows, allOrNone)
}

// InteractionInput is a touchpoint as the integrator's system (a support desk, a calendar)
// knows it.
type InteractionInput struct {
	ExpectedVersion   *int // the version last read; a record at another is refused (optimistic)
	ExternalID        string
	AccountExternalID string
	Channel           enum.Channel
	Direction         interaction.Direction
	OccurredAt        time.Time
	Subject           string
	Summary           *string
	HandledByID       *string // a member of the seller's staff
}

var interactions = &table{
	typ:       "Interaction",
	name:      interaction.Table,
	prefix:    "int",
	keyColumn: interaction.FieldExternalID,
	keyField:  "externalID",
	columns: []column{
		col(interaction.FieldExternalID, text), col(interaction.FieldAccountID, text),
		col(interaction.FieldChannel, text), col(interaction.FieldDirection, text),
		col(interaction.FieldOccurredAt, timestamp), col(interaction.FieldSubject, text),
		col(interaction.FieldSummary, text), col(interaction.FieldHandledByID, text),
	},
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.Interaction.Query().Where(where).All(ctx))
	},
	check: func(ctx context.Context, b *batch) error {
		immutable(b, interaction.FieldAccountID, "accountExternalID")
		return nil
	},
	afterWrite: refreshPulse(derived.Interactions, nil),
}

// SyncInteractions upserts interactions by external id. Participants are not synced.
func SyncInteractions(ctx context.Context, c *ent.Client, dialect string, in []*InteractionInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, x := range in {
		r := newRow(i, x.ExternalID, x.ExpectedVersion)
		r.set(interaction.FieldExternalID, x.ExternalID)
		r.invalid("externalID", interaction.ExternalIDValidator(x.ExternalID))
		r.refs = append(r.refs, ref{column: interaction.FieldAccountID, field: "accountExternalID", target: typeAccount, key: x.AccountExternalID})
		r.set(interaction.FieldChannel, x.Channel)
		r.invalid("channel", interaction.ChannelValidator(x.Channel))
		r.set(interaction.FieldDirection, x.Direction)
		r.invalid("direction", interaction.DirectionValidator(x.Direction))
		r.set(interaction.FieldOccurredAt, x.OccurredAt)
		r.set(interaction.FieldSubject, x.Subject)
		r.invalid("subject", interaction.SubjectValidator(x.Subject))
		optional(r, interaction.FieldSummary, "summary", x.Summary, interaction.SummaryValidator)
		if x.HandledByID != nil {
			r.refs = append(r.refs, ref{column: interaction.FieldHandledByID, field: "handledByID", target: typeMember, key: *x.HandledByID})
		}
		rows[i] = r
	}
	return run(ctx, c, dialect, interactions, rows, allOrNone)
}

// sameAccount fails the items whose link (by column) the same-account rule refuses.
func sameAccount(ctx context.Context, b *batch, target sameaccount.Target, column, field string) error {
	var links []sameaccount.Link
	var linked []*row
	for _, r := range b.rows {
		if id, ok := r.values[column].(string); ok && r.ok() {
			own, _ := r.final(col("account_id", text)).(string)
			links = append(links, sameaccount.Link{Account: own, Target: id})
			linked = append(linked, r)
		}
	}
	outcomes, err := sameaccount.Check(ctx, b.client, target, links)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		switch {
		case o.Missing: // resolved in the tenant a moment ago: deleted since
			linked[i].fail(field, errs.NotFound.Code(), "refers to a record that no longer exists")
		case o.Refusal != "":
			linked[i].fail(field, errs.Invalid.Code(), "%s", o.Refusal)
		}
	}
	return nil
}
