package bulksync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/sqlbatch"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/server"
)

// BenchmarkSync syncs accounts, people, buying contacts and end users through the HTTP API into
// MariaDB in batches of 1,000, then sends everything again, and reports records per second for
// both passes. It needs STAKEGRAPH_TEST_MYSQL_DSN; STAKEGRAPH_BENCH_ACCOUNTS sets the number
// of accounts (default 100,000; three people per account, one buying contact and two end
// users), STAKEGRAPH_BENCH_WORKERS the number of concurrent senders (default 1). The server
// runs in this process with the garbage collector's target that serve sets (server.TuneGC).
//
// Besides the rates it reports the processor time a record costs: in this process (the HTTP
// server and the client that sends) and, when the database server runs on this machine, in it.
// Their sum against the machine's cores bounds the rate that any number of workers could reach.
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' \
//	  go test -run '^$' -bench BenchmarkSync -benchtime 1x -timeout 60m ./internal/bulksync/
func BenchmarkSync(b *testing.B) {
	accounts := benchSetup(b)
	workers := envInt("STAKEGRAPH_BENCH_WORKERS", 1)
	for range b.N {
		env, token, plan := benchRun(b, accounts)
		records := float64(plan.records())
		first := send(b, env, token, plan, workers, "created")
		again := send(b, env, token, plan, workers, "unchanged")
		b.ReportMetric(records/first.took.Seconds(), "records/s")
		b.ReportMetric(records/again.took.Seconds(), "resend-records/s")
		if first.cpu.ProcessKnown {
			b.ReportMetric(perRecord(first.cpu.Process, records), "app-µs/record")
		}
		if first.cpu.DatabaseKnown {
			b.ReportMetric(perRecord(first.cpu.Database, records), "db-µs/record")
		}
		b.Logf("%d records (%d accounts, %d people, %d buying contacts, %d end users), %d workers, %d cores",
			plan.records(), accounts, 3*accounts, accounts, 2*accounts, workers, runtime.NumCPU())
		for _, pass := range []struct {
			name string
			passResult
		}{{"first pass", first}, {"resend", again}} {
			b.Logf("%s: %s (%.0f records/s); processor time a record: %s",
				pass.name, pass.took.Round(time.Millisecond), records/pass.took.Seconds(), describeCPU(pass.cpu, records))
		}
	}
}

// BenchmarkSyncShare measures what sync costs over the floor any write path pays on this
// database: it syncs the records of BenchmarkSync once (its first pass, one worker), then
// writes the very entity rows and journal rows that sync stored into a fresh database with
// plain multi-row INSERTs, in transactions of the same batches (1,000 records with their
// journal rows), and reports sync's rate as a share of that floor's. Both run in one process
// on one server, so the share holds across machines where the rates do not.
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' STAKEGRAPH_BENCH_ACCOUNTS=20000 \
//	  go test -run '^$' -bench BenchmarkSyncShare -benchtime 1x -timeout 60m ./internal/bulksync/
func BenchmarkSyncShare(b *testing.B) {
	accounts := benchSetup(b)
	for range b.N {
		env, token, p := benchRun(b, accounts)
		records := float64(p.records())
		synced := send(b, env, token, p, 1, "created")
		floor := writeFloor(b, env.DB, storagetest.Open(b, "mysql"), p)
		b.ReportMetric(records/synced.took.Seconds(), "records/s")
		b.ReportMetric(records/floor.Seconds(), "floor-records/s")
		b.ReportMetric(100*floor.Seconds()/synced.took.Seconds(), "%-of-floor")
		b.Logf("%d records: sync %s, plain INSERTs %s: sync runs at %.0f%% of the floor",
			p.records(), synced.took.Round(time.Millisecond), floor.Round(time.Millisecond), 100*floor.Seconds()/synced.took.Seconds())
	}
}

// The tables of the plan's stages, in its order.
var stageTables = map[string]string{
	"syncAccounts": "accounts", "syncPeople": "people", "syncBuyingContacts": "buying_contacts", "syncEndUsers": "end_users",
}

