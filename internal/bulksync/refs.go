package bulksync

import (
	"context"

	"fmt"

	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/email"
)

// The types an item can refer to.
const (
	typeAccount       = "Account"
	typePerson        = "Person"
	typeBuyingContact = "BuyingContact"
	typeContract      = "Contract"
	typeInteraction   = "Interaction"
	typeMember        = "Member" // by id: members are the seller's staff, not synced
)

func describe(typ string) string {
	switch typ {
	case typeAccount:
		return "account"
	case typePerson:
		return "person"
	case typeBuyingContact:
		return "buying contact"
	case typeContract:
		return "contract"
	case typeInteraction:
		return "interaction"
	case typeMember:
		return "member"
	}
	return typ
}

// keyed is a row found by a key.
type keyed struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"external_id"`
}

// lookup finds the ids of the rows of a type by external id (a person also by email, a member
// by id), through the access rules like any read.
func lookup(ctx context.Context, b *batch, typ string, byMail bool, keys []string) (map[string]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var rows []keyed
	var err error
	switch {
	case typ == typeAccount:
		err = b.client.Account.Query().Where(account.ExternalIDIn(keys...)).
			Select(account.FieldID, account.FieldExternalID).Scan(ctx, &rows)
	case typ == typePerson && byMail:
		for i := range keys {
			keys[i] = email.Normalize(keys[i])
		}
		var people []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		}
		err = b.client.Person.Query().Where(person.EmailIn(keys...)).
			Select(person.FieldID, person.FieldEmail).Scan(ctx, &people)
		for _, p := range people {
			email := p.Email
			rows = append(rows, keyed{ID: p.ID, ExternalID: &email})
		}
	case typ == typePerson:
		err = b.client.Person.Query().Where(person.ExternalIDIn(keys...)).
			Select(person.FieldID, person.FieldExternalID).Scan(ctx, &rows)
	case typ == typeBuyingContact:
		err = b.client.BuyingContact.Query().Where(buyingcontact.ExternalIDIn(keys...)).
			Select(buyingcontact.FieldID, buyingcontact.FieldExternalID).Scan(ctx, &rows)
	case typ == typeContract:
		err = b.client.Contract.Query().Where(contract.ExternalIDIn(keys...)).
			Select(contract.FieldID, contract.FieldExternalID).Scan(ctx, &rows)
	case typ == typeInteraction:
		err = b.client.Interaction.Query().Where(interaction.ExternalIDIn(keys...)).
			Select(interaction.FieldID, interaction.FieldExternalID).Scan(ctx, &rows)
	case typ == typeMember:
		var ids []string
		ids, err = b.client.Member.Query().Where(member.IDIn(keys...)).IDs(ctx)
		for _, id := range ids {
			id := id
			rows = append(rows, keyed{ID: id, ExternalID: &id})
		}
	default:
		return nil, fmt.Errorf("bulksync: no look-up for %s", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("resolving %s references: %w", describe(typ), err)
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		if r.ExternalID != nil {
			out[*r.ExternalID] = r.ID
		}
	}
	return out, nil
}
