package schema

import (
	"context"
	"slices"
	"strings"
	"time"

	"entgo.io/ent"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/internal/email"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/hierarchy"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/primarycontact"
	"github.com/stakegraph/stakegraph/internal/sameaccount"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// normalizeEmail stores email addresses trimmed and in lower case, so that uniqueness and
// look-ups do not depend on how a client spelled them.
func normalizeEmail(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if v, ok := m.Field("email"); ok {
			if s, ok := v.(string); ok {
				if err := m.SetField("email", email.Normalize(s)); err != nil {
					return nil, err
				}
			}
		}
		return next.Mutate(ctx, m)
	})
}

// parentInHierarchy refuses a parent that would make a loop or a hierarchy deeper than
// hierarchy.MaxLevels: the rule of bulk sync's batches, for a batch of one.
var parentInHierarchy = hook.On(func(next ent.Mutator) ent.Mutator {
	return hook.AccountFunc(func(ctx context.Context, m *gen.AccountMutation) (ent.Value, error) {
		parent, ok := m.ParentID()
		if !ok {
			return next.Mutate(ctx, m)
		}
		id, _ := m.ID()
		tenantID, _, err := after[string](ctx, m, account.FieldTenantID)
		if err != nil {
			return nil, err
		}
		refusals, err := hierarchy.Refusals(ctx, m.Client(), tenantID, []hierarchy.Link{{Account: id, Parent: parent, Stored: m.Op().Is(ent.OpUpdateOne)}})
		if err != nil {
			return nil, err
		}
		if refusals[0] != "" {
			return nil, errs.Invalidf("parentID", "%s", refusals[0])
		}
		return next.Mutate(ctx, m)
	})
}, ent.OpCreate|ent.OpUpdateOne)

