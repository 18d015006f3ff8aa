package graph_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestAPIRefusesMalformedScalars: integers beyond GraphQL's 32-bit Int (or, in the 64-bit
// fields, beyond what a JSON client holds exactly), floats that are not finite, text with NUL
// characters or invalid UTF-8, and blank names are refused at the edge, naming the field, on
// every path (mutations, filters, bulk sync) and leave every table as it was.
func TestAPIRefusesMalformedScalars(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		buyer := c.buyer(acc, "Bill Lumbergh")
		start := time.Now().UTC().Truncate(time.Second)
		contract := func(change map[string]any) map[string]any { return contractInput(acc, start, change) }
		comment := func(sentiment any) map[string]any {
			return map[string]any{"in": map[string]any{"accountID": acc, "authorID": buyer, "channel": "EMAIL",
				"kind": "COMMENT", "body": "fine", "sentiment": sentiment}}
		}
		vars := func(in map[string]any) map[string]any { return map[string]any{"in": in} }
		const (
			createAccount  = `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`
			createPerson   = `mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`
			createTeam     = `mutation($in: CreateTeamInput!) { createTeam(input: $in) { id } }`
			createContract = `mutation($in: CreateContractInput!) { createContract(input: $in) { id } }`
			capture        = `mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id } }`
			logInteraction = `mutation($in: LogInteractionInput!) { logInteraction(input: $in) { id } }`
			syncAccounts   = `mutation($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { failed items { outcome errors { field code } } } }`
			syncContracts  = `mutation($in: [SyncContractInput!]!) { syncContracts(input: $in) { failed } }`
		)
		inlineSeats := `mutation($acc: ID!) { createContract(input: {accountID: $acc, number: "C-2", startDate: "` + ts(start) +
			`", endDate: "` + ts(start.AddDate(1, 0, 0)) + `", currency: "EUR", seats: 2147483648}) { id } }`
		body := func(query string, variables string) []byte {
			q, _ := json.Marshal(query)
			return []byte(`{"query":` + string(q) + `,"variables":` + variables + `}`)
		}
		for _, tc := range []struct {
			name  string
			body  []byte
			field string
		}{
			{"seats of 2^53 in a variable", post(createContract, contract(map[string]any{"seats": int64(1) << 53})), "input.seats"},
			{"seats of 2^31 inline", post(inlineSeats, map[string]any{"acc": acc}), "input.seats"},
			{"seats of 2^62 in a sync", post(syncContracts, vars(map[string]any{"externalID": "c-1", "accountExternalID": "a-1",
				"number": "C-3", "startDate": ts(start), "endDate": ts(start.AddDate(1, 0, 0)), "currency": "EUR", "seats": int64(1) << 62})),
				"input[0].seats"},
			{"a value of 2^53 minor units", post(createContract, contract(map[string]any{"valueMinor": int64(1) << 53})), "input.valueMinor"},
			{"a filter on 2^40 seats", post(`query($n: Int) { contracts(where: {seatsGT: $n}) { totalCount } }`, map[string]any{"n": int64(1) << 40}),
				"where.seatsGT"},
			{"sentiment NaN", post(capture, comment("NaN")), "input.sentiment"},
			{"sentiment Infinity", post(capture, comment("Infinity")), "input.sentiment"},
			{"sentiment -Inf", post(capture, comment("-Inf")), "input.sentiment"},
			{"sentiment 1e400", body(capture, `{"in":{"accountID":"`+acc+`","authorID":"`+buyer+
				`","channel":"EMAIL","kind":"COMMENT","sentiment":1e400}}`), "in.sentiment"},
			{"a NUL in a name", post(createAccount, vars(map[string]any{"name": "Ini\x00tech"})), "input.name"},
			{"a NUL in a filter", post(`query($s: String) { accounts(where: {nameContains: $s}) { totalCount } }`,
				map[string]any{"s": "\x00"}), "where.nameContains"},
			{"a NUL in a sync", post(syncAccounts, vars(map[string]any{"externalID": "a-2", "name": "Glo\x00bex"})), "input[0].name"},
			{"a NUL in an id", post(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "acc_\x00"}), "id"},
			{"invalid UTF-8 in a variable", body(createAccount, `{"in":{"tier":"KEY","name":"Ini`+"\xff"+`tech"}}`), "in.name"},
			{"invalid UTF-8 in a list", body(syncAccounts, `{"in":[{"externalID":"a-3","name":"ok"},{"externalID":"a-4","name":"`+"\xc3\x28"+`"}]}`),
				"in[1].name"},
			{"invalid UTF-8 in the query", []byte(`{"query":"mutation { createAccount(input: {name: \"Ini` + "\xed\xa0\x80" + `tech\"}) { id } }"}`), "query"},
			{"a blank account name", post(createAccount, vars(map[string]any{"name": "   "})), "name"},
			{"a blank person name", post(createPerson, vars(map[string]any{"name": "\t\n", "email": "milton@initech.example"})), "name"},
			{"a blank team name", post(createTeam, vars(map[string]any{"name": "\u00a0 "})), "name"},
			{"a blank contract number", post(createContract, contract(map[string]any{"number": "  "})), "number"},
			{"a blank interaction subject", post(logInteraction, vars(map[string]any{"accountID": acc, "channel": "CALL",
				"direction": "INBOUND", "occurredAt": ts(start), "subject": " "})), "subject"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := rowCounts(t, env)
				r := env.Post(c.tok, "application/json", tc.body, nil)
				expectRefused(t, env, r, tc.field, before)
				t.Logf("%s → %s", tc.name, r.Body)
			})
		}

		// A query sent by GET is held to the same rule.
		req, err := http.NewRequest(http.MethodGet, env.URL+"/graphql?query="+
			url.QueryEscape(`{ accounts(where: {nameContains: "`+"\xff"+`"}) { totalCount } }`), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+c.tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got apitest.Response
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if e := got.MustFail(t, "BAD_USER_INPUT"); resp.StatusCode != http.StatusBadRequest || e.Field() != "query" {
			t.Errorf("invalid UTF-8 in a GET query: %d %+v", resp.StatusCode, got.Errors)
		}

		// A blank name in a bulk sync fails its item, by the same rule as the mutations'.
		var synced struct {
			SyncAccounts struct {
				Failed int
				Items  []struct {
					Outcome string
					Errors  []struct{ Field, Code string }
				}
			}
		}
		c.ok(syncAccounts, vars(map[string]any{"externalID": "a-5", "name": " \t"}), &synced)
		if s := synced.SyncAccounts; s.Failed != 1 || len(s.Items[0].Errors) != 1 || s.Items[0].Errors[0].Field != "name" {
			t.Errorf("a blank name in a sync: %+v", s)
		}

		// Within the bounds, the same fields take their values.
		c.ok(createContract, contract(map[string]any{"number": "C-9", "seats": math.MaxInt32, "valueMinor": int64(1)<<53 - 1}), nil)
		c.ok(capture, comment(-0.5), nil)
		c.ok(createAccount, vars(map[string]any{"name": "  Umbrella Corp  "}), nil)
		if r := env.Post(c.tok, "application/json", body(createAccount, `{"in":{"name":"Caf\u00e9 \ud83d\ude00"}}`), nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("escaped non-ASCII text: %s", r)
		}
	})
}

// post is the JSON body of an operation.
func post(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err)
	}
	return b
}
