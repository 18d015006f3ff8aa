package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// perceptionOf reads an account's perception; since and until may be nil.
func (c *client) perceptionOf(accountID string, since, until *time.Time) gqltest.PerceptionFields {
	c.t.Helper()
	out := gqltest.Data(gqltest.AccountPerception(context.Background(), c.api, accountID, since, until))
	acc := asNode[*gqltest.AccountPerceptionNodeAccount](c.t, out.Node, accountID)
	return acc.Perception.PerceptionFields
}

// councilPerception reads a council's perception and the names of its accounts.
func (c *client) councilPerception(councilID string) (gqltest.PerceptionFields, []string) {
	c.t.Helper()
	out := gqltest.Data(gqltest.CouncilPerception(context.Background(), c.api, councilID))
	council := asNode[*gqltest.CouncilPerceptionNodeUserCouncil](c.t, out.Node, councilID)
	var names []string
	for _, a := range council.Accounts {
		names = append(names, a.Name)
	}
	return council.Perception.PerceptionFields, names
}

type (
	gapPage = gqltest.PerceptionGapsPerceptionGapsPerceptionGapConnection
	gapNode = gqltest.PerceptionGapsPerceptionGapsPerceptionGapConnectionEdgesPerceptionGapEdgeNodePerceptionGap
)

// gapArgs are the arguments of perceptionGaps; a nil first asks for 50.
type gapArgs struct {
	first   *int
	after   *string
	since   *time.Time
	where   *gqltest.PerceptionGapFilter
	orderBy gqltest.PerceptionGapOrder
}

// gaps runs perceptionGaps with the arguments; each item also reads the account's own
// perception over the same window, in the same operation (so at the same "now").
func (c *client) gaps(args gapArgs) gapPage {
	c.t.Helper()
	if args.first == nil {
		args.first = ptr(50) // a variable left null counts as no page size, which the limits refuse
	}
	var orderBy *gqltest.PerceptionGapOrder
	if args.orderBy != "" {
		orderBy = &args.orderBy
	}
	return gqltest.Data(gqltest.PerceptionGaps(context.Background(), c.api, args.first, args.after, args.since,
		args.where, orderBy)).PerceptionGaps
}

// names lists the accounts of a page in order.
func gapNames(p gapPage) []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.Account.Name)
	}
	return out
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkAgreement verifies that each ranked account's gap is the one Account.perception
// reports over the same window.
func checkAgreement(t *testing.T, p gapPage) {
	t.Helper()
	for _, e := range p.Edges {
		n := e.Node
		own := n.Account.Perception
		if !sameFloat(own.NpsGap, &n.NpsGap) || own.Purchaser.NpsResponses != n.PurchaserResponses ||
			own.EndUser.NpsResponses != n.EndUserResponses {
			t.Errorf("%s: perceptionGaps says gap %v (%d/%d responses), Account.perception %s (%d/%d)",
				n.Account.Name, n.NpsGap, n.PurchaserResponses, n.EndUserResponses, show(own.NpsGap),
				own.Purchaser.NpsResponses, own.EndUser.NpsResponses)
		}
		if !sameFloat(&n.NpsGap, ptr(n.PurchaserNps-n.EndUserNps)) {
			t.Errorf("%s: gap %v ≠ %v − %v", n.Account.Name, n.NpsGap, n.PurchaserNps, n.EndUserNps)
		}
	}
}

