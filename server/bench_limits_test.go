package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/apitest"
)

// BenchmarkRefusal times the whole handler, over HTTP, refusing the two documents of the
// issue at about 1 KB, 10 KB, 100 KB and 1 MB: fragments that each spread the one before
// twice, and one field repeated. Each size is a new document (gqlgen's cache cannot help).
// Refusing must take time in proportion to the document, and well under 100 ms up to the
// parser's token limit (some 100 KB of either).
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
			query := sized(f.doc, size)
			b.Run(fmt.Sprintf("%s/%dKB", f.name, size>>10), func(b *testing.B) {
				body := operation(b, query)
				b.SetBytes(int64(len(body)))
				for i := 0; b.Loop(); i++ {
					// A comment makes each request a document gqlgen has not seen.
					body := operation(b, fmt.Sprintf("# %d\n%s", i, query))
					r := env.Post(tok, "application/json", body, nil)
					if r.Status == http.StatusOK && len(r.Errors) == 0 {
						b.Fatalf("accepted: %.200s", r.Body)
					}
				}
			})
		}
	}
}

// BenchmarkWorstAccepted times the whole handler on documents just within the limits that
// cost validation the most: the pairwise comparisons of fields sharing a response key and of
// fragments spread together. Each request is a new document.
//
//	go test -run '^$' -bench BenchmarkWorstAccepted -benchtime 20x ./server/
func BenchmarkWorstAccepted(b *testing.B) {
	env := apitest.New(b, "sqlite")
	tok := env.Token("acme", "ADMIN", "alice")
	docs := map[string]string{
		// 24 selection sets of 10 response keys selected 20 times each: 4,824 selections.
		"keys repeated": repeatedKeys(24, 10, 20),
		// 80 selection sets that spread 20 fragments each, all different.
		"fragments spread together": fragmentSets(80, 20),
		// 25 selection sets of 200 fields, each its own response key: 5,000 selections.
		"wide selection sets": wideSets(5000),
	}
	for name, query := range docs {
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				env.Post(tok, "application/json", operation(b, fmt.Sprintf("# %d\n%s", i, query)), nil).MustOK(b, nil)
			}
		})
	}
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
