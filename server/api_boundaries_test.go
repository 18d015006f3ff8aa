package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
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

func accountIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("acc_%026d", i)
	}
	return ids
}

// TestLimitBoundaries: every limit accepts an operation exactly at it and refuses one just past
// it, with a message that says which limit and, for an argument, names it.
func TestLimitBoundaries(t *testing.T) {
	cfg := server.DefaultConfig()
	byIDs := `query ($ids: [ID!]!) { accounts(where: {idIn: $ids}) { totalCount } }`
	byName := `query ($s: String!) { accounts(where: {nameContains: $s}) { totalCount } }`
	cases := []struct {
		name         string
		query        string
		at, over     map[string]any // variables, when the query takes them
		atQ, overQ   string         // or two queries
		words, field string
	}{
		{name: "depth", atQ: deepQuery(cfg.MaxDepth), overQ: deepQuery(cfg.MaxDepth + 1),
			words: fmt.Sprintf("deeper than the limit of %d levels", cfg.MaxDepth)},
		{name: "page size", atQ: `{ accounts(first: 100) { totalCount } }`, overQ: `{ accounts(first: 101) { totalCount } }`,
			words: "first of accounts must be between 0 and 100", field: "first"},
		{name: "complexity", atQ: costingExactly(cfg.MaxComplexity), overQ: costingExactly(cfg.MaxComplexity + 1),
			words: fmt.Sprintf("complexity is %d, over the limit of %d", cfg.MaxComplexity+1, cfg.MaxComplexity)},
		{name: "selections", atQ: wideSets(cfg.MaxSelections), overQ: wideSets(cfg.MaxSelections + 1),
			words: fmt.Sprintf("the document selects more than %d fields", cfg.MaxSelections)},
		{name: "fields in a selection set", atQ: aliases(200, "__typename"), overQ: aliases(201, "__typename"),
			words: "a selection set selects more than 200 fields"},
		{name: "one field repeated", atQ: repeatedField(20), overQ: repeatedField(21),
			words: `"__typename" is selected more than 20 times`},
		{name: "fragments in a selection set", atQ: spreadFragments(20), overQ: spreadFragments(21),
			words: "spreads more than 20 fragments"},
		{name: "list items", query: byIDs, at: map[string]any{"ids": accountIDs(1000)}, over: map[string]any{"ids": accountIDs(1001)},
			words: "where.idIn holds 1001 items, over the limit of 1000", field: "where.idIn"},
		{name: "text in a filter", query: byName, at: map[string]any{"s": strings.Repeat("é", 1000)}, over: map[string]any{"s": strings.Repeat("é", 1001)},
			words: "where.nameContains is 1001 characters long, over the limit of 1000", field: "where.nameContains"},
	}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				atQ, overQ := c.atQ, c.overQ
				if c.query != "" {
					atQ, overQ = c.query, c.query
				}
				env.Do(tok, atQ, c.at).MustOK(t, nil)
				r := env.Do(tok, overQ, c.over)
				e := r.MustFail(t, "BAD_USER_INPUT")
				if !strings.Contains(e.Message, c.words) || e.Field() != c.field {
					t.Errorf("refused with %q (field %q), want %q (field %q)", e.Message, e.Field(), c.words, c.field)
				}
				if r.Data != nil && string(r.Data) != "null" {
					t.Errorf("data with a refusal: %.200s", r.Data)
				}
			})
		}
	})
}
