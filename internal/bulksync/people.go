package bulksync

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/email"
)

// PersonInput is a person as the integrator's system knows them: found by external id, or by
// email when the input has no external id (or the stored person has none yet).
type PersonInput struct {
	ExpectedVersion  *int // the version last read; a record at another is refused (optimistic)
	ExternalID       *string
	Email            string
	Name             string
	Title            *string
	Phone            *string
	ConsentMarketing *bool
	ConsentResearch  *bool
}

var people = &table{
	typ:       "Person",
	name:      person.Table,
	prefix:    "per",
	keyColumn: person.FieldExternalID,
	keyField:  "externalID",
	altKey: func(values map[string]any) (string, bool) {
		email, ok := values[person.FieldEmail].(string)
		return email, ok && email != ""
	},
	altField: "email",
	columns: []column{
		col(person.FieldExternalID, text), col(person.FieldEmail, text), col(person.FieldName, text),
		col(person.FieldTitle, text), col(person.FieldPhone, text),
		col(person.FieldConsentMarketing, boolean), col(person.FieldConsentResearch, boolean),
	},
	defaults: map[string]any{
		person.FieldConsentMarketing: person.DefaultConsentMarketing,
		person.FieldConsentResearch:  person.DefaultConsentResearch,
	},
	altWhere:  func(emails []string) func(*entsql.Selector) { return entsql.FieldIn(person.FieldEmail, emails...) },
	altUnique: true,
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.Person.Query().Where(where).All(ctx))
	},
}

// SyncPeople upserts people by external id or email.
func SyncPeople(ctx context.Context, c *ent.Client, dialect string, in []*PersonInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, p := range in {
		key := ""
		if p.ExternalID != nil {
			key = *p.ExternalID
		}
		r := newRow(i, key, p.ExpectedVersion)
		optional(r, person.FieldExternalID, "externalID", p.ExternalID, person.ExternalIDValidator)
		email := email.Normalize(p.Email)
		r.set(person.FieldEmail, email)
		r.invalid("email", person.EmailValidator(email))
		r.set(person.FieldName, p.Name)
		r.invalid("name", person.NameValidator(p.Name))
		optional(r, person.FieldTitle, "title", p.Title, person.TitleValidator)
		optional(r, person.FieldPhone, "phone", p.Phone, person.PhoneValidator)
		optional(r, person.FieldConsentMarketing, "consentMarketing", p.ConsentMarketing, nil)
		optional(r, person.FieldConsentResearch, "consentResearch", p.ConsentResearch, nil)
		rows[i] = r
	}
	return run(ctx, c, dialect, people, rows, allOrNone)
}
