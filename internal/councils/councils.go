// Package councils reports on user councils: the perception of their members, who attends
// their sessions, and the accounts their members come from.
package councils

import (
	"context"
	"fmt"
	"slices"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/councilsession"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/perception"
)

// currentMember selects the council's people who have not left it.
func currentMember(councilID string) predicate.Person {
	return person.HasCouncilMembershipsWith(councilmembership.CouncilID(councilID), councilmembership.LeftAtIsNil())
}

// Perception measures the feedback of the council's current members: on the council's account,
// or on any account for a cross-account council.
func Perception(ctx context.Context, c *ent.Client, council *ent.UserCouncil, w perception.Window) (*perception.Perception, error) {
	which := []predicate.Feedback{feedback.HasAuthorWith(currentMember(council.ID))}
	if council.AccountID != nil {
		which = append(which, feedback.AccountID(*council.AccountID))
	}
	return perception.Of(ctx, c, feedback.And(which...), w)
}

// Accounts returns the visible accounts that the council's current members buy for or use the
// product at, by name.
func Accounts(ctx context.Context, c *ent.Client, councilID string) ([]*ent.Account, error) {
	return c.Account.Query().
		Where(account.Or(
			account.HasBuyingContactsWith(buyingcontact.HasPersonWith(currentMember(councilID))),
			account.HasEndUsersWith(enduser.HasPersonWith(currentMember(councilID))),
		)).
		Order(account.ByName(), account.ByID()).
		All(ctx)
}

// SessionAttendance is who came to one session.
type SessionAttendance struct {
	Session         *ent.CouncilSession
	Attendees       int
	EligibleMembers int      // members of the council on the day
	Rate            *float64 // attendees among the eligible members
}

// MemberAttendance is how often one member came.
type MemberAttendance struct {
	Membership   *ent.CouncilMembership
	SessionsHeld int // sessions held while they were a member
	Attended     int
	Rate         *float64
}

// Attendance is a council's attendance per session and per member.
type Attendance struct {
	Sessions []SessionAttendance
	Members  []MemberAttendance
	Rate     *float64 // seats taken over seats available, across all sessions
}

// AttendanceOf reports the council's attendance. It reads the sessions with their attendees and
// the memberships: two queries, whatever the council's size.
func AttendanceOf(ctx context.Context, c *ent.Client, councilID string) (*Attendance, error) {
	sessions, err := c.CouncilSession.Query().
		Where(councilsession.CouncilID(councilID)).
		WithAttendees(func(q *ent.PersonQuery) { q.Select(person.FieldID) }).
		Order(councilsession.ByHeldAt(), councilsession.ByID()).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading sessions: %w", err)
	}
	members, err := c.CouncilMembership.Query().
		Where(councilmembership.CouncilID(councilID)).
		Order(councilmembership.ByJoinedAt(), councilmembership.ByID()).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading members: %w", err)
	}
	a := &Attendance{}
	held := make([]int, len(members))
	attended := make([]int, len(members))
	seats, taken := 0, 0
	for _, s := range sessions {
		came := make([]string, len(s.Edges.Attendees))
		for i, p := range s.Edges.Attendees {
			came[i] = p.ID
		}
		sa := SessionAttendance{Session: s, Attendees: len(came)}
		for i, m := range members {
			if m.JoinedAt.After(s.HeldAt) || (m.LeftAt != nil && m.LeftAt.Before(s.HeldAt)) {
				continue
			}
			sa.EligibleMembers++
			held[i]++
			if slices.Contains(came, m.PersonID) {
				attended[i]++
			}
		}
		sa.Rate = ratio(sa.Attendees, sa.EligibleMembers)
		seats += sa.EligibleMembers
		taken += min(sa.Attendees, sa.EligibleMembers)
		a.Sessions = append(a.Sessions, sa)
	}
	for i, m := range members {
		a.Members = append(a.Members, MemberAttendance{
			Membership: m, SessionsHeld: held[i], Attended: attended[i], Rate: ratio(attended[i], held[i]),
		})
	}
	a.Rate = ratio(taken, seats)
	return a, nil
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	if r > 1 {
		r = 1
	}
	return &r
}
