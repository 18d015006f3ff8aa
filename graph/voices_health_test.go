package graph_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

type healthOut = gqltest.HealthFields

// factor returns the value and subscore of the factor of the health.
func factor(t *testing.T, h healthOut, name string) (value *float64, subscore float64) {
	t.Helper()
	for _, f := range h.Factors {
		if string(f.Name) == name {
			return f.Value, f.Subscore
		}
	}
	t.Fatalf("%s: no factor %s", h.Account.Name, name)
	return nil, 0
}

// checkHealth verifies the sums and the factors' values and subscores against want (factor →
// value, nil for unknown; and subscore).
func checkHealth(t *testing.T, h healthOut, score float64, band string, want map[string]struct {
	value    *float64
	subscore float64
}) {
	t.Helper()
	sum, weights := 0.0, 0.0
	for _, f := range h.Factors {
		sum += f.Contribution
		weights += f.Weight
		if math.Abs(f.Contribution-f.Weight*f.Subscore) > eps {
			t.Errorf("%s %s: contribution %v ≠ %v × %v", h.Account.Name, f.Name, f.Contribution, f.Weight, f.Subscore)
		}
	}
	if math.Abs(sum-h.Score) > eps || math.Abs(weights-100) > eps || len(h.Factors) != 8 {
		t.Errorf("%s: %d factors, contributions %v, weights %v, score %v", h.Account.Name, len(h.Factors), sum, weights, h.Score)
	}
	if math.Abs(h.Score-score) > 1e-6 || string(h.Band) != band {
		t.Errorf("%s: score %v %s, want %v %s", h.Account.Name, h.Score, h.Band, score, band)
	}
	for name, w := range want {
		v, s := factor(t, h, name)
		if !sameFloat(v, w.value) || math.Abs(s-w.subscore) > 1e-6 {
			t.Errorf("%s %s: value %s subscore %v, want %s %v", h.Account.Name, name, show(v), s, show(w.value), w.subscore)
		}
	}
}

type fv = struct {
	value    *float64
	subscore float64
}

func (c *client) healthOf(accountID string) healthOut {
	c.t.Helper()
	out := gqltest.Data(gqltest.AccountHealth(context.Background(), c.api, accountID))
	acc := asNode[*gqltest.AccountHealthNodeAccount](c.t, out.Node, accountID)
	return acc.Health.HealthFields
}

type healthPage = gqltest.AtRiskAccountsAtRiskAccountsAccountHealthConnection

// riskNames lists the accounts of a page in order.
func riskNames(p healthPage) []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.Account.Name)
	}
	return out
}

// riskArgs are the arguments of atRiskAccounts; a nil first asks for 50.
type riskArgs struct {
	first *int
	after *string
	where *gqltest.AccountHealthFilter
}

func (c *client) atRisk(args riskArgs) healthPage {
	c.t.Helper()
	if args.first == nil {
		args.first = ptr(50)
	}
	return gqltest.Data(gqltest.AtRiskAccounts(context.Background(), c.api, args.first, args.after, args.where)).AtRiskAccounts
}

func (c *client) contract(accountID, status string, start, end time.Time, seats *int) string {
	c.t.Helper()
	c.contracts++
	return gqltest.Data(gqltest.CreateContract(context.Background(), c.api, gqltest.CreateContractInput{AccountID: accountID,
		Number: fmt.Sprintf("C-%03d", c.contracts), Status: ptr(gqltest.ContractStatus(status)), StartDate: start, EndDate: end,
		Currency: "EUR", Seats: seats})).CreateContract.Id
}

func (c *client) interaction(accountID, subject string, at time.Time) string {
	c.t.Helper()
	return gqltest.Data(gqltest.LogInteraction(context.Background(), c.api, gqltest.LogInteractionInput{AccountID: accountID,
		Channel: gqltest.ChannelCall, Direction: gqltest.InteractionDirectionOutbound, OccurredAt: &at, Subject: subject})).LogInteraction.Id
}

func (c *client) council(name string, accountID *string) string {
	c.t.Helper()
	return gqltest.Data(gqltest.CreateUserCouncil(context.Background(), c.api,
		gqltest.CreateUserCouncilInput{Name: name, AccountID: accountID})).CreateUserCouncil.Id
}

