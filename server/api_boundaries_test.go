package server_test

import (
	"fmt"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
	"gopkg.in/yaml.v3"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/bulksync"
	"github.com/stakegraph/stakegraph/server"
)

// deepQuery selects an account's parent's parent … down to the depth.
func deepQuery(depth int) string {
	parents := depth - 4 // accounts, edges, node, then the parents, then id
	return "{ accounts(first: 1) { edges { node { " + strings.Repeat("parent { ", parents) + "id" +
		strings.Repeat(" }", parents) + " } } } }"
}

// costingExactly returns an operation that costs exactly the given amount: pages of 100
// accounts with ten fields (1,202 each), then viewers with up to 199 aliases of their subject
// (up to 200 each), and a __typename for what is left.
func costingExactly(cost int) string {
	var b strings.Builder
	b.WriteString("query {")
	for i := range cost / 1202 {
		fmt.Fprintf(&b, " a%d: accounts(first: 100) { edges { node { id name domain tier stage region industry size createdAt version } } }", i)
	}
	for v, rest := 0, cost%1202; rest > 0; v++ {
		if rest == 1 {
			b.WriteString(" __typename")
			break
		}
		subjects := min(rest-1, 199)
		fmt.Fprintf(&b, " v%d: viewer {", v)
		for i := range subjects {
			fmt.Fprintf(&b, " s%d: subject", i)
		}
		b.WriteString(" }")
		rest -= 1 + subjects
	}
	b.WriteString(" }")
	return b.String()
}

// wideSets makes exactly n selections out of viewers of up to 200 selections each: the
// viewer and the aliases of its subject.
func wideSets(n int) string {
	var b strings.Builder
	b.WriteString("query {")
	for v := 0; n > 0; v++ {
		fields := min(n-1, 199)
		fmt.Fprintf(&b, " v%d: viewer {", v)
		for i := range max(fields, 1) {
			fmt.Fprintf(&b, " s%d: subject", i)
		}
		b.WriteString(" }")
		n -= 1 + max(fields, 1)
	}
	b.WriteString(" }")
	return b.String()
}

// tokensOf counts a document's tokens as the parser's limit counts them: comments and the end
// are not counted.
func tokensOf(t testing.TB, query string) int {
	lx := lexer.New(&ast.Source{Input: query})
	n := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil {
			t.Fatalf("lexing: %v", err)
		}
		switch tok.Kind {
		case lexer.EOF:
			return n
		case lexer.Comment:
		default:
			n++
		}
	}
}

// tokenQuery selects items aliases of the viewer's subject (ten tokens each, 150 to a viewer)
// and repeats the viewer's role extra times (one token each).
func tokenQuery(items, extra int) string {
	var b strings.Builder
	b.WriteString("query {")
	for v := 0; v == 0 || v*150 < items; v++ {
		fmt.Fprintf(&b, " v%d: viewer { subject", v)
		for i := v * 150; i < min(items, (v+1)*150); i++ {
			fmt.Fprintf(&b, " s%d: subject @skip(if: false)", i)
		}
		if v == 0 {
			b.WriteString(strings.Repeat(" role", extra))
		}
		b.WriteString(" }")
	}
	b.WriteString(" }")
	return b.String()
}

// exactTokens returns a valid query of exactly n tokens, checked against the parser's own limit.
func exactTokens(t testing.TB, n int) string {
	t.Helper()
	lo, hi := 0, n // the most items that fit
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if tokensOf(t, tokenQuery(mid, 0)) <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	q := tokenQuery(lo, n-tokensOf(t, tokenQuery(lo, 0)))
	if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, n); err != nil {
		t.Fatalf("a query of %d tokens: %v", n, err)
	}
	if _, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, n-1); err == nil {
		t.Fatalf("a query of %d tokens parses within %d", n, n-1)
	}
	return q
}

func accountIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("acc_%026d", i)
	}
	return ids
}

func syncAccounts(n int) []map[string]any {
	accounts := make([]map[string]any, n)
	for i := range accounts {
		accounts[i] = map[string]any{"externalID": fmt.Sprintf("a%d", i), "name": fmt.Sprintf("Account %d", i)}
	}
	return accounts
}

// request is an operation, or a raw body.
type request struct {
	query string
	vars  map[string]any
	body  []byte
}

