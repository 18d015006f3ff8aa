package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// BenchmarkRefusal times the server's handler refusing the two documents of the issue at
// about 1 KB, 10 KB, 100 KB and 1 MB: fragments that each spread the one before twice, and
// one field repeated. Each request is a document the server has not seen (its cache cannot
// help), sent to the handler in the process: the time is the server's, from reading the
// body to writing the refusal. Refusing must take time in proportion to the document, and well
// under 100 ms up to the parser's token limit (some 100 KB of either).
//
//	go test -run '^$' -bench BenchmarkRefusal -benchtime 20x ./server/
func BenchmarkRefusal(b *testing.B) {
	env := apitest.New(b, "sqlite")
	tok := env.Token("acme", "ADMIN", "alice")
	families := []struct {
		name string
		doc  func(n int) string
	}{
		{"fragments", doublingFragments},
		{"repetition", repeatedField},
	}
	for _, f := range families {
		for _, size := range []int{1 << 10, 10 << 10, 100 << 10, 1 << 20} {
			bodies := newDocuments(b, sized(f.doc, size))
			b.Run(fmt.Sprintf("%s/%dKB", f.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(bodies.body(0))))
				cpu := storagetest.CPUNow()
				for i := 0; b.Loop(); i++ {
					if status, body := serve(env, tok, bodies.body(i)); status == http.StatusOK && !strings.Contains(body, `"errors"`) {
						b.Fatalf("accepted: %.200s", body)
					}
				}
				reportCPU(b, cpu)
			})
		}
	}
}

// BenchmarkWorstAccepted times the server's handler on documents just within the limits that
// cost validation and execution the most: the pairwise comparisons of fields sharing a
// response key and of fragments spread together, and the grouping of a wide selection set.
// Each request is a document the server has not seen.
//
//	go test -run '^$' -bench BenchmarkWorstAccepted -benchtime 20x ./server/
func BenchmarkWorstAccepted(b *testing.B) {
	env := apitest.New(b, "sqlite")
	tok := env.Token("acme", "ADMIN", "alice")
	docs := []struct{ name, query string }{
		// 24 selection sets of 10 response keys selected 20 times each: 4,824 selections.
		{"keys repeated", repeatedKeys(24, 10, 20)},
		// 80 selection sets that spread 20 fragments each, all different.
		{"fragments spread together", fragmentSets(80, 20)},
		// 25 selection sets of 200 fields, each its own response key: 5,000 selections.
		{"wide selection sets", wideSets(5000)},
	}
	for _, d := range docs {
		bodies := newDocuments(b, d.query)
		b.Run(d.name, func(b *testing.B) {
			cpu := storagetest.CPUNow()
			for i := 0; b.Loop(); i++ {
				if status, body := serve(env, tok, bodies.body(i)); status != http.StatusOK || strings.Contains(body, `"errors"`) {
					b.Fatalf("refused: %d %.300s", status, body)
				}
			}
			reportCPU(b, cpu)
		})
	}
}

// documents makes request bodies for one query that the server has not seen: each starts with
// a comment of its own number.
type documents struct{ escaped string }

func newDocuments(b *testing.B, query string) documents {
	quoted, err := json.Marshal(query)
	if err != nil {
		b.Fatal(err)
	}
	return documents{escaped: string(quoted[1 : len(quoted)-1])}
}

func (d documents) body(i int) []byte {
	return []byte(`{"query":"# ` + strconv.Itoa(i) + `\n` + d.escaped + `"}`)
}

// reportCPU reports the processor time the process spent per operation since start: on a
// machine shared with other work it varies less than the time on the clock.
func reportCPU(b *testing.B, start storagetest.CPUTime) {
	if spent := storagetest.CPUNow().Since(start); spent.ProcessKnown {
		b.ReportMetric(float64(spent.Process.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

// serve sends a request body to the server's handler in the process.
func serve(env *apitest.Env, token string, body []byte) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// sized builds the document of the family whose size is nearest the target.
func sized(doc func(n int) string, target int) string {
	n := 1
	for len(doc(n*2)) < target {
		n *= 2
	}
	lo, hi := n, n*2
	for lo < hi {
		mid := (lo + hi) / 2
		if len(doc(mid)) < target {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return doc(lo)
}

// repeatedKeys selects, in each of sets viewers, each of keys aliases of the subject n times.
func repeatedKeys(sets, keys, n int) string {
	var b strings.Builder
	b.WriteString("query {")
	for v := range sets {
		fmt.Fprintf(&b, " v%d: viewer {", v)
		for k := range keys {
			for range n {
				fmt.Fprintf(&b, " k%d: subject", k)
			}
		}
		b.WriteString(" }")
	}
	b.WriteString(" }")
	return b.String()
}

// fragmentSets spreads n different fragments in each of sets selection sets.
func fragmentSets(sets, n int) string {
	var b strings.Builder
	b.WriteString("query {")
	for s := range sets {
		fmt.Fprintf(&b, " v%d: viewer {", s)
		for i := range n {
			fmt.Fprintf(&b, " ...F%d", s*n+i)
		}
		b.WriteString(" }")
	}
	b.WriteString(" }")
	for i := range sets * n {
		fmt.Fprintf(&b, " fragment F%d on Viewer { s%d: subject }", i, i)
	}
	return b.String()
}
