package schema

import (
	"context"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// accountMutation is what the mutations of the types that move an account's signals share.
type accountMutation interface {
	ent.Mutation
	AccountID() (string, bool)
	IDs(ctx context.Context) ([]string, error)
	Client() *gen.Client
}

// maintainPulse keeps the signal of the AccountPulse of the accounts a mutation touches in
// step, in the same transaction: after a create or a delete, and after an update that sets or
// clears one of the signal's Fields. accountsOf reads the accounts of existing
// rows (before an update or a delete; a row's account never changes).
func maintainPulse[M accountMutation](signal derived.Signal, accountsOf func(ctx context.Context, c *gen.Client, ids []string) ([]string, error)) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, mutation ent.Mutation) (ent.Value, error) {
			m, ok := mutation.(M)
			v, hasViewer := viewer.FromContext(ctx)
			if !ok || !hasViewer || m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && !changesAny(m, signal.Fields()) {
				return next.Mutate(ctx, mutation)
			}
			var accounts []string
			if m.Op().Is(ent.OpCreate) {
				if id, ok := m.AccountID(); ok {
					accounts = append(accounts, id)
				}
			} else {
				ids, err := m.IDs(ctx)
				if err != nil {
					return nil, err
				}
				if len(ids) > 0 {
					if accounts, err = accountsOf(privacy.DecisionContext(ctx, privacy.Allow), m.Client(), ids); err != nil {
						return nil, err
					}
				}
			}
			value, err := next.Mutate(ctx, mutation)
			if err != nil || len(accounts) == 0 {
				return value, err
			}
			return value, derived.RefreshPulse(ctx, m.Client(), v.TenantID, accounts, signal)
		})
	}
}

// changesAny reports whether the mutation sets or clears one of the fields.
func changesAny(m ent.Mutation, fields []string) bool {
	return slices.ContainsFunc(append(m.Fields(), m.ClearedFields()...), func(f string) bool { return slices.Contains(fields, f) })
}

var (
	pulseOfInteractions = maintainPulse[*gen.InteractionMutation](derived.Interactions, func(ctx context.Context, c *gen.Client, ids []string) ([]string, error) {
		return c.Interaction.Query().Where(interaction.IDIn(ids...)).Select(interaction.FieldAccountID).Strings(ctx)
	})
	pulseOfContracts = maintainPulse[*gen.ContractMutation](derived.Contracts, func(ctx context.Context, c *gen.Client, ids []string) ([]string, error) {
		return c.Contract.Query().Where(contract.IDIn(ids...)).Select(contract.FieldAccountID).Strings(ctx)
	})
	// Only complaints move the signal: a new piece of other feedback is left alone.
	pulseOfComplaints = hook.If(maintainPulse[*gen.FeedbackMutation](derived.Complaints, func(ctx context.Context, c *gen.Client, ids []string) ([]string, error) {
		return c.Feedback.Query().Where(feedback.IDIn(ids...)).Select(feedback.FieldAccountID).Strings(ctx)
	}), func(ctx context.Context, m ent.Mutation) bool {
		fm, ok := m.(*gen.FeedbackMutation)
		if !ok {
			return false
		}
		if kind, set := fm.Kind(); fm.Op().Is(ent.OpCreate) {
			return set && kind == feedback.KindCOMPLAINT
		}
		return true
	})
)

// pulseOfEndUsers keeps the active seats of the end users' accounts in step, from each written
// end user's seat before and after: the rule bulk sync applies to its batches, for the
// mutation's rows. An update that changes neither status nor licence moves no seat.
var pulseOfEndUsers = hook.On(func(next ent.Mutator) ent.Mutator {
	return hook.EndUserFunc(func(ctx context.Context, m *gen.EndUserMutation) (ent.Value, error) {
		v, hasViewer := viewer.FromContext(ctx)
		if !hasViewer || m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) && !changesAny(m, derived.EndUsers.Fields()) {
			return next.Mutate(ctx, m)
		}
		var before []*derived.EndUserSeat
		if !m.Op().Is(ent.OpCreate) {
			var err error
			if before, err = seatsBefore(ctx, m); err != nil {
				return nil, err
			}
		}
		value, err := next.Mutate(ctx, m)
		if err != nil {
			return value, err
		}
		var moves []derived.SeatMove
		if m.Op().Is(ent.OpCreate) {
			account, _ := m.AccountID()
			status, _ := m.Status()
			licensed, _ := m.Licensed()
			moves = append(moves, derived.SeatMove{After: &derived.EndUserSeat{Account: account, Status: status, Licensed: licensed}})
		}
		for _, seat := range before {
			move := derived.SeatMove{Before: seat}
			if m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
				after := *seat
				if status, ok := m.Status(); ok {
					after.Status = status
				}
				if licensed, ok := m.Licensed(); ok {
					after.Licensed = licensed
				}
				move.After = &after
			}
			moves = append(moves, move)
		}
		return value, derived.MoveActiveSeats(ctx, m.Client(), v.TenantID, moves)
	})
}, ent.OpCreate|ent.OpUpdate|ent.OpUpdateOne|ent.OpDelete|ent.OpDeleteOne)

// seatsBefore reads the seats of the end users a mutation updates or deletes, under their row
// locks: a concurrent write of one of them waits, and cannot move the same seat.
func seatsBefore(ctx context.Context, m *gen.EndUserMutation) ([]*derived.EndUserSeat, error) {
	ids, err := m.IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	rows, err := m.Client().EndUser.Query().
		Where(enduser.IDIn(ids...), func(s *sql.Selector) { derived.LockRows(s) }).
		Select(enduser.FieldAccountID, enduser.FieldStatus, enduser.FieldLicensed).
		All(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return nil, err
	}
	seats := make([]*derived.EndUserSeat, len(rows))
	for i, r := range rows {
		seats[i] = &derived.EndUserSeat{Account: r.AccountID, Status: r.Status, Licensed: r.Licensed}
	}
	return seats, nil
}
