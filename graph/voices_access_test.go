package graph_test

import (
	"context"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// A key-account manager sees the perception and health of their own accounts only, and the
// tenant views rank only those.
func TestVoicesAccess(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		ctx := context.Background()
		admin := newClient(t, env, "ADMIN", "alice")
		adminAPI := gqltest.Must(t, env, "acme", "ADMIN", "alice") // fails the test on any error
		kim := newClient(t, env, "KEY_ACCOUNT_MANAGER", "kim")
		ken := newClient(t, env, "KEY_ACCOUNT_MANAGER", "ken")
		analyst := newClient(t, env, "ANALYST", "ann")
		kimID, kenID := kim.memberID(), ken.memberID()

		at := time.Now().Add(-time.Hour)
		ids := map[string]string{}
		for _, a := range []struct {
			name               string
			owner              string
			purchaser, endUser []int
		}{
			{"K1", kimID, []int{10}, []int{0}},  // +200
			{"K2", kimID, []int{10}, []int{10}}, // 0
			{"N1", kenID, []int{0}, []int{10}},  // −200
			{"U1", "", []int{10}, []int{5}},     // +200, no owner
		} {
			ids[a.name] = admin.createAccount(a.name, nil)
			if a.owner != "" {
				_, _ = gqltest.AssignAccount(ctx, adminAPI, ids[a.name], a.owner)
			}
			admin.voices(ids[a.name], a.name, at, a.purchaser, a.endUser)
		}
		// A buyer of K1 who uses the product at N1 and sits on N1's council, which kim cannot see.
		shared := admin.buyer(ids["K1"], "Shared Person")
		admin.endUser(ids["N1"], "Shared Person", nil)
		admin.member(admin.council("N1 council", ptr(ids["N1"])), shared, time.Time{})
		// A cross-account council, visible to all, with members from K1 and N1.
		cross := admin.council("Everyone", nil)
		var k1User, n1User string
		all, _ := gqltest.EndUsersOf(ctx, adminAPI, nil)
		for _, e := range all.EndUsers.Edges {
			switch e.Node.AccountID {
			case ids["K1"]:
				k1User = e.Node.PersonID
			case ids["N1"]:
				if e.Node.PersonID != shared {
					n1User = e.Node.PersonID
				}
			}
		}
		admin.member(cross, k1User, time.Time{})
		admin.member(cross, n1User, time.Time{})

		accountNames := func(c graphql.Client) []string {
			out, err := gqltest.AccountNames(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range out.Accounts.Edges {
				names = append(names, e.Node.Name)
			}
			sort.Strings(names)
			return names
		}
		sorted := func(names []string) []string {
			out := append([]string{}, names...)
			sort.Strings(out)
			return out
		}
		for _, tc := range []struct {
			who     string
			c       *client
			visible []string
			gaps    []string // perceptionGaps, widest first
		}{
			{"kim", kim, []string{"K1", "K2"}, []string{"K1", "K2"}},
			{"ken", ken, []string{"N1"}, []string{"N1"}},
			{"admin", admin, []string{"K1", "K2", "N1", "U1"}, []string{"K1", "N1", "U1", "K2"}},
			{"analyst", analyst, []string{"K1", "K2", "N1", "U1"}, []string{"K1", "N1", "U1", "K2"}},
		} {
			t.Run(tc.who, func(t *testing.T) {
				if got := accountNames(gqltest.WithToken(env, tc.c.tok)); !sameList(got, tc.visible) {
					t.Fatalf("sees accounts %v, want %v", got, tc.visible)
				}
				g := tc.c.gaps(gapArgs{})
				// Ties (K1, N1 and U1 at ±200) go by account id: compare as sets, then the widest first.
				if got := gapNames(g); !sameList(sorted(got), sorted(tc.gaps)) || g.TotalCount != len(tc.gaps) {
					t.Errorf("perceptionGaps %v (totalCount %d), want %v", got, g.TotalCount, tc.gaps)
				}
				checkAgreement(t, g)
				r := tc.c.atRisk(riskArgs{})
				if got := riskNames(r); !sameList(sorted(got), sorted(tc.visible)) || r.TotalCount != len(tc.visible) {
					t.Errorf("atRiskAccounts %v (totalCount %d), want %v", got, r.TotalCount, tc.visible)
				}
				// Filtering by another's accounts reveals nothing.
				if tc.who == "kim" {
					if g := tc.c.gaps(gapArgs{where: &gqltest.PerceptionGapFilter{OwnerIDs: []string{kenID}}}); g.TotalCount != 0 || len(g.Edges) != 0 {
						t.Errorf("kim sees ken's gaps: %v", gapNames(g))
					}
					if r := tc.c.atRisk(riskArgs{where: &gqltest.AccountHealthFilter{OwnerIDs: []string{kenID}}}); r.TotalCount != 0 {
						t.Errorf("kim sees ken's health: %v", riskNames(r))
					}
				}
			})
		}

		// Another's account is not found, with its perception and health.
		kimAPI := gqltest.WithToken(env, kim.tok)
		for _, id := range []string{ids["N1"], ids["U1"]} {
			out, err := gqltest.AccountVoices(ctx, kimAPI, id)
			if code, _ := gqltest.Code(err); (err != nil && code != "NOT_FOUND") || out == nil || out.Node != nil {
				t.Errorf("kim reads account %s: %+v, %v", id, out, err)
			}
		}
		// Their own account reads the same as the admin sees it: a council kim cannot see still
		// counts for K1's health.
		for _, id := range []string{ids["K1"], ids["K2"]} {
			mine, theirs := kim.healthOf(id), admin.healthOf(id)
			if math.Abs(mine.Score-theirs.Score) > eps || dump(mine.Factors) != dump(theirs.Factors) {
				t.Errorf("health of %s: kim %s, admin %s", id, dump(mine), dump(theirs))
			}
			if a, b := kim.perceptionOf(id, nil, nil), admin.perceptionOf(id, nil, nil); dump(a.Purchaser) != dump(b.Purchaser) ||
				dump(a.EndUser) != dump(b.EndUser) || !sameFloat(a.NpsGap, b.NpsGap) {
				t.Errorf("perception of %s: kim %s, admin %s", id, dump(a), dump(b))
			}
		}
		if v, _ := factor(t, kim.healthOf(ids["K1"]), "COUNCIL_PARTICIPATION"); !sameFloat(v, ptr(2.0)) {
			t.Errorf("K1 council participation %s, want 2 (the shared person and the cross member)", show(v))
		}

		// A cross-account council is visible to kim, its perception and accounts only through
		// kim's accounts: K1's end user at 0 (N1's end user at 10 is not hers to see).
		p, accounts := kim.councilPerception(cross)
		expectFloat(t, "kim: council end-user NPS", p.EndUser.Nps, ptr(-100.0))
		if p.EndUser.NpsResponses != 1 || !sameList(accounts, []string{"K1"}) {
			t.Errorf("kim: council responses %d, accounts %v; want 1, [K1]", p.EndUser.NpsResponses, accounts)
		}
		p, accounts = admin.councilPerception(cross)
		expectFloat(t, "admin: council end-user NPS", p.EndUser.Nps, ptr(0.0))
		if p.EndUser.NpsResponses != 2 || !sameList(accounts, []string{"K1", "N1"}) {
			t.Errorf("admin: council responses %d, accounts %v; want 2, [K1 N1]", p.EndUser.NpsResponses, accounts)
		}

		// Kim captures feedback on her accounts, not on others'.
		kim.nps(ids["K2"], endUserOf(t, admin, ids["K2"]), 0, time.Now().Add(-time.Minute))
		r := env.Do(kim.tok, `mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"accountID": ids["N1"], "authorID": n1User, "channel": "EMAIL", "kind": "PRAISE"}})
		if e := r.MustFail(t, "NOT_FOUND"); e.Field() != "accountID" {
			t.Errorf("kim capturing on ken's account: %s", r.Body)
		}
		for _, e := range kim.gaps(gapArgs{}).Edges {
			if e.Node.Account.Name == "K2" && e.Node.NpsGap != 200 {
				t.Errorf("K2 after kim's capture: gap %v, want 100 − (−100)", e.Node.NpsGap)
			}
		}
		if g := ken.gaps(gapArgs{}); len(g.Edges) != 1 || g.Edges[0].Node.EndUserResponses != 1 {
			t.Errorf("ken's gaps after kim's attempt: %s", dump(g))
		}
	})
}

// endUserOf returns the id of an end user of the account.
func endUserOf(t *testing.T, c *client, accountID string) string {
	t.Helper()
	out, err := gqltest.EndUsersOf(context.Background(), gqltest.WithToken(c.env, c.tok), &accountID)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.EndUsers.Edges) == 0 {
		t.Fatalf("no end user on %s", accountID)
	}
	return out.EndUsers.Edges[0].Node.PersonID
}
