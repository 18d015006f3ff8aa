package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

type sessionOut = gqltest.RecordSessionRecordCouncilSession

func (c *client) session(councilID string, held time.Time, attendees []string, feedback []gqltest.SessionFeedbackInput) sessionOut {
	c.t.Helper()
	return gqltest.Data(gqltest.RecordSession(context.Background(), c.api, gqltest.RecordCouncilSessionInput{CouncilID: councilID,
		HeldAt: held, AttendeeIDs: attendees, Feedback: feedback})).RecordCouncilSession
}

func (c *client) sessionCount(councilID string) int {
	c.t.Helper()
	out := gqltest.Data(gqltest.CouncilSessionCount(context.Background(), c.api, councilID))
	council := asNode[*gqltest.CouncilSessionCountNodeUserCouncil](c.t, out.Node, councilID)
	return council.Sessions.TotalCount
}

// refused checks that the operation failed with BAD_USER_INPUT and returns the field named.
func refused(t *testing.T, err error) string {
	t.Helper()
	code, field := gqltest.Code(err)
	if code != "BAD_USER_INPUT" {
		t.Fatalf("error %v, want BAD_USER_INPUT", err)
	}
	return field
}

func TestCouncilRules(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		stark := c.createAccount("Stark", nil)
		oscorp := c.createAccount("Oscorp", nil)
		starkBuyer := c.buyer(stark, "Pepper Potts")
		starkUser := c.endUser(stark, "Happy Hogan", nil)
		oscorpBuyer := c.buyer(oscorp, "Norman Osborn")
		twoAccounts := c.buyer(stark, "Harry Osborn")
		c.endUser(oscorp, "Harry Osborn", nil)
		stranger := c.person("Peter Parker")

		board := c.council("Stark users", &stark)
		cross := c.council("All users", nil)
		ctx, api := context.Background(), gqltest.WithToken(env, c.tok) // returns the API's errors
		for _, tc := range []struct {
			name    string
			council string
			person  string
		}{
			{"not related to anyone", board, stranger},
			{"related to another account only", board, oscorpBuyer},
			{"cross-account, related to none", cross, stranger},
		} {
			_, err := gqltest.AddCouncilMember(ctx, api, gqltest.AddCouncilMemberInput{CouncilID: tc.council, PersonID: tc.person})
			if f := refused(t, err); f != "personID" {
				t.Errorf("%s: refused on field %q (%v), want personID", tc.name, f, err)
			}
		}
		c.member(board, starkBuyer, time.Time{})  // a buyer of the account
		c.member(board, starkUser, time.Time{})   // an end user of the account
		c.member(cross, oscorpBuyer, time.Time{}) // a buyer of any account
		c.member(cross, starkUser, time.Time{})   // an end user of any account
		c.member(cross, twoAccounts, time.Time{})

		// Attendees must be members; a refused session leaves nothing behind.
		held := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
		_, err := gqltest.RecordSession(ctx, api, gqltest.RecordCouncilSessionInput{CouncilID: board, HeldAt: held,
			AttendeeIDs: []string{starkBuyer, oscorpBuyer},
			Feedback:    []gqltest.SessionFeedbackInput{{AuthorID: starkBuyer, Kind: gqltest.FeedbackKindPraise}}})
		if f := refused(t, err); f != "attendeeIDs" {
			t.Errorf("a non-member attendee: field %q (%v)", f, err)
		}
		if n := c.sessionCount(board); n != 0 {
			t.Errorf("%d sessions after a refused one", n)
		}
		if n := c.feedbackCount(stark); n != 0 {
			t.Errorf("%d feedback after a refused session", n)
		}

		// Feedback given at a cross-account session lands on each author's account.
		s := c.session(cross, held, []string{oscorpBuyer, starkUser}, []gqltest.SessionFeedbackInput{
			{AuthorID: oscorpBuyer, Kind: gqltest.FeedbackKindNps, Score: ptr(6)},
			{AuthorID: starkUser, Kind: gqltest.FeedbackKindComment, Body: ptr("more dashboards"), Topics: []string{"dashboards"}},
		})
		if s.Feedback.TotalCount != 2 {
			t.Fatalf("session feedback: %s", dump(s))
		}
		want := map[string]struct {
			account string
			persona gqltest.Persona
		}{oscorpBuyer: {oscorp, gqltest.PersonaPurchaser}, starkUser: {stark, gqltest.PersonaEndUser}}
		for _, e := range s.Feedback.Edges {
			n := e.Node
			w := want[n.AuthorID]
			if n.AccountID != w.account || n.Persona != w.persona || n.Channel != "COUNCIL_SESSION" ||
				n.CouncilSessionID == nil || *n.CouncilSessionID != s.Id || !n.ReceivedAt.Equal(held) {
				t.Errorf("session feedback %s, want on %s as %s at %v", dump(n), w.account, w.persona, held)
			}
		}
		// On an account's council, the feedback goes on the council's account.
		s = c.session(board, held, []string{starkBuyer}, []gqltest.SessionFeedbackInput{{AuthorID: starkBuyer, Kind: gqltest.FeedbackKindCsat, Score: ptr(4)}})
		if n := s.Feedback.Edges[0].Node; s.Feedback.TotalCount != 1 || n.AccountID != stark || n.Persona != "PURCHASER" || n.Channel != "COUNCIL_SESSION" {
			t.Errorf("board session feedback: %s", dump(s))
		}

		// Session feedback follows the persona rules, with the item named in the field.
		before := c.sessionCount(cross)
		for _, tc := range []struct {
			name     string
			feedback gqltest.SessionFeedbackInput
			field    string
		}{
			{"author on two accounts", gqltest.SessionFeedbackInput{AuthorID: twoAccounts, Kind: gqltest.FeedbackKindPraise}, "feedback[1].authorID"},
			{"wrong persona", gqltest.SessionFeedbackInput{AuthorID: starkUser, Persona: ptr(gqltest.PersonaPurchaser), Kind: gqltest.FeedbackKindPraise},
				"feedback[1].persona"},
			// SessionFeedbackInput: "Feedback given at a council session, by one of its attendees."
			{"a member who did not attend", gqltest.SessionFeedbackInput{AuthorID: oscorpBuyer, Kind: gqltest.FeedbackKindPraise}, "feedback[1].authorID"},
		} {
			_, err := gqltest.RecordSession(ctx, api, gqltest.RecordCouncilSessionInput{CouncilID: cross, HeldAt: held,
				AttendeeIDs: []string{starkUser, twoAccounts},
				Feedback:    []gqltest.SessionFeedbackInput{{AuthorID: starkUser, Kind: gqltest.FeedbackKindPraise}, tc.feedback}})
			if f := refused(t, err); f != tc.field {
				t.Errorf("%s: field %q (%v), want %s", tc.name, f, err, tc.field)
			}
		}
		if after := c.sessionCount(cross); after != before {
			t.Errorf("refused sessions were recorded: %d → %d", before, after)
		}
		if n := c.feedbackCount(stark); n != 2 {
			t.Errorf("Stark has %d feedback, want 2", n)
		}
	})
}