// buyingRoles stores a buying contact's roles without duplicates, and keeps at most one
// primary buying contact per account: marking one primary demotes the previous one.
var buyingRoles = func(next ent.Mutator) ent.Mutator {
	return hook.BuyingContactFunc(func(ctx context.Context, m *gen.BuyingContactMutation) (ent.Value, error) {
		if roles, ok := m.Roles(); ok {
			unique := make([]enum.BuyingRole, 0, len(roles))
			for _, r := range roles {
				if !slices.Contains(enum.BuyingRoles, r) {
					return nil, errs.Invalidf("roles", "%q is not a buying role", r)
				}
				if !slices.Contains(unique, r) {
					unique = append(unique, r)
				}
			}
			m.SetRoles(unique)
		}
		if primary, ok := m.Primary(); ok && primary && m.Op().Is(ent.OpCreate|ent.OpUpdateOne) {
			if err := demotePrimaries(ctx, m); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// demotePrimaries makes the contact the account's only primary one: the rule of bulk sync's
// batches, for a batch of one, journaled as bulk sync journals it.
func demotePrimaries(ctx context.Context, m *gen.BuyingContactMutation) error {
	accountID, _, err := after[string](ctx, m, buyingcontact.FieldAccountID)
	if err != nil {
		return err
	}
	tenantID, _, err := after[string](ctx, m, buyingcontact.FieldTenantID)
	if err != nil {
		return err
	}
	id, _ := m.ID()
	changes, err := primarycontact.Demote(ctx, m.Client(), tenantID, time.Now().UTC(), []primarycontact.Claim{{Account: accountID, Contact: id}})
	if err != nil || len(changes) == 0 {
		return err
	}
	return journal.Append(ctx, changes...)
}

// relatedToAccount reports whether the person buys for or uses the product at the account;
// with an empty account, at any account of the tenant.
func relatedToAccount(ctx context.Context, c *gen.Client, personID string, accountID *string) (bool, error) {
	bc := c.BuyingContact.Query().Where(buyingcontact.PersonID(personID))
	eu := c.EndUser.Query().Where(enduser.PersonID(personID))
	if accountID != nil {
		bc = bc.Where(buyingcontact.AccountID(*accountID))
		eu = eu.Where(enduser.AccountID(*accountID))
	} else {
		ctx = rule.TenantWide(ctx)
	}
	if ok, err := bc.Exist(ctx); err != nil || ok {
		return ok, err
	}
	return eu.Exist(ctx)
}

// councilMember refuses a council member who is neither a buyer nor an end user of the
// council's account, or of any account for a cross-account council.
var councilMember = hook.On(func(next ent.Mutator) ent.Mutator {
	return hook.CouncilMembershipFunc(func(ctx context.Context, m *gen.CouncilMembershipMutation) (ent.Value, error) {
		councilID, okC := m.CouncilID()
		personID, okP := m.PersonID()
		if okC && okP {
			council, err := m.Client().UserCouncil.Get(ctx, councilID)
			if err != nil {
				return nil, err
			}
			related, err := relatedToAccount(ctx, m.Client(), personID, council.AccountID)
			if err != nil {
				return nil, err
			}
			if !related {
				where := "the council's account"
				if council.AccountID == nil {
					where = "any account"
				}
				return nil, errs.Invalidf("personID", "is neither a buying contact nor an end user of %s", where)
			}
		}
		return next.Mutate(ctx, m)
	})
}, ent.OpCreate)

// sessionAttendees refuses attendees who are not members of the session's council.
var sessionAttendees = func(next ent.Mutator) ent.Mutator {
	return hook.CouncilSessionFunc(func(ctx context.Context, m *gen.CouncilSessionMutation) (ent.Value, error) {
		attendees := m.AttendeesIDs()
		if len(attendees) == 0 {
			return next.Mutate(ctx, m)
		}
		councilID, _, err := after[string](ctx, m, "council_id")
		if err != nil {
			return nil, err
		}
		heldAt, _, err := after[time.Time](ctx, m, "held_at")
		if err != nil {
			return nil, err
		}
		members, err := m.Client().CouncilMembership.Query().
			Where(councilmembership.CouncilID(councilID), councilmembership.PersonIDIn(attendees...)).
			All(rule.TenantWide(ctx))
		if err != nil {
			return nil, err
		}
		for _, p := range attendees {
			i := slices.IndexFunc(members, func(cm *gen.CouncilMembership) bool { return cm.PersonID == p })
			switch {
			case i < 0:
				return nil, errs.Invalidf("attendeeIDs", "%s is not a member of the council", p)
			case members[i].LeftAt != nil && members[i].LeftAt.Before(heldAt):
				// Joining after the session is allowed: a membership is often recorded late.
				return nil, errs.Invalidf("attendeeIDs", "%s had left the council before %s", p, heldAt.UTC().Format(time.DateOnly))
			}
		}
		return next.Mutate(ctx, m)
	})
}

// contractRules keeps currency codes in upper case and refuses a signer from another account.
var contractRules = func(next ent.Mutator) ent.Mutator {
	return hook.ContractFunc(func(ctx context.Context, m *gen.ContractMutation) (ent.Value, error) {
		if c, ok := m.Currency(); ok {
			m.SetCurrency(strings.ToUpper(strings.TrimSpace(c)))
		}
		if signer, ok := m.SignedByID(); ok {
			accountID, _, err := after[string](ctx, m, "account_id")
			if err != nil {
				return nil, err
			}
			if err := onSameAccount(ctx, m.Client(), sameaccount.Signer, "signedByID", accountID, signer); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// onSameAccount applies the same-account rule to one link of a mutation.
func onSameAccount(ctx context.Context, c *gen.Client, target sameaccount.Target, field, accountID, id string) error {
	outcomes, err := sameaccount.Check(ctx, c, target, []sameaccount.Link{{Account: accountID, Target: id}})
	if err != nil {
		return err
	}
	switch o := outcomes[0]; {
	case o.Missing:
		return errs.NotFoundf(field, "no such record, or not one you may see")
	case o.Refusal != "":
		return errs.Invalidf(field, "%s", o.Refusal)
	}
	return nil
}