// member seats the person on the council from joined (now if zero) and returns the membership.
func (c *client) member(councilID, personID string, joined time.Time) string {
	c.t.Helper()
	in := gqltest.AddCouncilMemberInput{CouncilID: councilID, PersonID: personID}
	if !joined.IsZero() {
		in.JoinedAt = &joined
	}
	return gqltest.Data(gqltest.AddCouncilMember(context.Background(), c.api, in)).AddCouncilMember.Id
}

func (c *client) leave(membershipID string, at time.Time) {
	c.t.Helper()
	gqltest.LeaveCouncil(context.Background(), c.api, membershipID, at)
}

// healthWorld is four accounts whose health is computed by hand.
type healthWorld struct {
	c                                 *client
	hooli, quiet, zen, overdue, kamID string
}

func newHealthWorld(t *testing.T, env *apitest.Env) *healthWorld {
	c := newClient(t, env, "ADMIN", "alice")
	w := &healthWorld{c: c}
	w.kamID = newClient(t, env, "KEY_ACCOUNT_MANAGER", "kim").memberID()
	now := time.Now()

	// Hooli: buyers at 100, end users at −100; last interaction 20.5 days ago; the nearest
	// active contract ends in 30.5 days; 3 active licensed end users on 10 seats; 2 open
	// complaints; 2 people on a council.
	w.hooli = c.createAccount("Hooli", map[string]any{"tier": "KEY", "stage": "ACTIVE"})
	b1 := c.buyer(w.hooli, "Gavin Belson")
	u1 := c.endUser(w.hooli, "Richard Hendricks", nil)
	c.nps(w.hooli, b1, 10, now.Add(-time.Hour))
	c.nps(w.hooli, u1, 0, now.Add(-time.Hour))
	u2 := c.endUser(w.hooli, "Dinesh Chugtai", map[string]any{"status": "ACTIVE", "licensed": true})
	c.endUser(w.hooli, "Bertram Gilfoyle", map[string]any{"status": "ACTIVE"})
	c.endUser(w.hooli, "Jared Dunn", map[string]any{"status": "ACTIVE", "licensed": false}) // no seat
	c.endUser(w.hooli, "Erlich Bachman", map[string]any{"status": "INACTIVE"})              // not active
	c.endUser(w.hooli, "Monica Hall", map[string]any{"status": "INVITED"})                  // not yet active
	c.endUser(w.hooli, "Gavin Belson", map[string]any{"status": "INACTIVE"})                // the buyer uses it too
	c.contract(w.hooli, "ACTIVE", now.Add(-days(100)), now.Add(days(30.5)), ptr(4))
	c.contract(w.hooli, "ACTIVE", now.Add(-days(10)), now.Add(days(200)), ptr(6))
	c.contract(w.hooli, "EXPIRED", now.Add(-days(400)), now.Add(-days(30)), ptr(100))
	c.contract(w.hooli, "DRAFT", now.Add(-days(10)), now.Add(days(1)), ptr(50))
	c.contract(w.hooli, "TERMINATED", now.Add(-days(10)), now.Add(days(5)), ptr(50))
	c.interaction(w.hooli, "older call", now.Add(-days(40)))
	c.interaction(w.hooli, "last call", now.Add(-days(20.5)))
	complaint := func(status string) {
		id := c.feedback(map[string]any{"accountID": w.hooli, "authorID": u2, "kind": "COMPLAINT", "body": "it broke"})
		switch status {
		case "ACKNOWLEDGED":
			gqltest.AcknowledgeComplaint(context.Background(), c.api, id)
		case "RESOLVED":
			gqltest.ResolveComplaint(context.Background(), c.api, id, "fixed")
		}
	}
	complaint("OPEN")
	complaint("OPEN")
	complaint("ACKNOWLEDGED")
	complaint("RESOLVED")
	c.feedback(map[string]any{"accountID": w.hooli, "authorID": u2, "kind": "COMMENT", "body": "meh"})
	board := c.council("Hooli users", &w.hooli)
	c.member(board, b1, time.Time{})
	c.member(board, u1, time.Time{})
	c.leave(c.member(board, u2, now.Add(-days(30))), now.Add(-days(1))) // left: does not count
	cross := c.council("Everyone", nil)
	c.member(cross, u1, time.Time{}) // on two councils: counts once

	// Quiet: nothing at all.
	w.quiet = c.createAccount("Quiet", map[string]any{"tier": "STANDARD", "stage": "NEW"})

	// Zen: everything as good as it gets.
	w.zen = c.createAccount("Zen", map[string]any{"tier": "STRATEGIC", "stage": "LOYAL", "ownerID": w.kamID})
	zb := c.buyer(w.zen, "Zen Buyer")
	zu := c.endUser(w.zen, "Zen User", nil)
	c.nps(w.zen, zb, 10, now.Add(-time.Hour))
	c.nps(w.zen, zu, 9, now.Add(-time.Hour))
	c.interaction(w.zen, "today", now.Add(-time.Hour))
	c.contract(w.zen, "ACTIVE", now.Add(-days(30)), now.Add(days(300)), ptr(1))
	zc := c.council("Zen council", &w.zen)
	c.member(zc, zb, time.Time{})
	c.member(zc, zu, time.Time{})

	// Overdue: an active contract whose end passed 10.5 days ago, without seats.
	w.overdue = c.createAccount("Overdue", map[string]any{"tier": "GROWTH", "stage": "RETAINED", "ownerID": w.kamID})
	c.contract(w.overdue, "ACTIVE", now.Add(-days(365)), now.Add(-days(10.5)), nil)
	return w
}

