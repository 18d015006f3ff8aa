package bulksync_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/apitest"
	"github.com/stakegraph/stakegraph/storage/storagetest"
)

// BenchmarkSync syncs accounts, people, buying contacts and end users through the HTTP API into
// MariaDB in batches of 1,000, then sends everything again, and reports records per second for
// both passes. It needs STAKEGRAPH_TEST_MYSQL_DSN; STAKEGRAPH_BENCH_ACCOUNTS sets the number
// of accounts (default 100,000; three people per account, one buying contact and two end
// users), STAKEGRAPH_BENCH_WORKERS the number of concurrent senders (default 1).
//
//	STAKEGRAPH_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true' \
//	  go test -run '^$' -bench BenchmarkSync -benchtime 1x -timeout 60m ./bulksync/
func BenchmarkSync(b *testing.B) {
	if os.Getenv(storagetest.MySQLEnv) == "" {
		b.Skipf("set %s to run the sync benchmark on MariaDB", storagetest.MySQLEnv)
	}
	accounts := envInt("STAKEGRAPH_BENCH_ACCOUNTS", 100_000)
	workers := envInt("STAKEGRAPH_BENCH_WORKERS", 1)
	for range b.N {
		env := apitest.New(b, "mysql")
		token := env.Token("bench", "INTEGRATION", "erp")
		plan := syncPlan(accounts)
		first := send(b, env, token, plan, workers)
		again := send(b, env, token, plan, workers)
		records := float64(plan.records())
		b.ReportMetric(records/first.Seconds(), "records/s")
		b.ReportMetric(records/again.Seconds(), "resend-records/s")
		b.Logf("%d records (%d accounts, %d people, %d buying contacts, %d end users), %d workers: first pass %s (%.0f/s), resend %s (%.0f/s)",
			plan.records(), accounts, 3*accounts, accounts, 2*accounts, workers,
			first.Round(time.Millisecond), records/first.Seconds(), again.Round(time.Millisecond), records/again.Seconds())
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// stage is one kind of record, sent in batches; a stage starts when the previous one is done,
// because its items refer to the previous stages' records.
type stage struct {
	mutation string
	batches  [][]map[string]any
}

// name is the stage's mutation field.
func (s stage) name() string {
	field := strings.Fields(s.mutation)[3]
	return field[:strings.Index(field, "(")]
}

type plan []stage

func (p plan) records() int {
	n := 0
	for _, s := range p {
		for _, b := range s.batches {
			n += len(b)
		}
	}
	return n
}

func syncPlan(accounts int) plan {
	batched := func(n int, item func(i int) map[string]any) [][]map[string]any {
		var out [][]map[string]any
		for start := 0; start < n; start += 1000 {
			var batch []map[string]any
			for i := start; i < min(start+1000, n); i++ {
				batch = append(batch, item(i))
			}
			out = append(out, batch)
		}
		return out
	}
	tiers := []string{"STRATEGIC", "KEY", "GROWTH", "STANDARD"}
	return plan{
		{`mutation($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { failed items { outcome id } } }`,
			batched(accounts, func(i int) map[string]any {
				return map[string]any{"externalID": fmt.Sprintf("ACC-%07d", i), "name": fmt.Sprintf("Customer %d", i),
					"domain": fmt.Sprintf("customer%d.example", i), "industry": "Manufacturing", "region": "EMEA",
					"tier": tiers[i%len(tiers)], "stage": "ACTIVE"}
			})},
		{`mutation($in: [SyncPersonInput!]!) { syncPeople(input: $in) { failed items { outcome id } } }`,
			batched(3*accounts, func(i int) map[string]any {
				return map[string]any{"externalID": fmt.Sprintf("PER-%07d", i), "email": fmt.Sprintf("person%d@customer%d.example", i, i/3),
					"name": fmt.Sprintf("Person %d", i), "title": "Operations"}
			})},
		{`mutation($in: [SyncBuyingContactInput!]!) { syncBuyingContacts(input: $in) { failed items { outcome id } } }`,
			batched(accounts, func(i int) map[string]any {
				return map[string]any{"externalID": fmt.Sprintf("BCT-%07d", i), "accountExternalID": fmt.Sprintf("ACC-%07d", i),
					"personExternalID": fmt.Sprintf("PER-%07d", 3*i), "roles": []string{"ECONOMIC_BUYER"}, "primary": true}
			})},
		{`mutation($in: [SyncEndUserInput!]!) { syncEndUsers(input: $in) { failed items { outcome id } } }`,
			batched(2*accounts, func(i int) map[string]any {
				return map[string]any{"externalID": fmt.Sprintf("EUS-%07d", i), "accountExternalID": fmt.Sprintf("ACC-%07d", i/2),
					"personExternalID": fmt.Sprintf("PER-%07d", 3*(i/2)+1+i%2), "department": "Finance", "status": "ACTIVE", "licensed": true}
			})},
	}
}

// send sends the plan with the workers and returns how long it took. Request bodies are
// encoded before the clock starts: the client's work is not the server's.
func send(b *testing.B, env *apitest.Env, token string, p plan, workers int) time.Duration {
	bodies := make([][][]byte, len(p))
	for i, s := range p {
		for _, batch := range s.batches {
			body, err := json.Marshal(map[string]any{"query": s.mutation, "variables": map[string]any{"in": batch}})
			if err != nil {
				b.Fatal(err)
			}
			bodies[i] = append(bodies[i], body)
		}
	}
	start := time.Now()
	for i := range p {
		stageStart := time.Now()
		work := make(chan []byte)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for body := range work {
					post(b, env.URL+"/graphql", token, body)
				}
			}()
		}
		for _, body := range bodies[i] {
			work <- body
		}
		close(work)
		wg.Wait()
		n := 0
		for _, batch := range p[i].batches {
			n += len(batch)
		}
		took := time.Since(stageStart)
		b.Logf("  %s: %d records in %s (%.0f/s)", p[i].name(), n, took.Round(time.Millisecond), float64(n)/took.Seconds())
	}
	return time.Since(start)
}

// post sends one request as a lean integrator would: it checks the status and that the
// response carries no error, without decoding the per-item results.
func post(b *testing.B, url, token string, body []byte) {
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
		!bytes.Contains(raw, []byte(`"failed":0`)) {
		b.Errorf("sync failed: %d %s", resp.StatusCode, raw)
	}
}