func TestPerceptionThroughGraphQL(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Globex", nil)
		at := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
		c.voices(acc, "g", at, []int{9, 10, 10}, []int{3, 6, 8, 10})

		p := c.perceptionOf(acc, nil, nil)
		if p.Purchaser.Persona != "PURCHASER" || p.EndUser.Persona != "END_USER" {
			t.Errorf("personas %s/%s", p.Purchaser.Persona, p.EndUser.Persona)
		}
		if got := [4]int{p.Purchaser.NpsResponses, p.Purchaser.Promoters, p.Purchaser.Passives, p.Purchaser.Detractors}; got != [4]int{3, 3, 0, 0} {
			t.Errorf("purchaser responses/promoters/passives/detractors = %v, want [3 3 0 0]", got)
		}
		if got := [4]int{p.EndUser.NpsResponses, p.EndUser.Promoters, p.EndUser.Passives, p.EndUser.Detractors}; got != [4]int{4, 1, 1, 2} {
			t.Errorf("end-user responses/promoters/passives/detractors = %v, want [4 1 1 2]", got)
		}
		expectFloat(t, "purchaser NPS", p.Purchaser.Nps, ptr(100.0))
		expectFloat(t, "end-user NPS", p.EndUser.Nps, ptr(-25.0))
		expectFloat(t, "NPS gap", p.NpsGap, ptr(125.0))
		expectFloat(t, "CSAT gap", p.CsatGap, nil)
		// The default window: the 365 days before now.
		since, until := p.Since, p.Until
		if d := time.Since(until); d < 0 || d > time.Minute {
			t.Errorf("until = %v, want about now", until)
		}
		if until.Sub(since) != 365*24*time.Hour {
			t.Errorf("window %v … %v, want 365 days", since, until)
		}
		// One point in the trend per persona, this month.
		if len(p.Trend) != 2 || p.Trend[0].Persona != "END_USER" || p.Trend[1].Persona != "PURCHASER" ||
			p.Trend[0].Month != at.UTC().Format("2006-01") {
			t.Errorf("trend = %s", dump(p.Trend))
		} else {
			expectFloat(t, "trend end-user NPS", p.Trend[0].Nps, ptr(-25.0))
			expectFloat(t, "trend purchaser NPS", p.Trend[1].Nps, ptr(100.0))
		}

		// A window before the responses has nothing; the gap is null.
		early := at.Add(-time.Hour)
		p = c.perceptionOf(acc, nil, &early)
		if p.Purchaser.NpsResponses != 0 || p.Purchaser.Nps != nil || p.NpsGap != nil || len(p.Trend) != 0 {
			t.Errorf("perception until %v: %s", early, dump(p))
		}
		// since is inclusive, until exclusive.
		p = c.perceptionOf(acc, &at, ptr(at.Add(time.Second)))
		expectFloat(t, "NPS gap of [at, at+1s)", p.NpsGap, ptr(125.0))
		p = c.perceptionOf(acc, ptr(at.Add(time.Second)), nil)
		expectFloat(t, "NPS gap after at", p.NpsGap, nil)
		p = c.perceptionOf(acc, ptr(at.Add(-time.Minute)), &at)
		expectFloat(t, "NPS gap until at", p.NpsGap, nil)

		// The ranking agrees.
		g := c.gaps(gapArgs{})
		if g.TotalCount != 1 || len(g.Edges) != 1 {
			t.Fatalf("perceptionGaps = %s", dump(g))
		}
		n := g.Edges[0].Node
		if n.Account.Id != acc || n.PurchaserNps != 100 || n.EndUserNps != -25 || n.NpsGap != 125 ||
			n.PurchaserResponses != 3 || n.EndUserResponses != 4 {
			t.Errorf("perceptionGaps node = %s", dump(n))
		}
		checkAgreement(t, g)
	})
}

