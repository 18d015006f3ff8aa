package feedbackrule

import (
	"context"
	"fmt"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// Author is a person speaking about an account.
type Author struct{ Account, Person string }

// Relation is what an author is at the account.
type Relation struct{ Buyer, User bool }

// Relations reads what each author is at their account, with one query per relationship for
// the whole batch.
func Relations(ctx context.Context, c *ent.Client, authors []Author) (map[Author]Relation, error) {
	out := make(map[Author]Relation, len(authors))
	if len(authors) == 0 {
		return out, nil
	}
	accounts, people := distinct(authors)
	mark := func(what string, scan func(any) error, set func(*Relation)) error {
		var pairs []struct {
			AccountID string `json:"account_id"`
			PersonID  string `json:"person_id"`
		}
		if err := scan(&pairs); err != nil {
			return fmt.Errorf("reading %s: %w", what, err)
		}
		for _, p := range pairs {
			a := Author{p.AccountID, p.PersonID}
			rel := out[a]
			set(&rel)
			out[a] = rel
		}
		return nil
	}
	buyers := c.BuyingContact.Query().
		Where(buyingcontact.AccountIDIn(accounts...), buyingcontact.PersonIDIn(people...)).
		Select(buyingcontact.FieldAccountID, buyingcontact.FieldPersonID)
	if err := mark("buying contacts", func(v any) error { return buyers.Scan(ctx, v) }, func(r *Relation) { r.Buyer = true }); err != nil {
		return nil, err
	}
	users := c.EndUser.Query().
		Where(enduser.AccountIDIn(accounts...), enduser.PersonIDIn(people...)).
		Select(enduser.FieldAccountID, enduser.FieldPersonID)
	if err := mark("end users", func(v any) error { return users.Scan(ctx, v) }, func(r *Relation) { r.User = true }); err != nil {
		return nil, err
	}
	return out, nil
}

// Persona returns the voice feedback is given in: the given persona when the author has it at
// the account, else the one relationship the author has. An author who is both must say which.
// A refusal names persona, or authorID when the author is neither.
func Persona(given *enum.Persona, rel Relation) (enum.Persona, *errs.Error) {
	switch {
	case given != nil && *given == enum.PersonaPurchaser && !rel.Buyer:
		return "", errs.Invalidf("persona", "is PURCHASER, but the author is not a buying contact of the account")
	case given != nil && *given == enum.PersonaEndUser && !rel.User:
		return "", errs.Invalidf("persona", "is END_USER, but the author is not an end user of the account")
	case given != nil:
		return *given, nil
	case rel.Buyer && rel.User:
		return "", errs.Invalidf("persona", "is required: the author is both a buying contact and an end user of the account")
	case rel.Buyer:
		return enum.PersonaPurchaser, nil
	case rel.User:
		return enum.PersonaEndUser, nil
	}
	return "", errs.Invalidf("authorID", "is neither a buying contact nor an end user of the account")
}

func distinct(authors []Author) (accounts, people []string) {
	seenAccount, seenPerson := map[string]bool{}, map[string]bool{}
	for _, a := range authors {
		if !seenAccount[a.Account] {
			seenAccount[a.Account] = true
			accounts = append(accounts, a.Account)
		}
		if !seenPerson[a.Person] {
			seenPerson[a.Person] = true
			people = append(people, a.Person)
		}
	}
	return accounts, people
}