func TestCouncilAttendance(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Avengers", nil)
		p1, p2, p3 := c.buyer(acc, "Steve Rogers"), c.endUser(acc, "Natasha Romanoff", nil), c.endUser(acc, "Sam Wilson", nil)
		board := c.council("Avengers users", &acc)
		m1 := c.member(board, p1, day(2024, 1, 1))
		m2 := c.member(board, p2, day(2024, 1, 1))
		c.leave(m2, day(2024, 3, 15))
		m3 := c.member(board, p3, day(2024, 2, 15))
		c.session(board, day(2024, 4, 1), []string{p3}, nil) // recorded out of order
		c.session(board, day(2024, 2, 1), []string{p1, p2}, nil)
		c.session(board, day(2024, 3, 1), []string{p1, p3}, nil)
		empty := c.council("Quiet council", &acc)
		c.member(empty, p1, time.Time{})

		read := func(id string) gqltest.CouncilAttendanceNodeUserCouncilAttendance {
			t.Helper()
			out := gqltest.Data(gqltest.CouncilAttendance(context.Background(), c.api, id))
			council := asNode[*gqltest.CouncilAttendanceNodeUserCouncil](t, out.Node, id)
			return council.Attendance
		}
		a := read(board)
		// Feb 1: members 1 and 2 (3 joins Feb 15), both came. Mar 1: all three, 1 and 3 came.
		// Apr 1: 1 and 3 (2 left Mar 15), 3 came.
		sessions := []struct {
			held                string
			attendees, eligible int
			rate                float64
		}{
			{"2024-02-01", 2, 2, 1},
			{"2024-03-01", 2, 3, 2.0 / 3},
			{"2024-04-01", 1, 2, 0.5},
		}
		if len(a.Sessions) != len(sessions) {
			t.Fatalf("sessions %s", dump(a.Sessions))
		}
		for i, w := range sessions {
			s := a.Sessions[i]
			if s.Session.HeldAt.Format("2006-01-02") != w.held || s.Attendees != w.attendees || s.EligibleMembers != w.eligible {
				t.Errorf("session %d: %s, want %+v", i, dump(s), w)
			}
			expectFloat(t, w.held+" rate", s.Rate, &w.rate)
		}
		members := map[string]struct {
			held, attended int
			rate           float64
		}{
			m1: {3, 2, 2.0 / 3},
			m2: {2, 1, 0.5},
			m3: {2, 2, 1},
		}
		if len(a.Members) != 3 {
			t.Fatalf("members %s", dump(a.Members))
		}
		for _, m := range a.Members {
			w, ok := members[m.Membership.Id]
			if !ok || m.SessionsHeld != w.held || m.Attended != w.attended {
				t.Errorf("member %s: %s, want %+v", m.Membership.Id, dump(m), w)
				continue
			}
			expectFloat(t, "member rate", m.Rate, &w.rate)
		}
		// Seats taken over seats available: (2 + 2 + 1) / (2 + 3 + 2).
		expectFloat(t, "council rate", a.Rate, ptr(5.0/7))

		a = read(empty)
		if len(a.Sessions) != 0 || a.Rate != nil || len(a.Members) != 1 || a.Members[0].SessionsHeld != 0 || a.Members[0].Rate != nil {
			t.Errorf("a council without sessions: %s", dump(a))
		}
	})
}