// CSAT, sentiment and topics through the API, with a person who is both a buyer and an end
// user speaking in the voice they choose.
func TestPerceptionMeansAndTopicsThroughGraphQL(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		b := c.buyer(acc, "Bill Lumbergh")
		u := c.endUser(acc, "Peter Gibbons", nil)
		both := c.buyer(acc, "Milton Waddams")
		c.endUser(acc, "Milton Waddams", nil)
		at := ts(time.Now().Add(-time.Hour))
		give := func(author string, persona *string, kind string, score *int, sentiment *float64, topics ...string) {
			in := map[string]any{"accountID": acc, "authorID": author, "kind": kind, "receivedAt": at, "topics": topics}
			if persona != nil {
				in["persona"] = *persona
			}
			if score != nil {
				in["score"] = *score
			}
			if sentiment != nil {
				in["sentiment"] = *sentiment
			}
			c.feedback(in)
		}
		give(b, nil, "CSAT", ptr(5), ptr(0.9), "Reporting")
		give(b, nil, "CSAT", ptr(4), nil)
		give(u, nil, "CSAT", ptr(2), ptr(-0.7), "reporting", "speed")
		give(both, ptr("END_USER"), "CSAT", ptr(3), ptr(-0.1), "speed")
		give(both, ptr("PURCHASER"), "PRAISE", nil, ptr(0.5), "price")
		p := c.perceptionOf(acc, nil, nil)
		expectFloat(t, "purchaser CSAT", p.Purchaser.Csat, ptr(4.5))
		expectFloat(t, "end-user CSAT", p.EndUser.Csat, ptr(2.5))
		expectFloat(t, "CSAT gap", p.CsatGap, ptr(2.0))
		expectFloat(t, "purchaser sentiment", p.Purchaser.Sentiment, ptr(0.7))
		expectFloat(t, "end-user sentiment", p.EndUser.Sentiment, ptr(-0.4))
		if p.Purchaser.Responses != 3 || p.EndUser.Responses != 2 || p.Purchaser.CsatResponses != 2 || p.EndUser.CsatResponses != 2 {
			t.Errorf("responses %d/%d, CSAT responses %d/%d; want 3/2 and 2/2", p.Purchaser.Responses,
				p.EndUser.Responses, p.Purchaser.CsatResponses, p.EndUser.CsatResponses)
		}
		// reporting: 0.9 vs −0.7 (gap 1.6); then one-sided topics, the most raised first:
		// speed (users, 2), price (buyers, 1).
		var order []string
		for _, tp := range p.Topics {
			order = append(order, tp.Topic)
		}
		if !sameList(order, []string{"reporting", "speed", "price"}) {
			t.Fatalf("topics %s", dump(p.Topics))
		}
		expectFloat(t, "reporting gap", p.Topics[0].SentimentGap, ptr(1.6))
		if s := p.Topics[1]; s.Purchaser != nil || s.EndUser == nil || s.EndUser.Count != 2 || !sameFloat(s.EndUser.Sentiment, ptr(-0.4)) {
			t.Errorf("speed = %s", dump(s))
		}
	})
}

