package server_test

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/seeds"
	"github.com/stakegraph/stakegraph/server"
)

// BenchmarkCostModel times one operation of each kind the cost model prices, through the
// HTTP API on SQLite over the seeds' scale generator (1,000 accounts, 50 feedback rows each:
// 50,000 feedback rows, some 13,000 people), and reports each one's median time, its cost and
// the time per unit of cost. The weights are right when the time per unit is of one order for
// every kind: then the complexity limit bounds time, whatever an operation is made of.
// Generating the fixture takes a minute or two.
//
//	go test -run '^$' -bench BenchmarkCostModel -benchtime 10x -timeout 30m ./server/
func BenchmarkCostModel(b *testing.B) {
	db := storagetest.Open(b, "sqlite")
	err := seeds.Generate(viewer.AsSystem(context.Background(), "benchmark"), db,
		seeds.Scale{Tenant: "scale", Accounts: 1000, FeedbackPerAccount: 50})
	if err != nil {
		b.Fatal(err)
	}
	env := apitest.Serve(b, db, apitest.WithConfig(func(c *server.Config) { c.MaxComplexity = 1 << 40 }))
	pricing := apitest.Serve(b, db, apitest.WithConfig(func(c *server.Config) { c.MaxComplexity = 0 }))
	token := env.Token("scale", "ADMIN", seeds.DemoAdmin)
	pricingToken := pricing.Token("scale", "ADMIN", seeds.DemoAdmin)
	price := regexp.MustCompile(`complexity is (\d+),`)

	var ids struct {
		Accounts struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.Do(token, `{ accounts(first: 100) { edges { node { id } } } }`, nil).MustOK(b, &ids)
	var accounts []string
	for _, e := range ids.Accounts.Edges {
		accounts = append(accounts, e.Node.ID)
	}
	shapes := []struct{ name, query string }{
		{"page of 100 accounts, 10 fields", `{ accounts(first: 100) { edges { node { id name domain tier stage region industry size createdAt version } } } }`},
		{"100 accounts × 20 end users with their person", `{ accounts(first: 100) { edges { node { endUsers(first: 20) { edges { node { id person { name } } } } } } } }`},
		{"100 accounts × three lists of 20", `{ accounts(first: 100) { edges { node { id name
			endUsers(first: 20) { edges { node { id person { name } } } }
			buyingContacts(first: 20) { edges { node { id person { name } } } }
			feedback(first: 20) { edges { node { id score } } } } } } }`},
		{"100 accounts × their feedback count", `{ accounts(first: 100) { edges { node { feedback(first: 0) { totalCount } } } } }`},
		{"count of the tenant's feedback", `{ feedback(first: 0) { totalCount } }`},
		{"filtered page of feedback matching nothing", `{ feedback(first: 20, where: {bodyContains: "zzz"}) { edges { node { id } } } }`},
		{"atRiskAccounts", `{ atRiskAccounts(first: 20) { totalCount edges { node { score band account { name } } } } }`},
		{"perceptionGaps", `{ perceptionGaps(first: 20) { totalCount edges { node { npsGap account { name } } } } }`},
		{"100 accounts × perception", `{ accounts(first: 100) { edges { node { perception { npsGap topics { topic } trend { month } } } } } }`},
		{"100 accounts × health", `{ accounts(first: 100) { edges { node { health { score factors { name } reasons } } } } }`},
		{"20 accounts × timeline of 10", `{ accounts(first: 20) { edges { node { timeline(first: 10) { totalCount edges { node { at } } } } } } }`},
		{"20 councils × perception", `{ userCouncils(first: 20) { edges { node { perception { npsGap } } } } }`},
		{"20 councils × attendance", `{ userCouncils(first: 20) { edges { node { attendance { rate } } } } }`},
		{"100 contracts × seat utilisation", `{ contracts(first: 100) { edges { node { seatUtilisation daysToRenewal } } } }`},
		{"nodes of 100 accounts", `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Account { name } } }`},
	}
	vars := map[string]any{"ids": accounts}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			m := price.FindStringSubmatch(pricing.Do(pricingToken, s.query, vars).MustFail(b, "BAD_USER_INPUT").Message)
			if m == nil {
				b.Fatalf("%s: not refused for its cost", s.name)
			}
			cost, _ := strconv.Atoi(m[1])
			env.Do(token, s.query, vars).MustOK(b, nil) // warms the caches
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				env.Do(token, s.query, vars).MustOK(b, nil)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			median := took[len(took)/2]
			b.ReportMetric(float64(median.Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(cost), "cost")
			b.ReportMetric(float64(median.Nanoseconds())/1000/float64(cost), "µs/unit")
		})
	}
}
