package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/client"
)

// column is one CSV column an import reads: its header, the sync input field it fills, and
// how it reads a cell. An empty cell leaves the field out, so the stored value stays.
type column[T any] struct {
	name     string // the header, in snake_case (headers match ignoring case, _ and spaces)
	field    string // the sync input's field, as the API names it in errors
	required bool
	doc      string
	set      func(in *T, cell string) error
}

// importSpec says how to import one kind of record from CSV.
type importSpec[T any] struct {
	kind    string
	columns []column[T]
	// ignored are columns that export writes and import does not read.
	ignored []string
	send    func(ctx context.Context, gql graphql.Client, items []T) (*client.SyncResult, error)
	// prepare runs once the header is known, before the first row.
	prepare func(ctx context.Context, present map[string]bool) error
	// retryable says whether a failed item may succeed once the rest of the file is in
	// (an account whose parent comes later in the file).
	retryable func(errs []client.SyncResultItemsSyncItemResultErrorsSyncError) bool
}

// Cell readers.

func text[T any](name, field, doc string, dst func(*T) **string) column[T] {
	return column[T]{name: name, field: field, doc: doc, set: func(in *T, v string) error { *dst(in) = &v; return nil }}
}

func requiredText[T any](name, field, doc string, dst func(*T) *string) column[T] {
	return column[T]{name: name, field: field, doc: doc, required: true, set: func(in *T, v string) error { *dst(in) = v; return nil }}
}

func enumCol[T any, E ~string](name, field string, all []E, dst func(*T) **E) column[T] {
	return column[T]{name: name, field: field, doc: enumNames(all), set: func(in *T, v string) error {
		e, err := parseEnum(name, v, all)
		if err != nil {
			return err
		}
		*dst(in) = &e
		return nil
	}}
}

func boolCol[T any](name, field, doc string, dst func(*T) **bool) column[T] {
	return column[T]{name: name, field: field, doc: doc + " (true/false, yes/no, 1/0)", set: func(in *T, v string) error {
		b, err := parseBool(name, v)
		if err != nil {
			return err
		}
		*dst(in) = &b
		return nil
	}}
}

func intCol[T any](name, field, doc string, dst func(*T) **int) column[T] {
	return column[T]{name: name, field: field, doc: doc, set: func(in *T, v string) error {
		n, err := parseInt(name, v)
		if err != nil {
			return err
		}
		*dst(in) = &n
		return nil
	}}
}

func timeCol[T any](name, field, doc string, dst func(*T) **time.Time) column[T] {
	return column[T]{name: name, field: field, doc: timeDoc(doc), set: func(in *T, v string) error {
		t, err := parseCSVTime(name, v)
		if err != nil {
			return err
		}
		*dst(in) = &t
		return nil
	}}
}

func requiredTime[T any](name, field, doc string, dst func(*T) *time.Time) column[T] {
	return column[T]{name: name, field: field, required: true, doc: timeDoc(doc), set: func(in *T, v string) error {
		t, err := parseCSVTime(name, v)
		if err != nil {
			return err
		}
		*dst(in) = t
		return nil
	}}
}

func timeDoc(doc string) string {
	if doc == "" {
		return "a date (2025-01-31) or an RFC 3339 time"
	}
	return doc + " (2025-01-31 or RFC 3339)"
}

func parseCSVTime(name, v string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is not a date (2025-01-31) or an RFC 3339 time", name, v)
}

// The exports write these columns besides those the import reads.
var exportOnly = []string{"id", "version", "created_at", "updated_at"}

func accountsSpec(s *session) importSpec[client.SyncAccountInput] {
	type in = client.SyncAccountInput
	var owners map[string]string // member email → id, for owner_email
	return importSpec[in]{
		kind: "accounts",
		columns: []column[in]{
			requiredText("external_id", "externalID", "the account's id in your system: rows update the account with the same external id", func(i *in) *string { return &i.ExternalID }),
			requiredText("name", "name", "the company's name", func(i *in) *string { return &i.Name }),
			text("domain", "domain", "its internet domain, e.g. example.com", func(i *in) **string { return &i.Domain }),
			text("industry", "industry", "", func(i *in) **string { return &i.Industry }),
			text("region", "region", "", func(i *in) **string { return &i.Region }),
			enumCol("size", "size", client.AllAccountSize, func(i *in) **client.AccountSize { return &i.Size }),
			enumCol("tier", "tier", client.AllAccountTier, func(i *in) **client.AccountTier { return &i.Tier }),
			enumCol("stage", "stage", client.AllAccountStage, func(i *in) **client.AccountStage { return &i.Stage }),
			text("owner_id", "ownerID", "the owning member's id", func(i *in) **string { return &i.OwnerID }),
			{name: "owner_email", field: "ownerID", doc: "the owning member's email (instead of owner_id)", set: func(i *in, v string) error {
				if i.OwnerID != nil {
					return nil // owner_id wins
				}
				id, ok := owners[strings.ToLower(v)]
				if !ok {
					return fmt.Errorf("owner_email: no member of your staff has the email %q", v)
				}
				i.OwnerID = &id
				return nil
			}},
			text("parent_external_id", "parentExternalID", "the parent account's external id (it may come later in the file)", func(i *in) **string { return &i.ParentExternalID }),
		},
		ignored: append([]string{"owner_name", "parent_name"}, exportOnly...),
		send: func(ctx context.Context, gql graphql.Client, items []in) (*client.SyncResult, error) {
			resp, err := client.SyncAccounts(ctx, gql, items, nil)
			if err != nil {
				return nil, err
			}
			return &resp.SyncAccounts, nil
		},
		prepare: func(ctx context.Context, present map[string]bool) error {
			if !present["owner_email"] {
				return nil
			}
			members, _, err := collect(0, func(first int, after *string) ([]*client.MemberRecord, client.Page, int, error) {
				resp, err := client.ListMembers(ctx, s.gql, first, after)
				if err != nil {
					return nil, client.Page{}, 0, err
				}
				var out []*client.MemberRecord
				for _, e := range resp.Members.Edges {
					out = append(out, e.Node)
				}
				return out, resp.Members.PageInfo, resp.Members.TotalCount, nil
			})
			if err != nil {
				return err
			}
			owners = map[string]string{}
			for _, m := range members {
				if m.Email != nil {
					owners[strings.ToLower(*m.Email)] = m.Id
				}
			}
			return nil
		},
		retryable: func(errs []client.SyncResultItemsSyncItemResultErrorsSyncError) bool {
			for _, e := range errs {
				if e.Code != "NOT_FOUND" || e.Field == nil || *e.Field != "parentExternalID" {
					return false
				}
			}
			return len(errs) > 0
		},
	}
}

