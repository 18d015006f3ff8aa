// Package cascade deletes an entity together with what hangs off it, the dependent rows
// first, each through the data layer: the access rules apply and the journal records every
// row that goes, so a change feed sees the whole deletion.
package cascade

import (
	"context"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/councilsession"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/ent/team"
	"github.com/stakegraph/stakegraph/ent/usercouncil"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// Result lists what a delete removed: the entity and everything that went with it.
type Result struct {
	DeletedID   string
	CascadedIDs []string
}

// Delete removes the entity of table's type with the id and what hangs off it, on c (a
// transaction, so that a failure part way leaves nothing half deleted). An id of another type
// names no entity of this one: it is refused as an id that does not exist, whatever it names.
func Delete(ctx context.Context, c *ent.Client, table, id string) (*Result, error) {
	if typ, err := ent.IDToType(ctx, id); err != nil || typ != table {
		return nil, errs.NotFoundf("id", "no entity with id %q", id)
	}
	d := &deleter{c: c}
	switch table {
	case account.Table:
		d.account(ctx, id)
	case person.Table:
		d.person(ctx, id)
	case buyingcontact.Table:
		d.buyingContacts(ctx, buyingcontact.ID(id))
	case enduser.Table:
		d.endUsers(ctx, enduser.ID(id))
	case contract.Table:
		d.contracts(ctx, contract.ID(id))
	case usercouncil.Table:
		d.councils(ctx, usercouncil.ID(id))
	case councilmembership.Table:
		d.memberships(ctx, councilmembership.ID(id))
	case councilsession.Table:
		d.sessions(ctx, councilsession.ID(id))
	case interaction.Table:
		d.interactions(ctx, interaction.ID(id))
	case feedback.Table:
		d.feedback(ctx, feedback.ID(id))
	case team.Table:
		d.team(ctx, id)
	default:
		return nil, errs.E(errs.Invalid, "%s cannot be deleted", table)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.deleted) == 0 || d.deleted[len(d.deleted)-1] != id {
		return nil, errs.NotFoundf("id", "no entity with id %q", id)
	}
	return &Result{DeletedID: id, CascadedIDs: d.deleted[:len(d.deleted)-1]}, nil
}

// deleter removes rows in dependency order and remembers what went; after the first error it
// does nothing more.
type deleter struct {
	c       *ent.Client
	deleted []string
	err     error
}

// run finds the ids of rows to delete and deletes them.
func (d *deleter) run(ctx context.Context, find func(context.Context) ([]string, error), del func([]string) error) {
	if d.err != nil {
		return
	}
	ids, err := find(ctx)
	if err != nil || len(ids) == 0 {
		d.err = err
		return
	}
	if d.err = del(ids); d.err == nil {
		d.deleted = append(d.deleted, ids...)
	}
}

// do runs a step that detaches rows instead of deleting them.
func (d *deleter) do(step func() error) {
	if d.err == nil {
		d.err = step()
	}
}

func (d *deleter) account(ctx context.Context, id string) {
	d.do(func() error {
		return d.c.Account.Update().Where(account.ParentID(id)).ClearParent().Exec(ctx)
	})
	d.feedback(ctx, feedback.AccountID(id))
	d.interactions(ctx, interaction.AccountID(id))
	d.contracts(ctx, contract.AccountID(id))
	d.buyingContacts(ctx, buyingcontact.AccountID(id))
	d.endUsers(ctx, enduser.AccountID(id))
	d.councils(ctx, usercouncil.AccountID(id))
	d.run(ctx, d.c.Account.Query().Where(account.ID(id)).IDs, func([]string) error {
		return d.c.Account.DeleteOneID(id).Exec(ctx)
	})
}

func (d *deleter) person(ctx context.Context, id string) {
	d.feedback(ctx, feedback.AuthorID(id))
	d.do(func() error {
		return d.c.Interaction.Update().
			Where(interaction.HasParticipantsWith(person.ID(id))).
			RemoveParticipantIDs(id).Exec(ctx)
	})
	d.do(func() error {
		return d.c.CouncilSession.Update().
			Where(councilsession.HasAttendeesWith(person.ID(id))).
			RemoveAttendeeIDs(id).Exec(ctx)
	})
	d.memberships(ctx, councilmembership.PersonID(id))
	d.buyingContacts(ctx, buyingcontact.PersonID(id))
	d.endUsers(ctx, enduser.PersonID(id))
	d.run(ctx, d.c.Person.Query().Where(person.ID(id)).IDs, func([]string) error {
		return d.c.Person.DeleteOneID(id).Exec(ctx)
	})
}

func (d *deleter) buyingContacts(ctx context.Context, p predicate.BuyingContact) {
	d.run(ctx, d.c.BuyingContact.Query().Where(p).IDs, func(ids []string) error {
		err := d.c.Contract.Update().Where(contract.SignedByIDIn(ids...)).ClearSignedBy().Exec(ctx)
		if err != nil {
			return err
		}
		_, err = d.c.BuyingContact.Delete().Where(buyingcontact.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) endUsers(ctx context.Context, p predicate.EndUser) {
	d.run(ctx, d.c.EndUser.Query().Where(p).IDs, func(ids []string) error {
		_, err := d.c.EndUser.Delete().Where(enduser.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) contracts(ctx context.Context, p predicate.Contract) {
	d.run(ctx, d.c.Contract.Query().Where(p).IDs, func(ids []string) error {
		err := d.c.Feedback.Update().Where(feedback.ContractIDIn(ids...)).ClearContract().Exec(ctx)
		if err != nil {
			return err
		}
		_, err = d.c.Contract.Delete().Where(contract.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) councils(ctx context.Context, p predicate.UserCouncil) {
	d.run(ctx, d.c.UserCouncil.Query().Where(p).IDs, func(ids []string) error {
		d.sessions(ctx, councilsession.CouncilIDIn(ids...))
		d.memberships(ctx, councilmembership.CouncilIDIn(ids...))
		if d.err != nil {
			return d.err
		}
		_, err := d.c.UserCouncil.Delete().Where(usercouncil.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) memberships(ctx context.Context, p predicate.CouncilMembership) {
	d.run(ctx, d.c.CouncilMembership.Query().Where(p).IDs, func(ids []string) error {
		_, err := d.c.CouncilMembership.Delete().Where(councilmembership.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) sessions(ctx context.Context, p predicate.CouncilSession) {
	d.run(ctx, d.c.CouncilSession.Query().Where(p).IDs, func(ids []string) error {
		err := d.c.Feedback.Update().Where(feedback.CouncilSessionIDIn(ids...)).ClearCouncilSession().Exec(ctx)
		if err != nil {
			return err
		}
		err = d.c.CouncilSession.Update().Where(councilsession.IDIn(ids...), councilsession.HasAttendees()).
			ClearAttendees().Exec(ctx)
		if err != nil {
			return err
		}
		_, err = d.c.CouncilSession.Delete().Where(councilsession.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) interactions(ctx context.Context, p predicate.Interaction) {
	d.run(ctx, d.c.Interaction.Query().Where(p).IDs, func(ids []string) error {
		err := d.c.Feedback.Update().Where(feedback.InteractionIDIn(ids...)).ClearInteraction().Exec(ctx)
		if err != nil {
			return err
		}
		err = d.c.Interaction.Update().Where(interaction.IDIn(ids...), interaction.HasParticipants()).
			ClearParticipants().Exec(ctx)
		if err != nil {
			return err
		}
		_, err = d.c.Interaction.Delete().Where(interaction.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) feedback(ctx context.Context, p predicate.Feedback) {
	d.run(ctx, d.c.Feedback.Query().Where(p).IDs, func(ids []string) error {
		_, err := d.c.Feedback.Delete().Where(feedback.IDIn(ids...)).Exec(ctx)
		return err
	})
}

func (d *deleter) team(ctx context.Context, id string) {
	d.do(func() error {
		return d.c.Member.Update().Where(member.TeamID(id)).ClearTeam().Exec(ctx)
	})
	d.run(ctx, d.c.Team.Query().Where(team.ID(id)).IDs, func([]string) error {
		return d.c.Team.DeleteOneID(id).Exec(ctx)
	})
}