// writeFloor copies what sync stored in from into to, untimed the tenants and timed the stages'
// rows: per batch of the plan one transaction with one multi-row INSERT of its entity rows and
// one of their journal rows. It returns the time the stages took.
func writeFloor(b *testing.B, from, to *storage.DB, p plan) time.Duration {
	ctx := context.Background()
	tenants, tenantColumns := readRows(b, from, "SELECT * FROM `tenants` ORDER BY `id`")
	if err := sqlbatch.Insert(ctx, to.SQL, to.Dialect, "tenants", tenantColumns, tenants); err != nil {
		b.Fatal(err)
	}
	var took time.Duration
	for _, s := range p {
		table := stageTables[s.name]
		rows, columns := readRows(b, from, "SELECT * FROM `"+table+"` ORDER BY `created_at`, `id`")
		changes, changeColumns := readRows(b, from, "SELECT c.* FROM `changes` c JOIN `"+table+"` t ON t.`id` = c.`entity_id` ORDER BY c.`seq`")
		if len(rows) != s.records || len(changes) != s.records {
			b.Fatalf("%s: sync stored %d rows and %d journal rows for %d records", table, len(rows), len(changes), s.records)
		}
		start := time.Now()
		for first := 0; first < len(rows); first += 1000 {
			last := min(first+1000, len(rows))
			tx, err := to.SQL.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if err := sqlbatch.Insert(ctx, tx, to.Dialect, table, columns, rows[first:last]); err != nil {
				b.Fatal(err)
			}
			if err := sqlbatch.Insert(ctx, tx, to.Dialect, "changes", changeColumns, changes[first:last]); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		stage := time.Since(start)
		b.Logf("  plain INSERTs into %s: %d records in %s (%.0f/s)", table, s.records, stage.Round(time.Millisecond), float64(s.records)/stage.Seconds())
		took += stage
	}
	return took
}

// readRows returns the rows of a query, each a value per column, and the columns.
func readRows(b *testing.B, db *storage.DB, query string) ([][]any, []string) {
	rows, err := db.SQL.QueryContext(context.Background(), query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		b.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		values := make([]any, len(columns))
		pointers := make([]any, len(columns))
		for i := range values {
			pointers[i] = &values[i]
		}
		if err := rows.Scan(pointers...); err != nil {
			b.Fatal(err)
		}
		out = append(out, values)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out, columns
}

// benchSetup readies a sync benchmark: it needs MariaDB, runs with the collector's target as
// serve sets it, and returns the number of accounts to sync.
func benchSetup(b *testing.B) (accounts int) {
	storagetest.NeedMySQL(b, "run the sync benchmark on MariaDB")
	_, restore := server.TuneGC()
	b.Cleanup(restore)
	return envInt("STAKEGRAPH_BENCH_ACCOUNTS", 100_000)
}

// benchRun starts a run: a server on a fresh database, an integrator's token and the plan.
func benchRun(b *testing.B, accounts int) (*apitest.Env, string, plan) {
	env := apitest.New(b, "mysql")
	return env, env.Token("bench", "INTEGRATION", "erp"), syncPlan(b, accounts)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// stage is one kind of record, sent in batches; a stage starts when the previous one is done,
// because its items refer to the previous stages' records. Its request bodies are encoded once,
// up front, into files: the client's work is not the server's, and the garbage collector of
// this process, which is the server's too, then paces itself on the server's heap alone, as
// in a server of its own.
type stage struct {
	name    string // the mutation field
	batches []batchFile
	records int
}

// batchFile is a batch's request body, kept in a file, and its number of items.
type batchFile struct {
	path string
	size int
}

type plan []stage

func (p plan) records() int {
	n := 0
	for _, s := range p {
		n += s.records
	}
	return n
}

func syncPlan(tb testing.TB, accounts int) plan {
	dir := tb.TempDir()
	batched := func(field, input string, n int, item func(i int) map[string]any) stage {
		s := stage{name: field, records: n}
		mutation := fmt.Sprintf("mutation($in: [%s!]!) { %s(input: $in) { created unchanged failed items { outcome id } } }", input, field)
		for start := 0; start < n; start += 1000 {
			batch := make([]map[string]any, 0, 1000)
			for i := start; i < min(start+1000, n); i++ {
				batch = append(batch, item(i))
			}
			body, err := json.Marshal(map[string]any{"query": mutation, "variables": map[string]any{"in": batch}})
			if err != nil {
				tb.Fatal(err)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%07d.json", field, start))
			if err := os.WriteFile(path, body, 0o600); err != nil {
				tb.Fatal(err)
			}
			s.batches = append(s.batches, batchFile{path, len(batch)})
		}
		return s
	}
	tiers := []string{"STRATEGIC", "KEY", "GROWTH", "STANDARD"}
	return plan{
		batched("syncAccounts", "SyncAccountInput", accounts, func(i int) map[string]any {
			return map[string]any{"externalID": fmt.Sprintf("ACC-%07d", i), "name": fmt.Sprintf("Customer %d", i),
				"domain": fmt.Sprintf("customer%d.example", i), "industry": "Manufacturing", "region": "EMEA",
				"tier": tiers[i%len(tiers)], "stage": "ACTIVE"}
		}),
		batched("syncPeople", "SyncPersonInput", 3*accounts, func(i int) map[string]any {
			return map[string]any{"externalID": fmt.Sprintf("PER-%07d", i), "email": fmt.Sprintf("person%d@customer%d.example", i, i/3),
				"name": fmt.Sprintf("Person %d", i), "title": "Operations"}
		}),
		batched("syncBuyingContacts", "SyncBuyingContactInput", accounts, func(i int) map[string]any {
			return map[string]any{"externalID": fmt.Sprintf("BCT-%07d", i), "accountExternalID": fmt.Sprintf("ACC-%07d", i),
				"personExternalID": fmt.Sprintf("PER-%07d", 3*i), "roles": []string{"ECONOMIC_BUYER"}, "primary": true}
		}),
		batched("syncEndUsers", "SyncEndUserInput", 2*accounts, func(i int) map[string]any {
			return map[string]any{"externalID": fmt.Sprintf("EUS-%07d", i), "accountExternalID": fmt.Sprintf("ACC-%07d", i/2),
				"personExternalID": fmt.Sprintf("PER-%07d", 3*(i/2)+1+i%2), "department": "Finance", "status": "ACTIVE", "licensed": true}
		}),
	}
}

// passResult is how long a pass took and the processor time it cost.
type passResult struct {
	took time.Duration
	cpu  storagetest.CPUTime
}

// send sends the plan with the workers and returns how long it took and what it cost. Every
// item of every batch must come back with the outcome (created, unchanged).
func send(b *testing.B, env *apitest.Env, token string, p plan, workers int, outcome string) passResult {
	runtime.GC() // the garbage of earlier work is not this pass's
	start, cpuStart := time.Now(), storagetest.CPUNow()
	for _, s := range p {
		stageStart, stageCPU := time.Now(), storagetest.CPUNow()
		work := make(chan batchFile)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for w := range work {
					body, err := os.ReadFile(w.path)
					if err != nil {
						b.Error(err)
						continue
					}
					post(b, env.URL+"/graphql", token, body, fmt.Sprintf(`"%s":%d`, outcome, w.size))
				}
			}()
		}
		for _, f := range s.batches {
			work <- f
		}
		close(work)
		wg.Wait()
		took, cost := time.Since(stageStart), storagetest.CPUNow().Since(stageCPU)
		b.Logf("  %s: %d records in %s (%.0f/s); a record: %s", s.name, s.records, took.Round(time.Millisecond),
			float64(s.records)/took.Seconds(), briefCPU(cost, float64(s.records)))
	}
	return passResult{took: time.Since(start), cpu: storagetest.CPUNow().Since(cpuStart)}
}

// post sends one request as a lean integrator would: it checks the status, that the response
// carries no error and has the expected count of an outcome, without decoding the per-item
// results.
func post(b *testing.B, url, token string, body []byte, want string) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) ||
		!bytes.Contains(raw, []byte(`"failed":0`)) || !bytes.Contains(raw, []byte(want)) {
		b.Errorf("sync failed or not all %s: %d %.500s", want, resp.StatusCode, raw)
	}
}
