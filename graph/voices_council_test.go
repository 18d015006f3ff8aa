package graph_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

const recordSession = `mutation($in: RecordCouncilSessionInput!) { recordCouncilSession(input: $in) {
	id heldAt feedback(first: 10) { totalCount edges { node { accountID authorID persona channel kind receivedAt councilSessionID } } } } }`

type sessionOut struct {
	ID       string
	HeldAt   string
	Feedback struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				AccountID, AuthorID, Persona, Channel, Kind, ReceivedAt, CouncilSessionID string
			}
		}
	}
}

func (c *client) session(councilID string, held time.Time, attendees []string, feedback []map[string]any) sessionOut {
	c.t.Helper()
	in := map[string]any{"councilID": councilID, "heldAt": ts(held), "attendeeIDs": attendees}
	if feedback != nil {
		in["feedback"] = feedback
	}
	var out struct{ RecordCouncilSession sessionOut }
	c.ok(recordSession, map[string]any{"in": in}, &out)
	return out.RecordCouncilSession
}

func (c *client) sessionCount(councilID string) int {
	c.t.Helper()
	var out struct {
		Node struct{ Sessions struct{ TotalCount int } }
	}
	c.ok(`query($id: ID!) { node(id: $id) { ... on UserCouncil { sessions(first: 1) { totalCount } } } }`, map[string]any{"id": councilID}, &out)
	return out.Node.Sessions.TotalCount
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
		add := `mutation($in: AddCouncilMemberInput!) { addCouncilMember(input: $in) { id } }`
		for _, tc := range []struct {
			name    string
			council string
			person  string
		}{
			{"not related to anyone", board, stranger},
			{"related to another account only", board, oscorpBuyer},
			{"cross-account, related to none", cross, stranger},
		} {
			e := c.fail("BAD_USER_INPUT", add, map[string]any{"in": map[string]any{"councilID": tc.council, "personID": tc.person}})
			if e.Field() != "personID" {
				t.Errorf("%s: refused on field %q (%s), want personID", tc.name, e.Field(), e.Message)
			}
		}
		c.member(board, starkBuyer, time.Time{})  // a buyer of the account
		c.member(board, starkUser, time.Time{})   // an end user of the account
		c.member(cross, oscorpBuyer, time.Time{}) // a buyer of any account
		c.member(cross, starkUser, time.Time{})   // an end user of any account
		c.member(cross, twoAccounts, time.Time{})

		// Attendees must be members; a refused session leaves nothing behind.
		held := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
		in := map[string]any{"councilID": board, "heldAt": ts(held), "attendeeIDs": []string{starkBuyer, oscorpBuyer},
			"feedback": []map[string]any{{"authorID": starkBuyer, "kind": "PRAISE"}}}
		if e := c.fail("BAD_USER_INPUT", recordSession, map[string]any{"in": in}); e.Field() != "attendeeIDs" {
			t.Errorf("a non-member attendee: field %q (%s)", e.Field(), e.Message)
		}
		if n := c.sessionCount(board); n != 0 {
			t.Errorf("%d sessions after a refused one", n)
		}
		if n := c.feedbackCount(stark); n != 0 {
			t.Errorf("%d feedback after a refused session", n)
		}

		// Feedback given at a cross-account session lands on each author's account.
		s := c.session(cross, held, []string{oscorpBuyer, starkUser}, []map[string]any{
			{"authorID": oscorpBuyer, "kind": "NPS", "score": 6},
			{"authorID": starkUser, "kind": "COMMENT", "body": "more dashboards", "topics": []string{"dashboards"}},
		})
		if s.Feedback.TotalCount != 2 {
			t.Fatalf("session feedback: %s", dump(s))
		}
		want := map[string][2]string{oscorpBuyer: {oscorp, "PURCHASER"}, starkUser: {stark, "END_USER"}}
		for _, e := range s.Feedback.Edges {
			n := e.Node
			w := want[n.AuthorID]
			if n.AccountID != w[0] || n.Persona != w[1] || n.Channel != "COUNCIL_SESSION" || n.CouncilSessionID != s.ID ||
				!parseTS(t, n.ReceivedAt).Equal(held) {
				t.Errorf("session feedback %+v, want on %s as %s at %v", n, w[0], w[1], held)
			}
		}
		// On an account's council, the feedback goes on the council's account.
		s = c.session(board, held, []string{starkBuyer}, []map[string]any{{"authorID": starkBuyer, "kind": "CSAT", "score": 4}})
		if n := s.Feedback.Edges[0].Node; s.Feedback.TotalCount != 1 || n.AccountID != stark || n.Persona != "PURCHASER" || n.Channel != "COUNCIL_SESSION" {
			t.Errorf("board session feedback: %s", dump(s))
		}

		// Session feedback follows the persona rules, with the item named in the field.
		before := c.sessionCount(cross)
		for _, tc := range []struct {
			name     string
			feedback map[string]any
			field    string
		}{
			{"author on two accounts", map[string]any{"authorID": twoAccounts, "kind": "PRAISE"}, "feedback[1].authorID"},
			{"wrong persona", map[string]any{"authorID": starkUser, "persona": "PURCHASER", "kind": "PRAISE"}, "feedback[1].persona"},
			// SessionFeedbackInput: "Feedback given at a council session, by one of its attendees."
			{"a member who did not attend", map[string]any{"authorID": oscorpBuyer, "kind": "PRAISE"}, "feedback[1].authorID"},
		} {
			in := map[string]any{"councilID": cross, "heldAt": ts(held), "attendeeIDs": []string{starkUser, twoAccounts},
				"feedback": []map[string]any{{"authorID": starkUser, "kind": "PRAISE"}, tc.feedback}}
			if e := c.fail("BAD_USER_INPUT", recordSession, map[string]any{"in": in}); e.Field() != tc.field {
				t.Errorf("%s: field %q (%s), want %s", tc.name, e.Field(), e.Message, tc.field)
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

		type attendance struct {
			Sessions []struct {
				Session         struct{ HeldAt string }
				Attendees       int
				EligibleMembers int
				Rate            *float64
			}
			Members []struct {
				Membership   struct{ ID string }
				SessionsHeld int
				Attended     int
				Rate         *float64
			}
			Rate *float64
		}
		read := func(id string) attendance {
			var out struct {
				Node struct{ Attendance attendance }
			}
			c.ok(`query($id: ID!) { node(id: $id) { ... on UserCouncil { attendance {
				sessions { session { heldAt } attendees eligibleMembers rate }
				members { membership { id } sessionsHeld attended rate }
				rate } } } }`, map[string]any{"id": id}, &out)
			return out.Node.Attendance
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
			if parseTS(t, s.Session.HeldAt).Format("2006-01-02") != w.held || s.Attendees != w.attendees || s.EligibleMembers != w.eligible {
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
			w, ok := members[m.Membership.ID]
			if !ok || m.SessionsHeld != w.held || m.Attended != w.attended {
				t.Errorf("member %s: %s, want %+v", m.Membership.ID, dump(m), w)
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