func TestPerceptionGapsRanking(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		c := newClient(t, env, "ADMIN", "alice")
		kim, ken := newClient(t, env, "KEY_ACCOUNT_MANAGER", "kim"), newClient(t, env, "KEY_ACCOUNT_MANAGER", "ken")
		kimID, kenID := kim.memberID(), ken.memberID()
		now := time.Now()
		recent, old := now.Add(-time.Hour), now.Add(-200*24*time.Hour)
		ids := map[string]string{}
		account := func(name, tier, stage string, at time.Time, purchasers, endUsers []int) {
			ids[name] = c.createAccount(name, map[string]any{"tier": tier, "stage": stage})
			c.voices(ids[name], name, at, purchasers, endUsers)
		}
		account("A", "STRATEGIC", "ACTIVE", recent, []int{10}, []int{0})    // 100 − (−100) = +200
		account("B", "KEY", "ACTIVE", recent, []int{0, 10}, []int{10, 10})  // 0 − 100 = −100
		account("C", "KEY", "RETAINED", recent, []int{9, 9}, []int{9, 7})   // 100 − 50 = +50
		account("D", "GROWTH", "NEW", recent, []int{8}, []int{9, 9, 6})     // 0 − 33.3 = −33.3
		account("E", "GROWTH", "NEW", recent, []int{10, 10}, nil)           // buyers only: no gap
		account("F", "STANDARD", "LOYAL", old, []int{8}, []int{0, 8, 8, 8}) // 0 − (−25) = +25, 200 days ago
		account("G", "STANDARD", "LOYAL", recent, nil, []int{3})            // users only: no gap
		for name, owner := range map[string]string{"A": kimID, "C": kimID, "B": kenID} {
			gqltest.AssignAccount(ctx, c.api, ids[name], owner)
		}

		for _, tc := range []struct {
			name string
			args gapArgs
			want []string
		}{
			{"widest (default)", gapArgs{}, []string{"A", "B", "C", "D", "F"}},
			{"widest", gapArgs{orderBy: gqltest.PerceptionGapOrderWidest}, []string{"A", "B", "C", "D", "F"}},
			{"purchaser happier", gapArgs{orderBy: gqltest.PerceptionGapOrderPurchaserHappier}, []string{"A", "C", "F", "D", "B"}},
			{"end user happier", gapArgs{orderBy: gqltest.PerceptionGapOrderEndUserHappier}, []string{"B", "D", "F", "C", "A"}},
			{"minResponses 2", gapArgs{where: &gqltest.PerceptionGapFilter{MinResponses: ptr(2)}}, []string{"B", "C"}},
			{"minResponses 3", gapArgs{where: &gqltest.PerceptionGapFilter{MinResponses: ptr(3)}}, []string{}},
			{"minResponses 0 means 1", gapArgs{where: &gqltest.PerceptionGapFilter{MinResponses: ptr(0)}}, []string{"A", "B", "C", "D", "F"}},
			{"tier", gapArgs{where: &gqltest.PerceptionGapFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierKey}}}, []string{"B", "C"}},
			{"tiers", gapArgs{where: &gqltest.PerceptionGapFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierGrowth, gqltest.AccountTierStandard}}}, []string{"D", "F"}},
			{"stage", gapArgs{where: &gqltest.PerceptionGapFilter{Stages: []gqltest.AccountStage{gqltest.AccountStageActive}}}, []string{"A", "B"}},
			{"tier and stage", gapArgs{where: &gqltest.PerceptionGapFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierKey},
				Stages: []gqltest.AccountStage{gqltest.AccountStageActive}}}, []string{"B"}},
			{"owner", gapArgs{where: &gqltest.PerceptionGapFilter{OwnerIDs: []string{kimID}}}, []string{"A", "C"}},
			{"owners", gapArgs{where: &gqltest.PerceptionGapFilter{OwnerIDs: []string{kimID, kenID}}, orderBy: gqltest.PerceptionGapOrderEndUserHappier},
				[]string{"B", "C", "A"}},
			{"since 100 days", gapArgs{since: ptr(now.Add(-100 * 24 * time.Hour))}, []string{"A", "B", "C", "D"}},
			{"since 300 days", gapArgs{since: ptr(now.Add(-300 * 24 * time.Hour))}, []string{"A", "B", "C", "D", "F"}},
			{"since 30 minutes", gapArgs{since: ptr(now.Add(-30 * time.Minute))}, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := c.gaps(tc.args)
				if got := gapNames(p); !sameList(got, tc.want) || p.TotalCount != len(tc.want) {
					t.Errorf("ranking %v (totalCount %d), want %v", got, p.TotalCount, tc.want)
				}
				checkAgreement(t, p)
			})
		}

		// A page of accounts reads each account's perception in batches, over two windows at
		// once: each account gets its own figures.
		page := gqltest.Data(gqltest.AccountGapsTwoWindows(ctx, c.api, ptr(now.Add(-100*24*time.Hour))))
		wantGaps := map[string][2]*float64{
			"A": {ptr(200.0), ptr(200.0)}, "B": {ptr(-100.0), ptr(-100.0)}, "C": {ptr(50.0), ptr(50.0)},
			"D": {ptr(-100.0 / 3), ptr(-100.0 / 3)}, "E": {nil, nil}, "F": {ptr(25.0), nil}, "G": {nil, nil},
		}
		if len(page.Accounts.Edges) != len(wantGaps) {
			t.Errorf("%d accounts, want %d", len(page.Accounts.Edges), len(wantGaps))
		}
		for _, e := range page.Accounts.Edges {
			w := wantGaps[e.Node.Name]
			expectFloat(t, e.Node.Name+" gap over the year", e.Node.Year.NpsGap, w[0])
			expectFloat(t, e.Node.Name+" gap over 100 days", e.Node.Recent.NpsGap, w[1])
		}

		// The figures of one account.
		p := c.gaps(gapArgs{where: &gqltest.PerceptionGapFilter{Tiers: []gqltest.AccountTier{gqltest.AccountTierGrowth}}})
		if len(p.Edges) != 1 {
			t.Fatalf("GROWTH accounts: %v", gapNames(p))
		}
		d := p.Edges[0].Node
		if d.PurchaserNps != 0 || !sameFloat(&d.EndUserNps, ptr(100.0/3)) || !sameFloat(&d.NpsGap, ptr(-100.0/3)) ||
			d.PurchaserResponses != 1 || d.EndUserResponses != 3 {
			t.Errorf("D = %s", dump(d))
		}

		// Paging: every account once, in order, with the total on every page.
		var seen []string
		args := gapArgs{first: ptr(2)}
		for page := 0; ; page++ {
			p := c.gaps(args)
			if p.TotalCount != 5 {
				t.Errorf("page %d: totalCount %d, want 5", page, p.TotalCount)
			}
			if p.PageInfo.HasPreviousPage != (page > 0) {
				t.Errorf("page %d: hasPreviousPage %v", page, p.PageInfo.HasPreviousPage)
			}
			seen = append(seen, gapNames(p)...)
			if !p.PageInfo.HasNextPage {
				if len(p.Edges) != 1 || p.PageInfo.EndCursor == nil {
					t.Fatalf("last page: %s, want 1 item", dump(p))
				}
				args.after = p.PageInfo.EndCursor
				break
			}
			if len(p.Edges) != 2 || p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[1].Cursor {
				t.Fatalf("page %d: %s", page, dump(p))
			}
			if page > 5 {
				t.Fatal("paging does not end")
			}
			args.after = p.PageInfo.EndCursor
		}
		if !sameList(seen, []string{"A", "B", "C", "D", "F"}) {
			t.Errorf("pages gave %v", seen)
		}
		// Past the end: an empty page.
		args.first = ptr(10)
		if p := c.gaps(args); len(p.Edges) != 0 || p.PageInfo.HasNextPage || p.TotalCount != 5 {
			t.Errorf("after the last page: %s", dump(p))
		}
		_, err := gqltest.PerceptionGaps(ctx, gqltest.WithToken(env, c.tok), ptr(2), ptr("bm90IGEgY3Vyc29y"), nil, nil, nil)
		if code, _ := gqltest.Code(err); code != "BAD_USER_INPUT" {
			t.Errorf("perceptionGaps after a bad cursor: %v, want BAD_USER_INPUT", err)
		}
	})
}

