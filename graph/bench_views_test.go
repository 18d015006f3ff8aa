package graph_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent/tenant"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/seeds"
)

// The views benchmark's fixture: 10,000 accounts with 100 feedback rows each, in a MariaDB
// database that outlives the run, because generating it takes minutes.
const (
	viewsDatabase = "stakegraph_bench_views"
	viewsTenant   = "scale"
	viewsAccounts = 10_000
	viewsFeedback = 100
)

// BenchmarkViews times the tenant views and one account's perception through the HTTP API
// over 1,000,000 feedback rows on MariaDB, and reports each one's median and p95 in ms. The
// first run generates the fixture with the seeds' scale generator into the database
// stakegraph_bench_views, which later runs reuse (drop it to start again).
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' \
//	  go test -run '^$' -bench BenchmarkViews -benchtime 50x -timeout 60m ./graph/
func BenchmarkViews(b *testing.B) {
	storagetest.NeedMySQL(b, "run the views benchmark on MariaDB")
	db := storagetest.OpenKept(b, viewsDatabase)
	viewsFixture(b, db)
	env := apitest.Serve(b, db)
	token := env.Token(viewsTenant, "ADMIN", seeds.DemoAdmin)
	// A key-account manager sees the quarter of the accounts they own, through the access rules.
	kam := env.Token(viewsTenant, "KEY_ACCOUNT_MANAGER", "kam-anna")

	// The account with the widest gap: its perception has two voices to compare.
	var widest struct {
		PerceptionGaps struct {
			Edges []struct {
				Node struct{ Account struct{ ID string } }
			}
		}
	}
	env.Do(token, `{ perceptionGaps(first: 1) { edges { node { account { id } } } } }`, nil).MustOK(b, &widest)
	if len(widest.PerceptionGaps.Edges) == 0 {
		b.Fatal("the fixture has no account with both voices")
	}
	accountID := widest.PerceptionGaps.Edges[0].Node.Account.ID

	gaps := `query { perceptionGaps(first: 20) {
			totalCount edges { cursor node { npsGap purchaserNps endUserNps purchaserResponses endUserResponses
				account { id name tier } } } pageInfo { hasNextPage endCursor } } }`
	atRisk := `query { atRiskAccounts(first: 20) {
			totalCount edges { cursor node { score band reasons factors { name value weight contribution }
				account { id name } } } pageInfo { hasNextPage endCursor } } }`
	views := []struct {
		name  string
		token string
		query string
		vars  map[string]any
	}{
		{"perceptionGaps", token, gaps, nil},
		{"perceptionGapsFiltered", token, `query { perceptionGaps(first: 20, where: {tiers: [STRATEGIC, KEY], minResponses: 2}) {
			totalCount edges { node { npsGap account { id name } } } } }`, nil},
		{"perceptionGapsKeyAccountManager", kam, gaps, nil},
		{"atRiskAccounts", token, atRisk, nil},
		{"atRiskAccountsKeyAccountManager", kam, atRisk, nil},
		{"perception", token, `query($id: ID!) { node(id: $id) { ... on Account { perception {
			purchaser { responses npsResponses nps csat sentiment } endUser { responses npsResponses nps csat sentiment }
			npsGap csatGap topics { topic sentimentGap purchaser { count sentiment } endUser { count sentiment } }
			trend { month persona responses nps csat sentiment } } } } }`, map[string]any{"id": accountID}},
	}
	for _, v := range views {
		b.Run(v.name, func(b *testing.B) {
			env.Do(v.token, v.query, v.vars).MustOK(b, nil) // warms the buffer pool and the plan
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				env.Do(v.token, v.query, v.vars).MustOK(b, nil)
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(took[len(took)/2]), "ms-median")
			b.ReportMetric(ms(took[(len(took)*95+99)/100-1]), "ms-p95")
		})
	}
}

// viewsFixture makes sure the database holds the whole fixture, generating it when the tenant
// has no accounts yet.
func viewsFixture(b *testing.B, db *storage.DB) {
	ctx := viewer.AsSystem(context.Background(), "benchmark")
	t, err := db.Client.Tenant.Query().Where(tenant.Slug(viewsTenant)).Only(ctx)
	if err == nil {
		admin := viewer.NewContext(ctx, viewer.Viewer{TenantID: t.ID, Subject: seeds.DemoAdmin, Role: enum.RoleAdmin})
		accounts, err1 := db.Client.Account.Query().Count(admin)
		feedback, err2 := db.Client.Feedback.Query().Count(admin)
		if err := errors.Join(err1, err2); err != nil {
			b.Fatal(err)
		}
		if accounts == viewsAccounts && feedback == viewsAccounts*viewsFeedback {
			return
		}
		if accounts > 0 {
			b.Fatalf("%s holds %d accounts and %d feedback rows, not the fixture: drop the database and run again",
				viewsDatabase, accounts, feedback)
		}
	}
	start := time.Now()
	err = seeds.Generate(ctx, db, seeds.Scale{Tenant: viewsTenant, Accounts: viewsAccounts,
		FeedbackPerAccount: viewsFeedback, AsOf: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated the fixture in %s", time.Since(start).Round(time.Second))
}
