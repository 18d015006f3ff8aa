package graph_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestAPIBadInput: each refused input answers BAD_USER_INPUT naming the field at fault, shows
// no SQL and no stack, and leaves every table as it was, the change journal included.
func TestAPIBadInput(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		other := c.createAccount("Globex", nil)
		buyer := c.buyer(acc, "Bill Lumbergh")
		var bc struct{ AddBuyingContact struct{ ID string } }
		c.ok(`mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"accountID": other, "email": "hank@globex.example", "name": "Hank Scorpio"}}, &bc)
		foreignSigner := bc.AddBuyingContact.ID
		start := time.Now().UTC().Truncate(time.Second)
		contract := func(change map[string]any) map[string]any { return contractInput(acc, start, change) }
		feedback := func(kind string, score int) map[string]any {
			return map[string]any{"in": map[string]any{"accountID": acc, "authorID": buyer, "channel": "SURVEY",
				"kind": kind, "score": score, "body": "so so"}}
		}
		const (
			createPerson   = `mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`
			addBuyer       = `mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { id } }`
			capture        = `mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id } }`
			createContract = `mutation($in: CreateContractInput!) { createContract(input: $in) { id } }`
			createAccount  = `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`
		)
		for _, tc := range []struct {
			name, query string
			vars        map[string]any
			field       string
		}{
			{"malformed email", createPerson,
				map[string]any{"in": map[string]any{"name": "Milton", "email": "milton-at-initech"}}, "email"},
			{"malformed email by add", addBuyer,
				map[string]any{"in": map[string]any{"accountID": acc, "name": "Milton", "email": "milton@"}}, "email"},
			{"NPS 11", capture, feedback("NPS", 11), "score"},
			{"NPS -1", capture, feedback("NPS", -1), "score"},
			{"CSAT 6", capture, feedback("CSAT", 6), "score"},
			{"score on a comment", capture, feedback("COMMENT", 3), "score"},
			{"contract ends before it starts", createContract,
				contract(map[string]any{"endDate": ts(start.AddDate(0, 0, -1))}), "endDate"},
			{"signer of another account", createContract,
				contract(map[string]any{"signedByID": foreignSigner}), "signedByID"},
			{"unknown enum in a variable", createAccount,
				map[string]any{"in": map[string]any{"name": "Umbrella", "tier": "PLATINUM"}}, "in.tier"},
			{"unknown enum inline", `mutation { createAccount(input: {name: "Umbrella", tier: PLATINUM}) { id } }`,
				nil, "input.tier"},
			{"second field of a mutation", `mutation($in: CreatePersonInput!) {
				a: createAccount(input: {name: "Umbrella"}) { id }
				b: createPerson(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": "Milton", "email": "milton"}}, "email"},
			{"page of 10000", `{ accounts(first: 10000) { totalCount } }`, nil, "first"},
			{"page of 10000 in a variable", `query($n: Int) { people(first: $n) { totalCount } }`,
				map[string]any{"n": 10000}, "first"},
			{"nested page of 10000", `{ accounts(first: 1) { edges { node { feedback(first: 10000) { totalCount } } } } }`,
				nil, "first"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := rowCounts(t, env)
				r := env.Do(c.tok, tc.query, tc.vars)
				expectRefused(t, env, r, tc.field, before)
				t.Logf("%s → %s", tc.name, r.Body)
			})
		}

		// The same inputs done right go through: the refusals were about the values.
		c.ok(createContract, contract(map[string]any{"signedByID": nil}), nil)
		c.ok(capture, feedback("NPS", 10), nil)
		c.ok(createPerson, map[string]any{"in": map[string]any{"name": "Milton", "email": "milton@initech.example"}}, nil)
	})
}
