// Package sameaccount holds the rule that a record links only to records of its own account:
// feedback to a contract, an interaction or a council session of its account, a contract to
// a signer who is a buying contact of its account. The ent hooks call it with a batch of one,
// bulk sync with its batch.
package sameaccount

import (
	"context"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilsession"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/usercouncil"
)

// Target is the kind of record a link points at.
type Target int

// The targets.
const (
	Contract Target = iota
	Interaction
	Signer // a contract's signer: a buying contact
	CouncilSession
)

// Link is one record's link: the account the record belongs to, and the id it links to.
type Link struct{ Account, Target string }

// Outcome is the rule's answer for one link.
type Outcome struct {
	Missing bool   // no such target, or not one the caller may see
	Refusal string // why the target may not be linked; "" when it may
}

// Check reads the accounts of the links' targets with one query and answers per link.
func Check(ctx context.Context, c *ent.Client, target Target, links []Link) ([]Outcome, error) {
	out := make([]Outcome, len(links))
	if len(links) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(links))
	seen := map[string]bool{}
	for _, l := range links {
		if !seen[l.Target] {
			seen[l.Target] = true
			ids = append(ids, l.Target)
		}
	}
	owners, err := accounts(ctx, c, target, ids)
	if err != nil {
		return nil, err
	}
	for i, l := range links {
		owner, found := owners[l.Target]
		switch {
		case !found:
			out[i].Missing = true
		case owner == nil: // a council of the whole tenant: any account's feedback may name it
		case *owner != l.Account:
			out[i].Refusal = refusals[target]
		}
	}
	return out, nil
}

var refusals = map[Target]string{
	Contract:       "belongs to another account",
	Interaction:    "belongs to another account",
	Signer:         "must be a buying contact of the contract's account",
	CouncilSession: "belongs to a council of another account",
}

// accounts maps each target id found to its account (nil for a council of no account).
func accounts(ctx context.Context, c *ent.Client, target Target, ids []string) (map[string]*string, error) {
	var rows []struct {
		ID        string  `json:"id"`
		AccountID *string `json:"account_id"`
	}
	var err error
	switch target {
	case Contract:
		err = c.Contract.Query().Where(contract.IDIn(ids...)).
			Select(contract.FieldID, contract.FieldAccountID).Scan(ctx, &rows)
	case Interaction:
		err = c.Interaction.Query().Where(interaction.IDIn(ids...)).
			Select(interaction.FieldID, interaction.FieldAccountID).Scan(ctx, &rows)
	case Signer:
		err = c.BuyingContact.Query().Where(buyingcontact.IDIn(ids...)).
			Select(buyingcontact.FieldID, buyingcontact.FieldAccountID).Scan(ctx, &rows)
	case CouncilSession:
		sessions, qerr := c.CouncilSession.Query().Where(councilsession.IDIn(ids...)).
			WithCouncil(func(q *ent.UserCouncilQuery) { q.Select(usercouncil.FieldID, usercouncil.FieldAccountID) }).
			All(ctx)
		out := make(map[string]*string, len(sessions))
		for _, s := range sessions {
			if s.Edges.Council != nil {
				out[s.ID] = s.Edges.Council.AccountID
			}
		}
		return out, qerr
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]*string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.AccountID
	}
	return out, nil
}
