package bulksync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// BenchmarkSyncFeedback syncs 5,000 pieces of feedback (NPS responses, a fifth of them
// resolved complaints) by 500 authors in batches of 1,000 into SQLite, or MariaDB with
// STAKEGRAPH_BENCH_DB=mysql, and reports records per second: the feedback rules and the
// LatestNPS upkeep run once a batch, so the rate must not fall with the batch's size.
//
//	go test -run '^$' -bench BenchmarkSyncFeedback -benchtime 3x ./internal/bulksync/
func BenchmarkSyncFeedback(b *testing.B) {
	const authors, perAuthor, batchSize = 500, 10, 1000
	db := "sqlite"
	if envInt("STAKEGRAPH_BENCH_MYSQL", 0) == 1 {
		db = "mysql"
	}
	var took time.Duration
	for range b.N {
		env := apitest.New(b, db)
		token := env.Token("bench", "INTEGRATION", "erp")
		warm(b, env, token)
		var accounts, people, contacts []object
		for i := range authors {
			accounts = append(accounts, object{"externalID": fmt.Sprintf("acc-%d", i), "name": fmt.Sprintf("Account %d", i)})
			people = append(people, object{"externalID": fmt.Sprintf("per-%d", i), "email": fmt.Sprintf("p%d@bench.example", i), "name": "P"})
			contacts = append(contacts, object{"externalID": fmt.Sprintf("bc-%d", i), "accountExternalID": fmt.Sprintf("acc-%d", i),
				"personExternalID": fmt.Sprintf("per-%d", i)})
		}
		doSync(b, env, token, syncAccounts, accounts, true)
		doSync(b, env, token, syncPeople, people, true)
		doSync(b, env, token, syncBuyingContacts, contacts, true)
		var items []object
		for i := range authors * perAuthor {
			a := i % authors
			f := object{"externalID": fmt.Sprintf("fb-%d", i), "accountExternalID": fmt.Sprintf("acc-%d", a),
				"authorExternalID": fmt.Sprintf("per-%d", a), "channel": "SURVEY", "kind": "NPS", "score": i % 11,
				"receivedAt": time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339)}
			if i%5 == 0 {
				delete(f, "score")
				f["kind"], f["status"] = "COMPLAINT", "RESOLVED"
			}
			items = append(items, f)
		}
		start := time.Now()
		for from := 0; from < len(items); from += batchSize {
			expectAll := doSync(b, env, token, syncFeedback, items[from:from+batchSize], true)
			if expectAll.Created != batchSize {
				b.Fatalf("created %d of %d: %s", expectAll.Created, batchSize, expectAll)
			}
		}
		took += time.Since(start)
	}
	b.ReportMetric(float64(b.N*authors*perAuthor)/took.Seconds(), "records/s")
}
