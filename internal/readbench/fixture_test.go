package readbench_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/readbench"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/seeds"
)

// benchTenant is the tenant the scale generator fills.
const benchTenant = "scale"

// fixture is the generated data served by stakegraph and by the baseline side by side.
type fixture struct {
	env      *apitest.Env
	urls     map[string]string // server name → GraphQL endpoint
	token    string            // an ADMIN token of the tenant
	accounts []string          // the accounts AccountVoices asks about in turn
	client   *http.Client
}

// The servers' names in reports.
const (
	stakegraphServer = "stakegraph"
	baselineServer   = "baseline"
)

// newFixture generates the accounts with the feedback per account into a fresh MariaDB
// database and serves them through stakegraph and the baseline: the same database and the
// same pool (storage.Open's settings), authentication built the same way.
func newFixture(tb testing.TB, accounts, feedback int) *fixture {
	tb.Helper()
	db := storagetest.Open(tb, "mysql")
	ctx := viewer.AsSystem(context.Background(), "benchmark")
	if err := seeds.Generate(ctx, db, seeds.Scale{Tenant: benchTenant, Accounts: accounts, FeedbackPerAccount: feedback}); err != nil {
		tb.Fatal(err)
	}
	env := apitest.Serve(tb, db)
	baseline := httptest.NewServer(readbench.NewBaseline(db.SQL, env.NewAuthenticator(), nil, apitest.Logger(tb)))
	tb.Cleanup(baseline.Close)
	f := &fixture{env: env, token: env.Token(benchTenant, "ADMIN", seeds.DemoAdmin),
		urls:   map[string]string{stakegraphServer: env.URL + "/graphql", baselineServer: baseline.URL + "/graphql"},
		client: &http.Client{}}
	f.pickAccounts(tb, 50)
	return f
}

// pickAccounts takes up to n accounts spread over the tenant's, in the order of their ids.
func (f *fixture) pickAccounts(tb testing.TB, n int) {
	tb.Helper()
	rows, err := f.env.DB.SQL.Query("SELECT a.id FROM accounts a JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = ? ORDER BY a.id", benchTenant)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			tb.Fatal(err)
		}
		all = append(all, id)
	}
	f.accounts = f.accounts[:0]
	step := max(1, len(all)/n)
	for i := 0; i < len(all) && len(f.accounts) < n; i += step {
		f.accounts = append(f.accounts, all[i])
	}
}

// ask sends the shape's n-th request to the server and returns the answer; it fails the test
// unless the status is 200 and the answer has no errors.
func (f *fixture) ask(tb testing.TB, server string, s readbench.Shape, n int) []byte {
	tb.Helper()
	status, raw, err := readbench.Post(context.Background(), f.client, f.urls[server], f.token, readbench.RequestBody(s, n))
	if err != nil || status != http.StatusOK || strings.Contains(string(raw), `"errors"`) {
		tb.Fatalf("%s %s: %d %v %.500s", server, s.Name, status, err, raw)
	}
	return raw
}

// checkSameAnswers asks both servers every request of the shapes and fails unless they give
// the same answers.
func (f *fixture) checkSameAnswers(tb testing.TB, shapes []readbench.Shape) {
	tb.Helper()
	for _, s := range shapes {
		for n := range readbench.Variants(s, f.accounts) {
			want, got := f.ask(tb, stakegraphServer, s, n), f.ask(tb, baselineServer, s, n)
			diff, err := readbench.Difference(want, got)
			if err != nil || diff != "" {
				tb.Fatalf("%s, request %d: the baseline's answer differs from stakegraph's: %s %v\nstakegraph: %.2000s\nbaseline:   %.2000s",
					s.Name, n, diff, err, want, got)
			}
		}
	}
}
