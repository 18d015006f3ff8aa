package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// TestTenantViewsLeaveOutChurnedAccounts: a churned account has no renewal left to save, so
// atRiskAccounts and perceptionGaps leave it out unless it is asked for by stage. Its own
// health and perception stay readable.
func TestTenantViewsLeaveOutChurnedAccounts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		now := time.Now()
		// Both sour, with a wide gap: without the stage rule both would top both views.
		live := c.createAccount("Live", map[string]any{"stage": "ACTIVE"})
		gone := c.createAccount("Gone", map[string]any{"stage": "CHURNED"})
		for _, id := range []string{live, gone} {
			c.voices(id, id, now.Add(-time.Hour), []int{10}, []int{0})
			author := c.endUser(id, id+" complainer", nil)
			for range 4 {
				c.feedback(map[string]any{"accountID": id, "authorID": author, "kind": "COMPLAINT", "body": "broken"})
			}
		}

		for _, tc := range []struct {
			name   string
			tiers  []gqltest.AccountTier // with stages, the filter of both views; none when both are nil
			stages []gqltest.AccountStage
			want   []string
		}{
			{"no stage", nil, nil, []string{"Live"}},
			{"other filters", []gqltest.AccountTier{gqltest.AccountTierStandard}, nil, []string{"Live"}},
			{"churned asked for", nil, []gqltest.AccountStage{gqltest.AccountStageChurned}, []string{"Gone"}},
			{"churned among others", nil, []gqltest.AccountStage{gqltest.AccountStageActive, gqltest.AccountStageChurned}, []string{"Gone", "Live"}},
			{"other stages", nil, []gqltest.AccountStage{gqltest.AccountStageActive}, []string{"Live"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var riskWhere *gqltest.AccountHealthFilter
				var gapWhere *gqltest.PerceptionGapFilter
				if tc.tiers != nil || tc.stages != nil {
					riskWhere = &gqltest.AccountHealthFilter{Tiers: tc.tiers, Stages: tc.stages}
					gapWhere = &gqltest.PerceptionGapFilter{Tiers: tc.tiers, Stages: tc.stages}
				}
				risk := c.atRisk(riskArgs{where: riskWhere})
				if got := sortedNames(riskNames(risk)); !sameList(got, tc.want) || risk.TotalCount != len(tc.want) {
					t.Errorf("atRiskAccounts %v (totalCount %d), want %v", got, risk.TotalCount, tc.want)
				}
				gaps := c.gaps(gapArgs{where: gapWhere})
				if got := sortedNames(gapNames(gaps)); !sameList(got, tc.want) || gaps.TotalCount != len(tc.want) {
					t.Errorf("perceptionGaps %v (totalCount %d), want %v", got, gaps.TotalCount, tc.want)
				}
			})
		}

		h := c.healthOf(gone)
		if h.Band != "AT_RISK" {
			t.Errorf("the churned account's own health: %v %s, want AT_RISK", h.Score, h.Band)
		}
	})
}

func sortedNames(names []string) []string { return slices.Sorted(slices.Values(names)) }