// shapes build an operation of size n for each kind of limit in testdata/limits.yaml.
var shapes = map[string]func(t testing.TB, n int) request{
	"depth": func(_ testing.TB, n int) request { return request{query: deepQuery(n)} },
	"first": func(_ testing.TB, n int) request {
		return request{query: fmt.Sprintf("{ accounts(first: %d) { totalCount } }", n)}
	},
	"last": func(_ testing.TB, n int) request {
		return request{query: fmt.Sprintf("{ accounts(last: %d) { totalCount } }", n)}
	},
	"nested first": func(_ testing.TB, n int) request {
		return request{query: `query($n: Int) { accounts(first: 1) { edges { node { feedback(first: $n) { totalCount } } } } }`,
			vars: map[string]any{"n": n}}
	},
	"cost":           func(_ testing.TB, n int) request { return request{query: costingExactly(n)} },
	"selections":     func(_ testing.TB, n int) request { return request{query: wideSets(n)} },
	"tokens":         func(t testing.TB, n int) request { return request{query: exactTokens(t, n)} },
	"aliases":        func(_ testing.TB, n int) request { return request{query: aliases(n, "__typename")} },
	"repeated field": func(_ testing.TB, n int) request { return request{query: repeatedField(n)} },
	"fragments":      func(_ testing.TB, n int) request { return request{query: spreadFragments(n)} },
	"id list": func(_ testing.TB, n int) request {
		return request{query: `query ($ids: [ID!]!) { accounts(where: {idIn: $ids}) { totalCount } }`,
			vars: map[string]any{"ids": accountIDs(n)}}
	},
	"filter text": func(_ testing.TB, n int) request {
		return request{query: `query ($s: String!) { accounts(where: {nameContains: $s}) { totalCount } }`,
			vars: map[string]any{"s": strings.Repeat("é", n)}}
	},
	"sync accounts": func(_ testing.TB, n int) request {
		return request{query: `mutation ($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { created } }`,
			vars: map[string]any{"in": syncAccounts(n)}}
	},
	"body bytes": func(t testing.TB, n int) request {
		head, tail := `{"query":"{ viewer { subject } } #`, `"}`
		pad := n - len(head) - len(tail)
		if pad < 0 {
			t.Fatalf("no body of %d bytes holds a query", n)
		}
		return request{body: []byte(head + strings.Repeat("x", pad) + tail)}
	},
}

// boundaryCase is a row of testdata/limits.yaml.
type boundaryCase struct {
	Name   string
	Limit  string
	Config map[string]int64
	Shape  string
	Words  string
	Field  string
	Status int
}

// limitOf resolves a case's limit under the configuration.
func limitOf(t *testing.T, cfg server.Config, limit string) int {
	t.Helper()
	if n, err := strconv.Atoi(limit); err == nil {
		return n
	}
	if limit == "bulksync.MaxBatch" {
		return bulksync.MaxBatch
	}
	f := reflect.ValueOf(cfg).FieldByName(limit)
	if !f.IsValid() || !f.CanInt() {
		t.Fatalf("limit %q is neither a number nor an integer field of server.Config", limit)
	}
	return int(f.Int())
}

// configured returns the default configuration with the settings.
func configured(t *testing.T, settings map[string]int64) server.Config {
	t.Helper()
	cfg := server.DefaultConfig()
	set(t, &cfg, settings)
	return cfg
}

func set(t *testing.T, cfg *server.Config, settings map[string]int64) {
	t.Helper()
	for name, v := range settings {
		f := reflect.ValueOf(cfg).Elem().FieldByName(name)
		if !f.IsValid() || !f.CanInt() {
			t.Fatalf("config %q is not an integer field of server.Config", name)
		}
		f.SetInt(v)
	}
}

// TestLimitBoundaries: every limit accepts an operation exactly at it and refuses one just past
// it, with a message that says which limit and, for an argument, names it. The cases are the
// rows of testdata/limits.yaml; those with settings of their own share a server per setting.
func TestLimitBoundaries(t *testing.T) {
	raw, err := os.ReadFile("testdata/limits.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []boundaryCase
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatalf("testdata/limits.yaml: %v", err)
	}
	groups := map[string][]boundaryCase{} // by the settings they run under
	var order []string
	for _, c := range cases {
		if shapes[c.Shape] == nil {
			t.Fatalf("%s: no shape %q", c.Name, c.Shape)
		}
		key := fmt.Sprint(c.Config) // fmt sorts map keys
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], c)
	}
	for _, key := range order {
		settings := groups[key][0].Config
		cfg := configured(t, settings)
		run := func(t *testing.T, env *apitest.Env) {
			tok := env.Token("acme", "ADMIN", "alice")
			send := func(r request) *apitest.Response {
				if r.body != nil {
					return env.Post(tok, "application/json", r.body, nil)
				}
				return env.Do(tok, r.query, r.vars)
			}
			for _, c := range groups[key] {
				t.Run(c.Name, func(t *testing.T) {
					limit := limitOf(t, cfg, c.Limit)
					shape := shapes[c.Shape]
					send(shape(t, limit)).MustOK(t, nil)
					r := send(shape(t, limit+1))
					e := r.MustFail(t, "BAD_USER_INPUT")
					words := strings.NewReplacer("{limit}", fmt.Sprint(limit), "{over}", fmt.Sprint(limit+1)).Replace(c.Words)
					if !strings.Contains(e.Message, words) || e.Field() != c.Field {
						t.Errorf("refused with %q (field %q), want %q (field %q)", e.Message, e.Field(), words, c.Field)
					}
					if status := max(c.Status, http.StatusOK); r.Status != status {
						t.Errorf("refused with status %d, want %d", r.Status, status)
					}
					if r.Data != nil && string(r.Data) != "null" {
						t.Errorf("data with a refusal: %.200s", r.Data)
					}
				})
			}
		}
		if len(settings) == 0 {
			apitest.Each(t, run)
			continue
		}
		t.Run(strings.TrimPrefix(key, "map"), func(t *testing.T) {
			apitest.Each(t, run, apitest.WithConfig(func(c *server.Config) { set(t, c, settings) }))
		})
	}
}