func peopleSpec() importSpec[client.SyncPersonInput] {
	type in = client.SyncPersonInput
	return importSpec[in]{
		kind: "people",
		columns: []column[in]{
			text("external_id", "externalID", "the person's id in your system; without one, rows match people by email", func(i *in) **string { return &i.ExternalID }),
			requiredText("email", "email", "their email, unique in your tenant", func(i *in) *string { return &i.Email }),
			requiredText("name", "name", "their name", func(i *in) *string { return &i.Name }),
			text("title", "title", "their job title", func(i *in) **string { return &i.Title }),
			text("phone", "phone", "", func(i *in) **string { return &i.Phone }),
			boolCol("consent_marketing", "consentMarketing", "may receive marketing", func(i *in) **bool { return &i.ConsentMarketing }),
			boolCol("consent_research", "consentResearch", "may be surveyed and invited to councils", func(i *in) **bool { return &i.ConsentResearch }),
		},
		ignored: exportOnly,
		send: func(ctx context.Context, gql graphql.Client, items []in) (*client.SyncResult, error) {
			resp, err := client.SyncPeople(ctx, gql, items, nil)
			if err != nil {
				return nil, err
			}
			return &resp.SyncPeople, nil
		},
	}
}

func contractsSpec() importSpec[client.SyncContractInput] {
	type in = client.SyncContractInput
	return importSpec[in]{
		kind: "contracts",
		columns: []column[in]{
			requiredText("external_id", "externalID", "the contract's id in your system", func(i *in) *string { return &i.ExternalID }),
			requiredText("account_external_id", "accountExternalID", "the account's external id", func(i *in) *string { return &i.AccountExternalID }),
			requiredText("number", "number", "the contract number, unique in your tenant", func(i *in) *string { return &i.Number }),
			enumCol("status", "status", client.AllContractStatus, func(i *in) **client.ContractStatus { return &i.Status }),
			requiredTime("start_date", "startDate", "", func(i *in) *time.Time { return &i.StartDate }),
			requiredTime("end_date", "endDate", "", func(i *in) *time.Time { return &i.EndDate }),
			intCol("renewal_notice_days", "renewalNoticeDays", "days before the end date by which notice is due", func(i *in) **int { return &i.RenewalNoticeDays }),
			boolCol("auto_renew", "autoRenew", "renews unless notice is given", func(i *in) **bool { return &i.AutoRenew }),
			intCol("value_minor", "valueMinor", "the value in minor units of the currency (cents)", func(i *in) **int { return &i.ValueMinor }),
			requiredText("currency", "currency", "ISO 4217 code, e.g. EUR", func(i *in) *string { return &i.Currency }),
			intCol("seats", "seats", "licensed seats", func(i *in) **int { return &i.Seats }),
			text("signed_by_external_id", "signedByExternalID", "the external id of the buying contact who signed", func(i *in) **string { return &i.SignedByExternalID }),
			timeCol("signed_at", "signedAt", "", func(i *in) **time.Time { return &i.SignedAt }),
		},
		ignored: append([]string{"account_name", "days_to_renewal", "seat_utilisation"}, exportOnly...),
		send: func(ctx context.Context, gql graphql.Client, items []in) (*client.SyncResult, error) {
			resp, err := client.SyncContracts(ctx, gql, items, nil)
			if err != nil {
				return nil, err
			}
			return &resp.SyncContracts, nil
		},
	}
}

// columnsDoc documents a spec's columns for --help.
func columnsDoc[T any](spec importSpec[T]) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", spec.kind)
	for _, c := range spec.columns {
		req := ""
		if c.required {
			req = " (required)"
		}
		doc := c.doc
		if doc != "" {
			doc = ": " + doc
		}
		fmt.Fprintf(&b, "  %s%s%s\n", c.name, req, doc)
	}
	return b.String()
}