func TestCouncilPerceptionAndAccounts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		avengers := c.createAccount("Avengers", nil)
		baxter := c.createAccount("Baxter", nil)
		chitauri := c.createAccount("Chitauri", nil)
		dormammu := c.createAccount("Dormammu", nil)
		steve := c.buyer(avengers, "Steve Rogers")          // board member
		sam := c.endUser(avengers, "Sam Wilson", nil)       // board and cross member …
		c.buyer(chitauri, "Sam Wilson")                     // … who also buys for Chitauri
		nat := c.endUser(avengers, "Natasha Romanoff", nil) // left the board
		c.buyer(dormammu, "Natasha Romanoff")
		clint := c.endUser(avengers, "Clint Barton", nil) // never a member
		reed := c.buyer(baxter, "Reed Richards")          // cross member

		board := c.council("Avengers users", &avengers)
		c.member(board, steve, time.Time{})
		c.member(board, sam, time.Time{})
		c.leave(c.member(board, nat, time.Now().Add(-days(30))), time.Now().Add(-days(1)))
		cross := c.council("Everyone", nil)
		c.member(cross, sam, time.Time{})
		c.member(cross, reed, time.Time{})

		at := time.Now().Add(-time.Hour)
		c.nps(avengers, steve, 10, at)
		c.nps(avengers, sam, 2, at)
		c.nps(chitauri, sam, 10, at) // as Chitauri's buyer
		c.nps(avengers, nat, 0, at)  // no longer a member
		c.nps(avengers, clint, 0, at)
		c.nps(baxter, reed, 6, at)

		// The board: its current members' feedback on its account: Steve 10, Sam 2.
		p, accounts := c.councilPerception(board)
		if p.Purchaser.NpsResponses != 1 || p.EndUser.NpsResponses != 1 {
			t.Errorf("board responses %d/%d, want 1/1", p.Purchaser.NpsResponses, p.EndUser.NpsResponses)
		}
		expectFloat(t, "board purchaser NPS", p.Purchaser.Nps, ptr(100.0))
		expectFloat(t, "board end-user NPS", p.EndUser.Nps, ptr(-100.0))
		expectFloat(t, "board gap", p.NpsGap, ptr(200.0))
		// The accounts its current members buy for or use the product at.
		if !sameList(accounts, []string{"Avengers", "Chitauri"}) {
			t.Errorf("board accounts %v, want [Avengers Chitauri]", accounts)
		}

		// The cross-account council: its members' feedback anywhere: buyers Sam at Chitauri (10)
		// and Reed at Baxter (6) → 0; end user Sam at Avengers (2) → −100.
		p, accounts = c.councilPerception(cross)
		if p.Purchaser.NpsResponses != 2 || p.EndUser.NpsResponses != 1 {
			t.Errorf("cross responses %d/%d, want 2/1", p.Purchaser.NpsResponses, p.EndUser.NpsResponses)
		}
		expectFloat(t, "cross purchaser NPS", p.Purchaser.Nps, ptr(0.0))
		expectFloat(t, "cross end-user NPS", p.EndUser.Nps, ptr(-100.0))
		expectFloat(t, "cross gap", p.NpsGap, ptr(100.0))
		if !sameList(accounts, []string{"Avengers", "Baxter", "Chitauri"}) {
			t.Errorf("cross accounts %v, want [Avengers Baxter Chitauri]", accounts)
		}
	})
}