func TestAccountHealthSignals(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		w := newHealthWorld(t, env)
		c := w.c

		h := c.healthOf(w.hooli)
		// 0×25 + 1×15 + 0×15 + (1 − 6/76)×10 + 30/120×10 + (1 − 2/4)×10 + 1×5 + (0.05/0.6)×10
		score := 15 + (1-6.0/76)*10 + 2.5 + 5 + 5 + 0.05/0.6*10
		checkHealth(t, h, score, "AT_RISK", map[string]fv{
			"END_USER_NPS":          {ptr(-100.0), 0},
			"PURCHASER_NPS":         {ptr(100.0), 1},
			"PERCEPTION_GAP":        {ptr(200.0), 0},
			"LAST_INTERACTION":      {ptr(20.0), 1 - 6.0/76},
			"RENEWAL":               {ptr(30.0), 0.25},
			"OPEN_COMPLAINTS":       {ptr(2.0), 0.5},
			"COUNCIL_PARTICIPATION": {ptr(2.0), 1},
			"SEAT_UTILISATION":      {ptr(0.3), 0.05 / 0.6},
		})
		want := []string{"end users' NPS is -100", "end users are 200 NPS points less happy than buyers",
			"seat utilisation at 30%", "renewal in 30 days"}
		if !sameList(h.Reasons, want) {
			t.Errorf("Hooli reasons %q, want %q", h.Reasons, want)
		}

		h = c.healthOf(w.quiet)
		checkHealth(t, h, 52.5, "WATCH", map[string]fv{
			"END_USER_NPS": {nil, 0.5}, "PURCHASER_NPS": {nil, 0.5}, "PERCEPTION_GAP": {nil, 0.5},
			"LAST_INTERACTION": {nil, 0}, "RENEWAL": {nil, 1}, "OPEN_COMPLAINTS": {ptr(0.0), 1},
			"COUNCIL_PARTICIPATION": {ptr(0.0), 0}, "SEAT_UTILISATION": {nil, 0.5},
		})
		if !sameList(h.Reasons, []string{"no interaction on record", "no one from the account sits on a user council"}) {
			t.Errorf("Quiet reasons %q", h.Reasons)
		}

		h = c.healthOf(w.zen)
		// End users at 9 are promoters too: 100 and 100.
		checkHealth(t, h, 100, "HEALTHY", map[string]fv{
			"END_USER_NPS": {ptr(100.0), 1}, "PERCEPTION_GAP": {ptr(0.0), 1}, "LAST_INTERACTION": {ptr(0.0), 1},
			"RENEWAL": {ptr(299.0), 1}, "COUNCIL_PARTICIPATION": {ptr(2.0), 1}, "SEAT_UTILISATION": {ptr(1.0), 1},
		})
		if len(h.Reasons) != 0 {
			t.Errorf("Zen reasons %q", h.Reasons)
		}

		h = c.healthOf(w.overdue)
		checkHealth(t, h, 42.5, "AT_RISK", nil)
		if v, s := factor(t, h, "RENEWAL"); v == nil || *v > -10 || *v < -11 || s != 0 {
			t.Errorf("Overdue renewal: %s %v, want about −10.5 days and 0", show(v), s)
		}

		// A complaint acknowledged or a new interaction shows at once.
		var open []string
		for _, e := range gqltest.Data(gqltest.OpenComplaints(context.Background(), c.api, w.hooli)).Feedback.Edges {
			open = append(open, e.Node.Id)
		}
		if len(open) != 2 {
			t.Fatalf("open complaints: %v", open)
		}
		gqltest.AcknowledgeComplaint(context.Background(), c.api, open[0])
		c.interaction(w.hooli, "fresh call", time.Now().Add(-days(3.5)))
		h = c.healthOf(w.hooli)
		if v, s := factor(t, h, "OPEN_COMPLAINTS"); !sameFloat(v, ptr(1.0)) || s != 0.75 {
			t.Errorf("after acknowledging: open complaints %s %v, want 1 0.75", show(v), s)
		}
		if v, s := factor(t, h, "LAST_INTERACTION"); !sameFloat(v, ptr(3.0)) || s != 1 {
			t.Errorf("after a call: last interaction %s %v, want 3 1", show(v), s)
		}
	})
}

