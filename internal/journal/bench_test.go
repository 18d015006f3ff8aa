package journal_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/ent"
	entchange "github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// BenchmarkJournal journals the creation of 1,000 accounts in one transaction, as a bulk sync
// batch does, into MariaDB, and reports what a change costs: time, and the processor time of
// this process and of the database server (when it runs on this machine). A change is one row
// of the journal, whatever wrote it, so this is the part of every synced record's cost that
// journaling in the same transaction adds.
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' \
//	  go test -run '^$' -bench BenchmarkJournal -benchtime 50x ./journal/
func BenchmarkJournal(b *testing.B) {
	storagetest.NeedMySQL(b, "run the journal benchmark on MariaDB")
	db := storagetest.Open(b, "mysql")
	ctx := viewer.NewContext(context.Background(), viewer.Viewer{TenantID: pulid.New("ten"), Subject: "bench", Role: enum.RoleIntegration})
	const perBatch = 1000
	tiers := []string{"STRATEGIC", "KEY", "GROWTH", "STANDARD"}
	batch := func(round int) []journal.Change {
		changes := make([]journal.Change, perBatch)
		for i := range changes {
			n := round*perBatch + i
			ext := fmt.Sprintf("ACC-%07d", n)
			changes[i] = journal.Change{EntityType: "Account", EntityID: pulid.New("acc"), ExternalID: &ext,
				Operation: entchange.OperationCREATE, Fields: []delta.Field{
					{Name: "external_id", New: ext}, {Name: "name", New: fmt.Sprintf("Customer %d", n)},
					{Name: "domain", New: fmt.Sprintf("customer%d.example", n)}, {Name: "industry", New: "Manufacturing"},
					{Name: "region", New: "EMEA"}, {Name: "tier", New: tiers[n%len(tiers)]}, {Name: "stage", New: "ACTIVE"},
				}}
		}
		return changes
	}
	batches := make([][]journal.Change, b.N) // the caller's work, not the journal's
	for round := range batches {
		batches[round] = batch(round)
	}
	b.ResetTimer()
	cpu := storagetest.CPUNow()
	for _, changes := range batches {
		err := journal.Run(ctx, db.Client, func(ctx context.Context, _ *ent.Tx) error {
			return journal.Append(ctx, changes...)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cost := storagetest.CPUNow().Since(cpu)
	changes := float64(b.N * perBatch)
	b.ReportMetric(float64(b.Elapsed().Microseconds())/changes, "µs/change")
	if cost.ProcessKnown {
		b.ReportMetric(float64(cost.Process.Microseconds())/changes, "app-µs/change")
	}
	if cost.DatabaseKnown {
		b.ReportMetric(float64(cost.Database.Microseconds())/changes, "db-µs/change")
	}
}
