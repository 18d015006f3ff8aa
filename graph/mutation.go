package graph

import (
	"context"
	"errors"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/internal/cascade"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/optimistic"
)

// inTx runs a write (a create, an update, a workflow move, a sync) on the client of the
// mutation's transaction.
func inTx[T any](ctx context.Context, write func(*ent.Client) (T, error)) (T, error) {
	c, err := txClient(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return write(c)
}

// remove deletes the entity of table's type with the id and what hangs off it. The type is
// the mutation's, never the id's: deleteContract with an account's id deletes nothing.
func remove(ctx context.Context, table, id string) (*cascade.Result, error) {
	c, err := txClient(ctx)
	if err != nil {
		return nil, err
	}
	return cascade.Delete(ctx, c, table, id)
}

// jsonContains selects rows whose JSON list column holds the value, for the where-input
// extensions hasRole and hasTopic.
func jsonContains[P ~func(*sql.Selector)](column string, value any) P {
	return func(s *sql.Selector) {
		s.Where(sqljson.ValueContains(s.C(column), value))
	}
}

// complaint moves a complaint along its workflow; the data layer checks the viewer's rights,
// that the feedback is a complaint and the move, and records who made it and when.
func complaint(ctx context.Context, c *ent.Client, id string, move func(*ent.FeedbackUpdateOne)) (*ent.Feedback, error) {
	u := c.Feedback.UpdateOneID(id)
	move(u)
	f, err := u.Save(ctx)
	// The mutation's only input is the id: feedback that is not a complaint is refused on it,
	// not on a status field the caller never sent.
	var e *errs.Error
	if errors.As(err, &e) && e.Kind == errs.Invalid && e.Field == "status" {
		if kind, kerr := c.Feedback.Query().Where(feedback.ID(id)).Select(feedback.FieldKind).String(ctx); kerr == nil && kind != feedback.KindCOMPLAINT.String() {
			return nil, &errs.Error{Kind: errs.Invalid, Field: "id", Message: "is " + kind + " feedback, not a complaint"}
		}
	}
	return f, err
}

// update runs a write that changes the entity of table's type with the id. When the client
// names the version it last read, a stale one is refused with CONFLICT: checked first for a
// clear message, and again by the write itself (versionIs), which catches a change made in
// between. Every read and write is of table's type, never the id's: an id of another type is
// not found, like one that does not exist.
func update[T any](ctx context.Context, table, id string, expected *int, write func(*ent.Client) (T, error)) (T, error) {
	var zero T
	c, err := txClient(ctx)
	if err != nil {
		return zero, err
	}
	if expected != nil {
		current, err := c.VersionOf(ctx, table, id)
		if err != nil {
			return zero, err
		}
		if err := optimistic.Check([]optimistic.Write{{Expected: expected, Current: current}})[0]; err != nil {
			return zero, err
		}
		if err := holdVersion(ctx, c, table, id, *expected); err != nil {
			return zero, err
		}
	}
	v, err := write(c)
	if expected != nil && ent.IsNotFound(err) {
		return zero, optimistic.Changed()
	}
	return v, err
}

// holdVersion checks the version again and locks the row until the transaction ends. It changes
// nothing (the storage layer has MySQL count matched rows, so RowsAffected says whether the
// row is still at the expected version). A change committed since the read above is refused
// here with CONFLICT, before the write's hooks read the row's old values; and from here to
// commit no other writer can change the row, so every later statement of the transaction,
// which reads the latest committed row (READ COMMITTED), sees the version that was checked.
func holdVersion(ctx context.Context, c *ent.Client, table, id string, expected int) error {
	res, err := c.ExecContext(ctx, "UPDATE "+table+" SET version = version WHERE id = ? AND version = ?", id, expected)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return optimistic.Changed()
	}
	return nil
}

// versionIs makes an update apply only to the expected version, when one is given.
func versionIs[P ~func(*sql.Selector)](expected *int) P {
	return func(s *sql.Selector) {
		if expected != nil {
			s.Where(sql.EQ(s.C("version"), *expected))
		}
	}
}
