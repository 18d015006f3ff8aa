package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
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
		g := gqltest.Must(t, env, "acme", "ADMIN", "alice") // fails the test on any error
		ctx := context.Background()
		acc := gqltest.Data(gqltest.CreateAccount(ctx, g, gqltest.CreateAccountInput{Name: "Initech"})).CreateAccount.Id
		other := gqltest.Data(gqltest.CreateAccount(ctx, g, gqltest.CreateAccountInput{Name: "Globex"})).CreateAccount.Id
		foreign := gqltest.Data(gqltest.AddBuyingContact(ctx, g, gqltest.AddBuyingContactInput{AccountID: other,
			Email: "hank@globex.example", Name: ptr("Hank Scorpio")})).AddBuyingContact
		buyer := gqltest.Data(gqltest.AddBuyingContact(ctx, g, gqltest.AddBuyingContactInput{AccountID: acc,
			Email: "bill@initech.example", Name: ptr("Bill Lumbergh")})).AddBuyingContact
		start := time.Now().UTC().Truncate(time.Second)
		bindings := map[string]any{"$account": acc, "$otherAccount": other, "$buyer": buyer.PersonID,
			"$foreignSigner": foreign.Id, "$start": ts(start), "$end": ts(start.AddDate(1, 0, 0)),
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
