package derived

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/privacy"
)

// An EndUserSeat is what decides whether an end user holds one of its account's active seats.
type EndUserSeat struct {
	Account  string
	Status   enduser.Status
	Licensed bool
}

// seatStatus and seatLicensed say which end users hold an active seat, once for the count
// (holdsSeat, in SQL) and the moves (holds).
const (
	seatStatus   = enduser.StatusACTIVE
	seatLicensed = true
)

// holdsSeat selects the end users that hold an active seat.
var holdsSeat = enduser.And(enduser.StatusEQ(seatStatus), enduser.Licensed(seatLicensed))

// holds reports whether the end user holds an active seat.
func (s *EndUserSeat) holds() bool {
	return s != nil && s.Status == seatStatus && s.Licensed == seatLicensed
}

// A SeatMove is one end user's write: its seat before (nil when created) and after (nil when
// deleted).
type SeatMove struct{ Before, After *EndUserSeat }

// MoveActiveSeats keeps the accounts' active seats in step with the writes of their end
// users, from each one's state before and after: every writer (the end user hook, bulk sync)
// calls it with its batch. An account whose count does not move is not written. The writer
// must have read each before state under the end user's row lock, so that two writes of one
// end user cannot both count the same move.
func MoveActiveSeats(ctx context.Context, c *gen.Client, tenantID string, moves []SeatMove) error {
	changes := map[string]int{}
	for _, m := range moves {
		if m.Before.holds() {
			changes[m.Before.Account]--
		}
		if m.After.holds() {
			changes[m.After.Account]++
		}
	}
	return addActiveSeats(ctx, c, tenantID, changes)
}

// addActiveSeats adds to the accounts' active seats their end users that took a seat, less
// those that gave one up: one upsert, no recount. An account
// without an AccountPulse has no active licensed end users (a write that makes one keeps the
// row), so its change is its count. The upsert locks each row and adds to what is committed,
// so overlapping writers of an account add up, and a refresh that recounts takes the same lock
// before it counts.
func addActiveSeats(ctx context.Context, c *gen.Client, tenantID string, changes map[string]int) error {
	var ids []string
	for id, n := range changes {
		if n != 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	err := inBatches(ids, func(ids []string) error {
		bulk := make([]*gen.AccountPulseCreate, len(ids))
		for i, id := range ids {
			bulk[i] = c.AccountPulse.Create().SetTenantID(tenantID).SetAccountID(id).SetActiveSeats(changes[id])
		}
		return c.AccountPulse.CreateBulk(bulk...).
			OnConflict(sql.ConflictColumns(accountpulse.FieldAccountID), sql.ResolveWith(sumActiveSeats)).
			Exec(ctx)
	})
	if err != nil {
		return fmt.Errorf("adding active seats: %w", err)
	}
	return nil
}

// sumActiveSeats sets a conflicting row's active seats to its own plus the inserted row's.
func sumActiveSeats(u *sql.UpdateSet) {
	column := accountpulse.FieldActiveSeats
	u.Set(column, sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString(u.Table().C(column)).WriteString(" + ")
		if u.Dialect() == dialect.MySQL {
			b.WriteString("VALUES(").Ident(column).WriteByte(')')
		} else {
			b.WriteString(sql.Dialect(u.Dialect()).Table("excluded").C(column))
		}
	}))
}
