package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/stakegraph/stakegraph/graph"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/server"
)

// TestVoicesListsTakeTheDefaultPageSize: atRiskAccounts, perceptionGaps and an account's
// timeline asked for without first answer the configured default page size, through the
// server and from the resolvers alone.
func TestVoicesListsTakeTheDefaultPageSize(t *testing.T) {
	const size = 2
	const lists = `query($id: ID!) {
		atRiskAccounts { totalCount edges { cursor } pageInfo { hasNextPage endCursor } }
		perceptionGaps { totalCount edges { cursor } pageInfo { hasNextPage endCursor } }
		node(id: $id) { ... on Account { timeline { totalCount edges { cursor } pageInfo { hasNextPage } } } }
	}`
	type connection struct {
		TotalCount int
		Edges      []struct{ Cursor string }
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
	var answer struct {
		AtRiskAccounts connection
		PerceptionGaps connection
		Node           struct{ Timeline connection }
	}
	check := func(t *testing.T, how string) {
		t.Helper()
		for name, c := range map[string]connection{"atRiskAccounts": answer.AtRiskAccounts,
			"perceptionGaps": answer.PerceptionGaps, "timeline": answer.Node.Timeline} {
			if len(c.Edges) != size || c.TotalCount <= size || !c.PageInfo.HasNextPage {
				t.Errorf("%s, %s: %d edges of %d (next page %v), want %d", how, name, len(c.Edges), c.TotalCount, c.PageInfo.HasNextPage, size)
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
		vars := map[string]any{"id": first}

		c.ok(lists, vars, &answer)
		check(t, "through the server")

		resolver := graph.NewResolver(env.DB.Client, graph.Options{DefaultPageSize: size, Dialect: env.DB.Dialect})
		gql := handler.New(resolver.Schema())
		gql.AddTransport(transport.POST{})
		gql.AroundOperations(resolver.WithLoaders())
		body, _ := json.Marshal(map[string]any{"query": lists, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body)).WithContext(env.Viewer("acme", "ADMIN", "alice"))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		gql.ServeHTTP(w, req)
		var resp struct {
			Data   json.RawMessage
			Errors []any
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || len(resp.Errors) > 0 {
			t.Fatalf("from the resolvers alone: %v %s", err, w.Body)
		}
		answer = struct {
			AtRiskAccounts connection
			PerceptionGaps connection
			Node           struct{ Timeline connection }
		}{}
		if err := json.Unmarshal(resp.Data, &answer); err != nil {
			t.Fatal(err)
		}
		check(t, "from the resolvers alone")
	}, apitest.WithConfig(func(cfg *server.Config) { cfg.DefaultPageSize = size }))
}
