package server_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/seeds"
	"github.com/stakegraph/stakegraph/server"
)

// workedExample is the README's worked example of the cost model, and its cost there.
const (
	workedExample = `{
  accounts(first: 50, where: {tierIn: [STRATEGIC, KEY]}) {
    totalCount
    edges {
      node {
        name
        buyingContacts(first: 10) { edges { node { roles person { name } } } }
        health { score }
      }
    }
  }
}`
	workedExampleCost = 22806
)

// TestCostModel prices one operation of each kind, as the README explains: with a limit of 0,
// every operation is refused with its cost in the message.
func TestCostModel(t *testing.T) {
	costs := []struct {
		name  string
		query string
		cost  int
	}{
		{"a page: 1 + first + 10 × (edges, node, id, name)",
			`{ accounts(first: 10) { edges { node { id name } } } }`, 42},
		{"no first: the default page of 20",
			`{ accounts { edges { node { id } } } }`, 1 + 1 + 20*3},
		{"filtered across the tenant, and counted there",
			`{ accounts(first: 10, where: {tierIn: [KEY]}) { totalCount edges { node { id } } } }`, 1 + 7500 + 4 + 7500 + 10*3},
		{"a text pattern in a filter at the top compares every row's text",
			`{ accounts(first: 10, where: {or: [{nameContains: "a"}, {domainHasSuffix: ".io"}]}) { edges { node { id } } } }`,
			1 + 3*7500 + (1 + 1 + 1 + (1 + 1) + (1 + 1)) + 10*3},
		{"counted under each item of a page",
			`{ accounts(first: 2) { edges { node { feedback(first: 3) { totalCount } } } } }`, 1 + 1 + 2*(1+1+(1+1+10))},
		{"a ranking of the tenant",
			`{ atRiskAccounts(first: 1) { totalCount } }`, 20000 + 1 + 1},
		{"an account's perception",
			`{ node(id: "acc_1") { id ... on Account { name perception { npsGap } } } }`, 1 + 1 + 1 + 1 + 500 + 1},
		{"nodes: one item per id",
			`{ nodes(ids: ["a", "b", "c"]) { id } }`, 1 + (1 + 3) + 3*1},
		{"a sync: a write, its input, one result item per input item",
			`mutation { syncAccounts(input: [{externalID: "a", name: "A"}, {externalID: "b", name: "B"}]) { created items { index } } }`,
			100 + (1 + 2*3) + 1 + 1 + 2*2},
		{"the README's worked example", workedExample, workedExampleCost},
	}
	env := apitest.New(t, "sqlite", apitest.WithConfig(func(c *server.Config) { c.MaxComplexity = 0 }))
	tok := env.Token("acme", "ADMIN", "alice")
	pattern := regexp.MustCompile(`complexity is (\d+),`)
	for _, c := range costs {
		t.Run(c.name, func(t *testing.T) {
			e := env.Do(tok, c.query, nil).MustFail(t, "BAD_USER_INPUT")
			m := pattern.FindStringSubmatch(e.Message)
			if m == nil {
				t.Fatalf("refused for another reason: %s", e.Message)
			}
			if got, _ := strconv.Atoi(m[1]); got != c.cost {
				t.Errorf("costs %d, want %d", got, c.cost)
			}
		})
	}
}

// TestSyncTakesFullBatches: a sync mutation's batch of 1,000 items with long texts is within the
// limits (text is bounded in reads only; the data model bounds each field), and 1,001 items are
// refused by the limit on lists before the sync runs.
func TestSyncTakesFullBatches(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "INTEGRATION", "erp")
		accounts := make([]map[string]any, 1000)
		for i := range accounts {
			accounts[i] = map[string]any{"externalID": fmt.Sprintf("a%d", i), "name": fmt.Sprintf("Account %d", i)}
		}
		interactions := make([]map[string]any, 1001)
		for i := range interactions {
			interactions[i] = map[string]any{"externalID": fmt.Sprintf("i%d", i), "accountExternalID": "a0",
				"channel": "EMAIL", "direction": "INBOUND", "occurredAt": "2026-01-02T03:04:05Z",
				"subject": "Renewal", "summary": strings.Repeat("long notes ", 300)}
		}
		var out struct{ SyncAccounts, SyncInteractions struct{ Created, Failed int } }
		env.Do(tok, `mutation ($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { created failed items { index outcome } } }`,
			map[string]any{"in": accounts}).MustOK(t, &out)
		env.Do(tok, `mutation ($in: [SyncInteractionInput!]!) { syncInteractions(input: $in) { created failed items { index outcome } } }`,
			map[string]any{"in": interactions[:1000]}).MustOK(t, &out)
		if out.SyncAccounts.Created != 1000 || out.SyncInteractions.Created != 1000 {
			t.Errorf("created %+v, want 1,000 of each", out)
		}
		r := env.Do(tok, `mutation ($in: [SyncInteractionInput!]!) { syncInteractions(input: $in) { created } }`,
			map[string]any{"in": interactions})
		if e := r.MustFail(t, "BAD_USER_INPUT"); e.Field() != "input" || !strings.Contains(e.Message, "holds 1001 items") {
			t.Errorf("refused with %q (field %q), want the limit on lists naming input", e.Message, e.Field())
		}
	})
}

