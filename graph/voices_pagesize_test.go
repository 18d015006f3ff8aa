package graph_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/graph"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
	"github.com/stakegraph/stakegraph/server"
)

// TestVoicesListsTakeTheDefaultPageSize: atRiskAccounts, perceptionGaps and an account's
// timeline asked for without first answer the configured default page size, through the
// server and from the resolvers alone.
func TestVoicesListsTakeTheDefaultPageSize(t *testing.T) {
	const size = 2
	// connection is what the check reads of each list.
	type connection struct {
		totalCount, edges int
		hasNextPage       bool
	}
	check := func(t *testing.T, how, id string, answer *gqltest.DefaultPageSizeListsResponse) {
		t.Helper()
		timeline := asNode[*gqltest.DefaultPageSizeListsNodeAccount](t, answer.Node, id).Timeline
		for name, c := range map[string]connection{
			"atRiskAccounts": {answer.AtRiskAccounts.TotalCount, len(answer.AtRiskAccounts.Edges), answer.AtRiskAccounts.PageInfo.HasNextPage},
			"perceptionGaps": {answer.PerceptionGaps.TotalCount, len(answer.PerceptionGaps.Edges), answer.PerceptionGaps.PageInfo.HasNextPage},
			"timeline":       {timeline.TotalCount, len(timeline.Edges), timeline.PageInfo.HasNextPage},
		} {
			if c.edges != size || c.totalCount <= size || !c.hasNextPage {
				t.Errorf("%s, %s: %d edges of %d (next page %v), want %d", how, name, c.edges, c.totalCount, c.hasNextPage, size)
			}
		}
	}

	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		var first string
		for _, name := range []string{"Sour one", "Sour two", "Sour three"} {
			id := c.createAccount(name, nil)
			if first == "" {
				first = id
			}
			c.voices(id, name, time.Now().Add(-time.Hour), []int{10, 9}, []int{0, 1})
		}

		check(t, "through the server", first, gqltest.Data(gqltest.DefaultPageSizeLists(context.Background(), c.api, first)))

		resolver := graph.NewResolver(env.DB.Client, graph.Options{DefaultPageSize: size, Dialect: env.DB.Dialect})
		gql := handler.New(resolver.Schema())
		gql.AddTransport(transport.POST{})
		gql.AroundOperations(resolver.WithLoaders())
		alone := graphql.NewClient("/graphql", serveDoer{gql})
		answer, err := gqltest.DefaultPageSizeLists(env.Viewer("acme", "ADMIN", "alice"), alone, first)
		if err != nil {
			t.Fatalf("from the resolvers alone: %v", err)
		}
		check(t, "from the resolvers alone", first, answer)
	}, apitest.WithConfig(func(cfg *server.Config) { cfg.DefaultPageSize = size }))
}

// serveDoer sends the typed client's requests to a handler in process, with the requests'
// context (which carries the viewer).
type serveDoer struct{ h http.Handler }

func (d serveDoer) Do(req *http.Request) (*http.Response, error) {
	in := httptest.NewRequest(req.Method, req.URL.String(), req.Body).WithContext(req.Context())
	in.Header = req.Header.Clone()
	w := httptest.NewRecorder()
	d.h.ServeHTTP(w, in)
	return w.Result(), nil
}