// LatestNPS, from which perceptionGaps ranks, follows every change of NPS feedback.
func TestPerceptionGapsFollowFeedbackChanges(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Umbrella", nil)
		other := c.createAccount("Cyberdyne", nil)
		b := c.buyer(acc, "Albert Wesker")
		u := c.endUser(acc, "Jill Valentine", nil)
		both := c.buyer(acc, "Chris Redfield")
		c.endUser(acc, "Chris Redfield", nil)
		otherUser := c.endUser(other, "Sarah Connor", nil)
		c.nps(other, c.buyer(other, "Miles Dyson"), 10, time.Now().Add(-time.Hour))
		c.nps(other, otherUser, 10, time.Now().Add(-time.Hour))

		type state struct {
			present    bool
			gap        float64
			purchasers int
			endUsers   int
		}
		expect := func(step string, want state) {
			t.Helper()
			p := c.gaps(gapArgs{first: ptr(10)})
			checkAgreement(t, p)
			var got state
			for _, e := range p.Edges {
				if e.Node.Account.Id == acc {
					got = state{true, e.Node.NpsGap, e.Node.PurchaserResponses, e.Node.EndUserResponses}
				}
			}
			if got.present != want.present || !sameFloat(&got.gap, &want.gap) || got.purchasers != want.purchasers || got.endUsers != want.endUsers {
				t.Errorf("%s: %+v, want %+v", step, got, want)
			}
			// Whatever happens to Umbrella, Cyberdyne stays as it is.
			found := false
			for _, e := range p.Edges {
				found = found || (e.Node.Account.Id == other && e.Node.NpsGap == 0)
			}
			if !found {
				t.Errorf("%s: Cyberdyne is missing: %v", step, gapNames(p))
			}
			// The account's own perception agrees even when it is not ranked.
			own := c.perceptionOf(acc, nil, nil)
			if want.present {
				expectFloat(t, step+": Account.perception npsGap", own.NpsGap, &want.gap)
			} else if own.NpsGap != nil {
				t.Errorf("%s: Account.perception npsGap %v, want null", step, *own.NpsGap)
			}
		}
		now := time.Now()
		fbB := c.nps(acc, b, 10, now.Add(-time.Hour))
		c.nps(acc, u, 8, now.Add(-3*24*time.Hour))
		fbUNew := c.nps(acc, u, 10, now.Add(-time.Hour))
		expect("created", state{true, 0, 1, 1}) // 100 − 100

		update := func(id string, input gqltest.UpdateFeedbackInput) {
			t.Helper()
			gqltest.UpdateFeedback(context.Background(), c.api, id, input)
		}
		update(fbUNew, gqltest.UpdateFeedbackInput{Score: ptr(3)})
		expect("score changed", state{true, 200, 1, 1}) // 100 − (−100)

		c.delete("deleteFeedback", fbUNew)
		expect("latest deleted: the earlier response counts again", state{true, 100, 1, 1}) // 100 − 0

		fbBoth := c.feedback(map[string]any{"accountID": acc, "authorID": both, "persona": "PURCHASER", "kind": "NPS",
			"score": 0, "receivedAt": ts(now.Add(-time.Hour))})
		expect("second buyer", state{true, 0, 2, 1}) // (1 − 1)/2 = 0 − 0
		update(fbBoth, gqltest.UpdateFeedbackInput{Persona: ptr(gqltest.PersonaEndUser)})
		expect("persona changed", state{true, 150, 1, 2}) // 100 − (0 − 1)/2·100

		fbU3 := c.nps(acc, u, 10, now.Add(-10*24*time.Hour))
		expect("older response", state{true, 150, 1, 2})
		update(fbU3, gqltest.UpdateFeedbackInput{ReceivedAt: ptr(now.Add(-time.Minute))})
		expect("moved to be the latest", state{true, 100, 1, 2}) // 100 − (1 − 1)/2

		update(fbB, gqltest.UpdateFeedbackInput{Kind: ptr(gqltest.FeedbackKindComment), ClearScore: ptr(true)})
		expect("no longer NPS: no purchaser voice", state{})
		update(fbB, gqltest.UpdateFeedbackInput{Kind: ptr(gqltest.FeedbackKindNps), Score: ptr(6)})
		expect("NPS again", state{true, -100, 1, 2}) // −100 − 0

		c.delete("deletePerson", both)
		expect("person deleted", state{true, -200, 1, 1}) // −100 − 100

		c.delete("deleteAccount", acc)
		p := c.gaps(gapArgs{first: ptr(10)})
		if !sameList(gapNames(p), []string{"Cyberdyne"}) || p.TotalCount != 1 {
			t.Errorf("after deleting the account: %v (totalCount %d)", gapNames(p), p.TotalCount)
		}
	})
}
