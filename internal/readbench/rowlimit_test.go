package readbench_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/readbench"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/seeds"
)

// TestChildListsNumberIDsOnly: the per-account row limits of a page's nested lists number the
// rows' ids alone and read back only the rows that make the cut (schema/template's
// limitIDsPerRow), and each list holds what the same list asked of its account alone (a plain
// LIMIT) holds, in the same order.
func TestChildListsNumberIDsOnly(t *testing.T) {
	var (
		mu         sync.Mutex
		statements []string
	)
	record := apitest.WithDriver(func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(_ context.Context, v ...any) {
			mu.Lock()
			defer mu.Unlock()
			statements = append(statements, fmt.Sprint(v...))
		})
	})
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		ctx := viewer.AsSystem(context.Background(), "test")
		if err := seeds.Generate(ctx, env.DB, seeds.Scale{Tenant: benchTenant, Accounts: 8, FeedbackPerAccount: 6}); err != nil {
			t.Fatal(err)
		}
		token := env.Token(benchTenant, "ADMIN", seeds.DemoAdmin)
		mu.Lock()
		statements = nil
		mu.Unlock()
		nested, _ := readbench.ShapeNamed(readbench.NestedPageOp, nil)
		var page struct {
			Accounts connection[struct {
				ID             string
				BuyingContacts connection[struct{ ID string }]
				EndUsers       connection[struct{ ID string }]
				Contracts      connection[struct{ ID string }]
				Feedback       connection[struct{ ID string }]
			}]
		}
		env.Do(token, nested.Document, nil).MustOK(t, &page)

		mu.Lock()
		numbered := 0
		wholeRows := regexp.MustCompile(`(?i)SELECT \*.*ROW_NUMBER\(\)`)
		idsOnly := regexp.MustCompile("(?i)JOIN \\(SELECT [`\"]?\\w+[`\"]?\\.[`\"]?id[`\"]?, \\(?ROW_NUMBER\\(\\) OVER")
		for _, s := range statements {
			if !strings.Contains(s, "ROW_NUMBER()") {
				continue
			}
			numbered++
			if wholeRows.MatchString(s) || !idsOnly.MatchString(s) {
				t.Errorf("a row limit numbers more than the ids: %.600s", s)
			}
		}
		mu.Unlock()
		if numbered != 4 {
			t.Errorf("%d statements number rows, want one per nested list (4)", numbered)
		}

		if len(page.Accounts.Edges) != 8 {
			t.Fatalf("%d accounts, want 8", len(page.Accounts.Edges))
		}
		alone := `query($id: ID!) { node(id: $id) { ... on Account {
			buyingContacts(first: 5) { edges { node { id } } }
			endUsers(first: 5) { edges { node { id } } }
			contracts(first: 3) { edges { node { id } } }
			feedback(first: 3, orderBy: [{field: RECEIVED_AT, direction: DESC}]) { edges { node { id } } }
		} } }`
		for _, e := range page.Accounts.Edges {
			var one struct {
				Node struct {
					BuyingContacts, EndUsers, Contracts, Feedback connection[struct{ ID string }]
				}
			}
			env.Do(token, alone, map[string]any{"id": e.Node.ID}).MustOK(t, &one)
			for name, lists := range map[string][2][]string{
				"buyingContacts": {ids(e.Node.BuyingContacts), ids(one.Node.BuyingContacts)},
				"endUsers":       {ids(e.Node.EndUsers), ids(one.Node.EndUsers)},
				"contracts":      {ids(e.Node.Contracts), ids(one.Node.Contracts)},
				"feedback":       {ids(e.Node.Feedback), ids(one.Node.Feedback)},
			} {
				if !slices.Equal(lists[0], lists[1]) {
					t.Errorf("account %s, %s: the page lists %v, the account alone %v", e.Node.ID, name, lists[0], lists[1])
				}
			}
			if len(ids(e.Node.Feedback)) != 3 {
				t.Errorf("account %s: %d feedback, want 3", e.Node.ID, len(ids(e.Node.Feedback)))
			}
		}
	}, record)
}

type connection[T any] struct {
	Edges []struct{ Node T }
}

func ids(c connection[struct{ ID string }]) []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.ID
	}
	return out
}
