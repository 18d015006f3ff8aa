package graph_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestAPIBadInput: each refused input of testdata/badinput.yaml answers its code (BAD_USER_INPUT)
// naming the field at fault, shows no SQL and no stack, and leaves every table as it was, the
// change journal included; the same inputs done right go through.
func TestAPIBadInput(t *testing.T) {
	var file struct {
		Operations        map[string]string
		Refused, Accepted []apiCase
	}
	readCases(t, "badinput.yaml", &file)
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		other := c.createAccount("Globex", nil)
		var bc struct{ AddBuyingContact struct{ ID string } }
		c.ok(`mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"accountID": other, "email": "hank@globex.example", "name": "Hank Scorpio"}}, &bc)
		start := time.Now().UTC().Truncate(time.Second)
		bindings := map[string]any{"$account": acc, "$otherAccount": other, "$buyer": c.buyer(acc, "Bill Lumbergh"),
			"$foreignSigner": bc.AddBuyingContact.ID, "$start": ts(start), "$end": ts(start.AddDate(1, 0, 0)),
			"$dayBefore": ts(start.AddDate(0, 0, -1))}
		for _, tc := range file.Refused {
			t.Run(tc.Name, func(t *testing.T) {
				before := rowCounts(t, env)
				r := env.Do(c.tok, tc.document(t, file.Operations), tc.bound(t, bindings))
				expectRefusedWith(t, env, r, tc.Code, tc.Field, before)
				t.Logf("%s → %s", tc.Name, r.Body)
			})
		}
		for _, tc := range file.Accepted {
			t.Run(tc.Name, func(t *testing.T) {
				c.ok(tc.document(t, file.Operations), tc.bound(t, bindings), nil)
			})
		}
	})
}
