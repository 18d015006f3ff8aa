package bulksync_test

import (
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestHierarchyDepthAtItsLimit: a hierarchy of exactly 50 levels is stored and one of 51 is
// refused on the parent field, through sync and through the mutations alike, whether the 51st
// level is a new account or a subsidiary that moves with its parent.
func TestHierarchyDepthAtItsLimit(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		level := func(n int) string { return fmt.Sprintf("lvl-%02d", n) }
		chain := make([]object, 50)
		for n := 1; n <= 50; n++ {
			chain[n-1] = object{"externalID": level(n), "name": level(n)}
			if n > 1 {
				chain[n-1]["parentExternalID"] = level(n - 1)
			}
		}
		res := doSync(t, env, p.token, syncAccounts, chain, false)
		expectOutcomes(t, res, all("CREATED", 50)...)
		id := func(n int) string { return res.Items[n-1].id(t) }

		// A new account on level 51.
		deeper := doSync(t, env, p.token, syncAccounts, []object{{"externalID": "lvl-51", "name": "51", "parentExternalID": level(50)}}, false)
		if expectOutcomes(t, deeper, "FAILED"); !deeper.Items[0].hasError("parentExternalID", invalid) {
			t.Fatalf("syncing an account on level 51: %s", deeper)
		}
		create := `mutation($parent: ID!, $name: String!) { m: createAccount(input: {name: $name, parentID: $parent}) { id } }`
		refused := env.Do(p.token, create, map[string]any{"parent": id(50), "name": "API 51"}).MustFail(t, "BAD_USER_INPUT")
		if refused.Field() != "parentID" {
			t.Fatalf("creating an account on level 51 is refused on %q, want parentID", refused.Field())
		}
		onLevel50 := p.mutate(create, map[string]any{"parent": id(49), "name": "API 50"})["id"].(string)

		// A stored subsidiary moves with its parent: lvl-01's chain of 50 levels, placed below
		// another account, would reach level 51.
		top := p.mutate(`mutation { m: createAccount(input: {name: "Top", externalID: "top"}) { id } }`, nil)["id"].(string)
		moved := doSync(t, env, p.token, syncAccounts, []object{{"externalID": level(1), "name": level(1), "parentExternalID": "top"}}, false)
		if expectOutcomes(t, moved, "FAILED"); !moved.Items[0].hasError("parentExternalID", invalid) {
			t.Fatalf("moving a 50-level hierarchy below another account through sync: %s", moved)
		}
		update := `mutation($id: ID!, $parent: ID!) { updateAccount(id: $id, input: {parentID: $parent}) { id } }`
		refused = env.Do(p.token, update, map[string]any{"id": id(1), "parent": top}).MustFail(t, "BAD_USER_INPUT")
		if refused.Field() != "parentID" {
			t.Fatalf("moving a 50-level hierarchy below another account is refused on %q, want parentID", refused.Field())
		}
		// Without its deepest level, the hierarchy moves: 50 levels again.
		env.Do(p.token, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`, map[string]any{"id": onLevel50}).MustOK(t, nil)
		expectOutcomes(t, doSync(t, env, p.token, syncAccounts, []object{{"externalID": level(50), "name": level(50), "parentExternalID": "top"}}, false), "UPDATED")
		env.Do(p.token, update, map[string]any{"id": id(1), "parent": top}).MustOK(t, nil)
	})
}
