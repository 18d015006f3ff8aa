package client_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stakegraph/stakegraph/client"
	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestChangeFeed reads the journal through the generated client: Any values arrive as raw
// JSON, cursors page forward, enums decode to their Go constants.
func TestChangeFeed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, api *apitest.Env) {
		ctx := context.Background()
		gql := client.New(api.URL, api.Token("acme", "INTEGRATION", "erp"), nil)
		key := client.AccountTierKey
		for _, name := range []string{"Globex", "Globex Corporation"} {
			if _, err := client.SyncAccounts(ctx, gql, []client.SyncAccountInput{{ExternalID: "ERP-1", Name: name, Tier: &key}}, nil); err != nil {
				t.Fatal(err)
			}
		}
		page, err := client.Changes(ctx, gql, 1, nil, []string{"Account"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes.Edges) != 1 || !page.Changes.PageInfo.HasNextPage || page.Changes.PageInfo.EndCursor == nil {
			t.Fatalf("first page: %+v", page.Changes)
		}
		if op := page.Changes.Edges[0].Node.Operation; op != client.ChangeOperationCreate {
			t.Fatalf("first change: %s", op)
		}
		page, err = client.Changes(ctx, gql, 10, page.Changes.PageInfo.EndCursor, []string{"Account"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Changes.Edges) != 1 {
			t.Fatalf("second page: %+v", page.Changes)
		}
		update := page.Changes.Edges[0].Node
		var name *client.ChangeRecordFieldsFieldChange
		for i, f := range update.Fields {
			if f.Name == "name" {
				name = &update.Fields[i]
			}
		}
		if update.Operation != client.ChangeOperationUpdate || name == nil || name.Old == nil || name.New == nil {
			t.Fatalf("update: %+v", update)
		}
		var before, after string
		if err := json.Unmarshal(*name.Old, &before); err != nil || json.Unmarshal(*name.New, &after) != nil || before != "Globex" || after != "Globex Corporation" {
			t.Fatalf("name change: %s → %s (%v)", *name.Old, *name.New, err)
		}
	})
}
