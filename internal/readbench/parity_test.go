package readbench_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/readbench"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// TestBaselineAnswersAsStakegraph: for every shape of the read benchmark, the hand-written
// server gives the answer stakegraph gives, over generated data and a few accounts with empty
// edges and missing values, so that the benchmark compares the same work.
func TestBaselineAnswersAsStakegraph(t *testing.T) {
	storagetest.NeedMySQL(t, "check the read benchmark's baseline (it speaks MariaDB's SQL)")
	f := newFixture(t, 40, 20)
	f.addSparseAccounts(t)
	f.pickAccounts(t, 50) // every account: the sparse ones too
	f.checkSameAnswers(t, readbench.Shapes(f.accounts))
}

// addSparseAccounts adds, first by name, an account with nothing hanging off it and one whose
// contacts, contract and feedback leave out what they may: department, seats, sentiment, body.
func (f *fixture) addSparseAccounts(t *testing.T) {
	t.Helper()
	do := func(query string, vars map[string]any) map[string]map[string]any {
		var out map[string]map[string]any
		f.env.Do(f.token, query, vars).MustOK(t, &out)
		return out
	}
	create := `mutation($name: String!, $tier: AccountTier!) { createAccount(input: {name: $name, tier: $tier}) { id } }`
	do(create, map[string]any{"name": "Aaa Empty", "tier": "STRATEGIC"})
	sparse := do(create, map[string]any{"name": "Aab Sparse", "tier": "KEY"})["createAccount"]["id"]
	user := do(`mutation($a: ID!) { addEndUser(input: {accountID: $a, email: "uma@sparse.example", name: "Uma"}) { person { id } } }`,
		map[string]any{"a": sparse})["addEndUser"]["person"].(map[string]any)["id"]
	buyer := do(`mutation($a: ID!) { addBuyingContact(input: {accountID: $a, email: "bea@sparse.example", name: "Bea"}) { person { id } } }`,
		map[string]any{"a": sparse})["addBuyingContact"]["person"].(map[string]any)["id"]
	now := time.Now().UTC()
	do(`mutation($a: ID!, $start: Time!, $end: Time!) { createContract(input: {accountID: $a, number: "SPARSE-1", startDate: $start, endDate: $end, currency: "EUR"}) { id } }`,
		map[string]any{"a": sparse, "start": now.AddDate(0, -1, 0).Truncate(24 * time.Hour), "end": now.AddDate(1, 0, 0).Truncate(24 * time.Hour)})
	feedback := `mutation($a: ID!, $p: ID!, $kind: FeedbackKind!, $score: Int, $sentiment: Float, $topics: [String!]) {
		captureFeedback(input: {accountID: $a, authorID: $p, channel: EMAIL, kind: $kind, score: $score, sentiment: $sentiment, topics: $topics}) { id } }`
	do(feedback, map[string]any{"a": sparse, "p": user, "kind": "COMMENT", "topics": []string{"pricing"}})
	do(feedback, map[string]any{"a": sparse, "p": user, "kind": "NPS", "score": 3, "sentiment": -0.5, "topics": []string{"pricing", "support"}})
	do(feedback, map[string]any{"a": sparse, "p": buyer, "kind": "NPS", "score": 10})
	do(feedback, map[string]any{"a": sparse, "p": buyer, "kind": "CSAT", "score": 4, "sentiment": 0.25, "topics": []string{"pricing"}})
}

// TestBaselineRefuses: the baseline answers only the benchmark's operations, for the roles
// that see the whole tenant, with a valid token; anything else gets stakegraph's error codes.
func TestBaselineRefuses(t *testing.T) {
	storagetest.NeedMySQL(t, "check the read benchmark's baseline (it speaks MariaDB's SQL)")
	f := newFixture(t, 2, 1)
	simple, _ := readbench.ShapeNamed(readbench.SimplePageOp, nil)
	kam := f.env.Token(benchTenant, "KEY_ACCOUNT_MANAGER", "kam-anna")
	for _, tc := range []struct {
		name, token, body string
		status            int
		code              string
	}{
		{"no token", "", string(readbench.RequestBody(simple, 0)), http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"a bad token", f.token + "x", string(readbench.RequestBody(simple, 0)), http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"a role that sees some accounts", kam, string(readbench.RequestBody(simple, 0)), http.StatusForbidden, "FORBIDDEN"},
		{"another operation", f.token, `{"query": "query Other { accounts { totalCount } }"}`, http.StatusBadRequest, "BAD_USER_INPUT"},
		{"not JSON", f.token, `{"query": `, http.StatusBadRequest, "BAD_USER_INPUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, raw, err := readbench.Post(t.Context(), f.client, f.urls[baselineServer], tc.token, []byte(tc.body))
			if err != nil || status != tc.status || !strings.Contains(string(raw), `"code":"`+tc.code+`"`) || strings.Contains(string(raw), `"data"`) {
				t.Fatalf("got %d %v %s, want %d with %s and no data", status, err, raw, tc.status, tc.code)
			}
		})
	}
}