// introspectionQuery is the query GraphiQL (the explorer at /) reads the schema with.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// TestFrontEndShapesPass: the pages a front end asks for pass the default limits, while the
// abusive shapes of TestAPILimits do not.
func TestFrontEndShapesPass(t *testing.T) {
	shapes := map[string]string{
		"people with two nested lists of the default size": `{ people(first: 100) { edges { node {
			name email
			buyingRoles { edges { node { roles account { name } } } }
			endUserRoles { edges { node { department account { name } } } } } } } }`,
		"a filtered page of 100 with four nested lists, their counts and health": `{
			accounts(first: 100, where: {tierIn: [STRATEGIC, KEY]}, orderBy: [{field: NAME}]) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node {
				name tier stage owner { name }
				buyingContacts { totalCount edges { node { roles person { name email } } } }
				endUsers { totalCount edges { node { department person { name } } } }
				contracts { totalCount edges { node { number endDate daysToRenewal seatUtilisation } } }
				feedback(orderBy: [{field: RECEIVED_AT, direction: DESC}]) { totalCount edges { node { kind score author { name } } } }
				health { score band } } } } }`,
		"the explorer's introspection query": introspectionQuery,
		"a dashboard: both rankings and three counts": `{
			perceptionGaps(first: 10) { edges { node { npsGap account { name } } } }
			atRiskAccounts(first: 10) { edges { node { score band account { name } } } }
			accounts(first: 0) { totalCount } feedback(first: 0) { totalCount } endUsers(first: 0) { totalCount } }`,
	}
	env := apitest.New(t, "sqlite")
	tok := env.Token("acme", "ADMIN", "alice")
	for name, query := range shapes {
		t.Run(name, func(t *testing.T) { env.Do(tok, query, nil).MustOK(t, nil) })
	}
}

// TestREADMEQueries runs every GraphQL operation of README.md, in order, as the demo's ADMIN on
// the demo data, with the default limits: none may fail.
func TestREADMEQueries(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d GraphQL blocks in README.md, want the five or more it shows", len(blocks))
	}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		if err := seeds.LoadDemo(context.Background(), env.DB.Client); err != nil {
			t.Fatal(err)
		}
		tok, err := env.Issuer.Token(auth.TokenRequest{Subject: seeds.DemoAdmin, Tenant: seeds.DemoTenant, Roles: []string{"ADMIN"}})
		if err != nil {
			t.Fatal(err)
		}
		var first struct {
			Accounts struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		env.Do(tok, `{ accounts(first: 1, orderBy: [{field: NAME}]) { edges { node { id } } } }`, nil).MustOK(t, &first)
		account := first.Accounts.Edges[0].Node.ID
		vars := map[string]func() any{
			"id":      func() any { return account },
			"account": func() any { return account },
			"in":      func() any { return []map[string]any{{"externalID": "crm-1", "name": "Example Inc"}} },
			"cursor":  func() any { return nil }, // from the start
			// The buyer that the README's first mutation adds: only a buyer, so the persona follows.
			"author": func() any {
				var out struct {
					People struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
				env.Do(tok, `{ people(where: {email: "ceo@example.com"}) { edges { node { id } } } }`, nil).MustOK(t, &out)
				if len(out.People.Edges) == 0 {
					t.Fatal("the README's mutation did not add ceo@example.com")
				}
				return out.People.Edges[0].Node.ID
			},
		}
		variable := regexp.MustCompile(`\$(\w+)\s*:`)
		for i, block := range blocks {
			query := block[1]
			values := map[string]any{}
			for _, m := range variable.FindAllStringSubmatch(query, -1) {
				value, ok := vars[m[1]]
				if !ok {
					t.Fatalf("README block %d takes $%s, which this test does not know", i+1, m[1])
				}
				values[m[1]] = value()
			}
			r := env.Do(tok, query, values)
			if len(r.Errors) > 0 {
				t.Errorf("README block %d fails: %s\n%s", i+1, r, query)
			}
		}
	})
}
