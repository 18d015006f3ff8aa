package seeds_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/seeds"
)

var testScale = seeds.Scale{
	Tenant: "scale", Accounts: 30, FeedbackPerAccount: 20,
	AsOf: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
}

func count(t *testing.T, db *storage.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// digest sums up the rows a query returns, to compare two data sets.
func digest(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339Nano)
			}
			fmt.Fprintf(h, "%v|", v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestGenerateShape(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		start := time.Now()
		if err := seeds.Generate(ctx, db, testScale); err != nil {
			t.Fatal(err)
		}
		t.Logf("generated %d accounts × %d feedback in %s", testScale.Accounts, testScale.FeedbackPerAccount, time.Since(start))

		exact := map[string]int{
			"SELECT COUNT(*) FROM accounts":                             30,
			"SELECT COUNT(*) FROM accounts WHERE parent_id IS NOT NULL": 1,
			"SELECT COUNT(*) FROM feedback":                             600,
			"SELECT COUNT(*) FROM buying_contacts":                      90,
			"SELECT COUNT(*) FROM contracts":                            45,
			"SELECT COUNT(*) FROM user_councils":                        3,
			"SELECT COUNT(*) FROM interactions":                         120,
			// Every account has exactly one primary buyer, who signed its contracts.
			"SELECT COUNT(*) FROM buying_contacts WHERE `primary`":                                                             30,
			"SELECT COUNT(*) FROM contracts c JOIN buying_contacts b ON b.id = c.signed_by_id AND b.account_id = c.account_id": 45,
			// Each persona's voice comes from someone with that role at the account.
			`SELECT COUNT(*) FROM feedback f WHERE f.persona = 'PURCHASER' AND NOT EXISTS
			   (SELECT 1 FROM buying_contacts b WHERE b.account_id = f.account_id AND b.person_id = f.author_id)`: 0,
			`SELECT COUNT(*) FROM feedback f WHERE f.persona = 'END_USER' AND NOT EXISTS
			   (SELECT 1 FROM end_users e WHERE e.account_id = f.account_id AND e.person_id = f.author_id)`: 0,
			// Scores only where the kind has one, in its range.
			"SELECT COUNT(*) FROM feedback WHERE kind = 'NPS' AND (score IS NULL OR score < 0 OR score > 10)": 0,
			"SELECT COUNT(*) FROM feedback WHERE kind = 'CSAT' AND (score IS NULL OR score < 1 OR score > 5)": 0,
			"SELECT COUNT(*) FROM feedback WHERE kind NOT IN ('NPS', 'CSAT') AND score IS NOT NULL":           0,
			"SELECT COUNT(*) FROM feedback WHERE (kind = 'COMPLAINT') <> (status IS NOT NULL)":                0,
			"SELECT COUNT(*) FROM contracts WHERE end_date <= start_date":                                     0,
			"SELECT COUNT(*) FROM members WHERE role = 'KEY_ACCOUNT_MANAGER'":                                 4,
			"SELECT COUNT(DISTINCT owner_id) FROM accounts":                                                   4,
			"SELECT COUNT(*) FROM council_memberships m JOIN end_users e ON e.person_id = m.person_id":        12,
			"SELECT COUNT(*) FROM feedback WHERE received_at > ? OR received_at < ?":                          0,
			// LatestNPS holds each person's latest NPS per persona and account.
			"SELECT COUNT(*) FROM (SELECT DISTINCT account_id, persona, author_id FROM feedback WHERE kind = 'NPS') k": count(t, db, "SELECT COUNT(*) FROM latest_nps"),
		}
		for q, want := range exact {
			var args []any
			if strings.Contains(q, "?") {
				args = []any{testScale.AsOf, testScale.AsOf.AddDate(-1, 0, 0)}
			}
			if got := count(t, db, q, args...); got != want {
				t.Errorf("%s: %d, want %d", strings.Join(strings.Fields(q), " "), got, want)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM end_users"); n < 30*5 || n > 30*20 {
			t.Errorf("%d end users, want 5 to 20 per account", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM contracts WHERE status = 'ACTIVE' AND end_date < ?", testScale.AsOf.AddDate(0, 0, 60)); n < 3 {
			t.Errorf("%d contracts renew within 60 days, want some", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM latest_nps l JOIN feedback f ON f.id = l.feedback_id WHERE f.score <> l.score"); n != 0 {
			t.Errorf("%d latest NPS rows disagree with their feedback", n)
		}
		if err := seeds.Generate(ctx, db, testScale); err == nil || !strings.Contains(err.Error(), "already has 30 accounts") {
			t.Errorf("generating into the same tenant again: %v", err)
		}
	})
}

// TestGenerateIsDeterministic: the same scale gives the same rows and ids.
func TestGenerateIsDeterministic(t *testing.T) {
	kind := storagetest.Kinds()[len(storagetest.Kinds())-1]
	a, b := storagetest.Open(t, kind), storagetest.Open(t, kind)
	for _, db := range []*storage.DB{a, b} {
		if err := seeds.Generate(context.Background(), db, testScale); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		"SELECT id, name, tier, stage, parent_id FROM accounts ORDER BY id",
		"SELECT id, email, name FROM people ORDER BY id",
		"SELECT id, account_id, number, start_date, end_date, seats FROM contracts ORDER BY id",
		"SELECT id, account_id, author_id, persona, kind, score, sentiment, received_at, status FROM feedback ORDER BY id",
		"SELECT id, feedback_id, score FROM latest_nps ORDER BY id",
	} {
		if da, db := digest(t, a.SQL, q), digest(t, b.SQL, q); da != db {
			t.Errorf("%s differs between two runs", q)
		}
	}
}

// TestGeneratedDataThroughTheAPI: the generated tenant is usable through the API, with the
// rules: a key-account manager sees the quarter of the accounts they own, the views rank
// them, and a generated row updates like any other.
func TestGeneratedDataThroughTheAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		if err := seeds.Generate(context.Background(), env.DB, testScale); err != nil {
			t.Fatal(err)
		}
		kam := env.Token(testScale.Tenant, "KEY_ACCOUNT_MANAGER", "kam-anna")
		var out struct {
			Accounts struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			PerceptionGaps struct {
				Edges []struct {
					Node struct {
						NpsGap  *float64
						Account struct{ ID string }
					}
				}
			}
			AtRiskAccounts struct {
				Edges []struct{ Node struct{ Score float64 } }
			}
		}
		env.Do(kam, `{
			accounts(first: 1) { totalCount edges { node { id } } }
			perceptionGaps(first: 5) { edges { node { npsGap account { id } } } }
			atRiskAccounts(first: 5) { edges { node { score } } }
		}`, nil).MustOK(t, &out)
		if out.Accounts.TotalCount < 7 || out.Accounts.TotalCount > 8 {
			t.Errorf("kam-anna sees %d of 30 accounts, want her quarter", out.Accounts.TotalCount)
		}
		if len(out.PerceptionGaps.Edges) == 0 || out.PerceptionGaps.Edges[0].Node.NpsGap == nil {
			t.Errorf("no perception gaps ranked: %+v", out.PerceptionGaps)
		}
		if len(out.AtRiskAccounts.Edges) == 0 {
			t.Error("no accounts ranked by health")
		}

		admin := env.Token(testScale.Tenant, "ADMIN", seeds.DemoAdmin)
		var upd struct {
			UpdateAccount struct {
				Version int
				Name    string
			}
		}
		env.Do(admin, `mutation($id: ID!) { updateAccount(id: $id, expectedVersion: 1, input: {name: "Renamed"}) { version name } }`,
			map[string]any{"id": out.Accounts.Edges[0].Node.ID}).MustOK(t, &upd)
		if upd.UpdateAccount.Version != 2 || upd.UpdateAccount.Name != "Renamed" {
			t.Errorf("updating a generated account: %+v", upd)
		}
	})
}