func TestAtRiskAccounts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		w := newHealthWorld(t, env)
		c := w.c
		all := []string{"Hooli", "Overdue", "Quiet", "Zen"} // 37.5, 42.5, 52.5, 100
		for _, tc := range []struct {
			name  string
			where *gqltest.AccountHealthFilter
			want  []string
		}{
			{"all, worst first", nil, all},
			{"at risk", &gqltest.AccountHealthFilter{Bands: []gqltest.HealthBand{gqltest.HealthBandAtRisk}}, []string{"Hooli", "Overdue"}},
			{"watch and healthy", &gqltest.AccountHealthFilter{Bands: []gqltest.HealthBand{gqltest.HealthBandWatch, gqltest.HealthBandHealthy}},
				[]string{"Quiet", "Zen"}},
			{"tier", &gqltest.AccountHealthFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierKey, gqltest.AccountTierStrategic}},
				[]string{"Hooli", "Zen"}},
			{"stage", &gqltest.AccountHealthFilter{Stages: []gqltest.AccountStage{gqltest.AccountStageLoyal, gqltest.AccountStageNew}},
				[]string{"Quiet", "Zen"}},
			{"owner", &gqltest.AccountHealthFilter{OwnerIDs: []string{w.kamID}}, []string{"Overdue", "Zen"}},
			{"owner and band", &gqltest.AccountHealthFilter{OwnerIDs: []string{w.kamID}, Bands: []gqltest.HealthBand{gqltest.HealthBandHealthy}},
				[]string{"Zen"}},
			{"nothing matches", &gqltest.AccountHealthFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierGrowth},
				Bands: []gqltest.HealthBand{gqltest.HealthBandHealthy}}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.atRisk(riskArgs{where: tc.where})
				if !sameList(riskNames(p), tc.want) || p.TotalCount != len(tc.want) {
					t.Errorf("%v (totalCount %d), want %v", riskNames(p), p.TotalCount, tc.want)
				}
				for i := 1; i < len(p.Edges); i++ {
					if p.Edges[i].Node.Score < p.Edges[i-1].Node.Score {
						t.Errorf("not worst first: %v", riskNames(p))
					}
				}
			})
		}
		// The ranking's scores are the accounts' own.
		for _, e := range c.atRisk(riskArgs{}).Edges {
			if own := c.healthOf(e.Node.Account.Id); math.Abs(own.Score-e.Node.Score) > 1e-6 || own.Band != e.Node.Band {
				t.Errorf("%s: ranked at %v %s, Account.health says %v %s", e.Node.Account.Name, e.Node.Score, e.Node.Band, own.Score, own.Band)
			}
		}

		// Paging.
		var seen []string
		args := riskArgs{first: ptr(3)}
		for page := 0; page < 4; page++ {
			p := c.atRisk(args)
			if p.TotalCount != 4 || p.PageInfo.HasPreviousPage != (page > 0) {
				t.Errorf("page %d: totalCount %d hasPreviousPage %v", page, p.TotalCount, p.PageInfo.HasPreviousPage)
			}
			seen = append(seen, riskNames(p)...)
			if !p.PageInfo.HasNextPage {
				break
			}
			args.after = p.PageInfo.EndCursor
		}
		if !sameList(seen, all) {
			t.Errorf("pages gave %v, want %v", seen, all)
		}
	})
}
