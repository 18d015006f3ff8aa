package graph_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

type object = map[string]any

// versioned is an update mutation that takes expectedVersion, with a way to create its entity
// and five successive values of one of its fields.
type versioned struct {
	typ    string // the entity type: update<typ>(id, input: Update<typ>Input!, expectedVersion)
	field  string
	values [5]any
	create func(f *fixture) string
}

// fixture creates entities through the API with an admin token.
type fixture struct {
	t     *testing.T
	env   *apitest.Env
	token string
	ids   map[string]string
}

func (f *fixture) mutate(query string, vars map[string]any) string {
	f.t.Helper()
	var data struct{ M struct{ ID string } }
	f.env.Do(f.token, query, vars).MustOK(f.t, &data)
	return data.M.ID
}

// TestExpectedVersion updates every entity that takes expectedVersion: with the current version
// it succeeds; with a stale one it fails with CONFLICT on expectedVersion and changes nothing,
// journal included; of two concurrent updates from the same version exactly one succeeds.
func TestExpectedVersion(t *testing.T) {
	cases := []versioned{
		{typ: "Account", field: "name", values: strings5("Account"), create: func(f *fixture) string { return f.ids["account"] }},
		{typ: "Person", field: "name", values: strings5("Person"), create: func(f *fixture) string { return f.ids["person"] }},
		{typ: "EndUser", field: "department", values: strings5("Department"), create: func(f *fixture) string { return f.ids["endUser"] }},
		{typ: "Team", field: "name", values: strings5("Team"), create: func(f *fixture) string {
			return f.mutate(`mutation { m: createTeam(input: {name: "Team"}) { id } }`, nil)
		}},
		{typ: "Member", field: "name", values: strings5("Member"), create: func(f *fixture) string {
			return f.mutate(`mutation { m: createMember(input: {subject: "kam-1", name: "Member", role: KEY_ACCOUNT_MANAGER}) { id } }`, nil)
		}},
		{typ: "BuyingContact", field: "influence", values: [5]any{"LOW", "MEDIUM", "HIGH", "MEDIUM", "LOW"},
			create: func(f *fixture) string { return f.ids["buyingContact"] }},
		{typ: "Contract", field: "seats", values: [5]any{1, 2, 3, 4, 5}, create: func(f *fixture) string {
			return f.mutate(`mutation($a: ID!) { m: createContract(input: {accountID: $a, number: "K-1", startDate: "2024-01-01T00:00:00Z",
				endDate: "2024-12-31T00:00:00Z", currency: "EUR"}) { id } }`, map[string]any{"a": f.ids["account"]})
		}},
		{typ: "UserCouncil", field: "name", values: strings5("Council"), create: func(f *fixture) string { return f.ids["council"] }},
		{typ: "CouncilMembership", field: "role", values: [5]any{"CHAIR", "SPONSOR", "OBSERVER", "CHAIR", "SPONSOR"},
			create: func(f *fixture) string {
				return f.mutate(`mutation($c: ID!, $p: ID!) { m: addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
					map[string]any{"c": f.ids["council"], "p": f.ids["person"]})
			}},
		{typ: "CouncilSession", field: "title", values: strings5("Session"), create: func(f *fixture) string {
			return f.mutate(`mutation($c: ID!) { m: recordCouncilSession(input: {councilID: $c, heldAt: "2024-03-01T10:00:00Z"}) { id } }`,
				map[string]any{"c": f.ids["council"]})
		}},
		{typ: "Interaction", field: "subject", values: strings5("Subject"), create: func(f *fixture) string {
			return f.mutate(`mutation($a: ID!) { m: logInteraction(input: {accountID: $a, channel: CALL, direction: INBOUND, subject: "Call"}) { id } }`,
				map[string]any{"a": f.ids["account"]})
		}},
		{typ: "Feedback", field: "body", values: strings5("Body"), create: func(f *fixture) string {
			return f.mutate(`mutation($a: ID!, $p: ID!) { m: captureFeedback(input: {accountID: $a, authorID: $p, channel: EMAIL, kind: COMMENT, body: "Hi"}) { id } }`,
				map[string]any{"a": f.ids["account"], "p": f.ids["person"]})
		}},
	}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := &fixture{t: t, env: env, token: env.Token("acme", "ADMIN", "root"), ids: map[string]string{}}
		f.ids["account"] = f.mutate(`mutation { m: createAccount(input: {name: "Initech"}) { id } }`, nil)
		f.ids["person"] = f.mutate(`mutation { m: createPerson(input: {name: "Ann", email: "ann@initech.example"}) { id } }`, nil)
		f.ids["endUser"] = f.mutate(`mutation($a: ID!) { m: addEndUser(input: {accountID: $a, email: "ann@initech.example"}) { id } }`,
			map[string]any{"a": f.ids["account"]})
		f.ids["buyingContact"] = f.mutate(`mutation($a: ID!) { m: addBuyingContact(input: {accountID: $a, email: "bob@initech.example", name: "Bob"}) { id } }`,
			map[string]any{"a": f.ids["account"]})
		f.ids["council"] = f.mutate(`mutation($a: ID!) { m: createUserCouncil(input: {name: "Council", accountID: $a}) { id } }`,
			map[string]any{"a": f.ids["account"]})
		for _, c := range cases {
			t.Run(c.typ, func(t *testing.T) {
				f.t = t
				c.run(t, f, c.create(f))
			})
		}
	})
}

func strings5(prefix string) [5]any {
	var out [5]any
	for i := range out {
		out[i] = fmt.Sprintf("%s %d", prefix, i+1)
	}
	return out
}

func (c versioned) run(t *testing.T, f *fixture, id string) {
	env := f.env
	query := fmt.Sprintf(`mutation($id: ID!, $v: Int, $in: Update%sInput!) { m: update%s(id: $id, input: $in, expectedVersion: $v) { id version %s } }`,
		c.typ, c.typ, c.field)
	vars := func(version any, value any) map[string]any {
		v := map[string]any{"id": id, "in": object{c.field: value}}
		if version != nil {
			v["v"] = version
		}
		return v
	}
	read := func() (version int, value any) {
		t.Helper()
		var data struct{ Node object }
		env.Do(f.token, fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { version %s } } }`, c.typ, c.field),
			map[string]any{"id": id}).MustOK(t, &data)
		return int(data.Node["version"].(float64)), data.Node[c.field]
	}
	journal := func() int {
		t.Helper()
		var n int
		if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM changes WHERE entity_id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	expect := func(version int, value any) {
		t.Helper()
		if v, got := read(); v != version || !jsonEqual(got, value) {
			t.Fatalf("%s reads version %d with %s %v, want version %d with %v", c.typ, v, c.field, got, version, value)
		}
	}
	v0, _ := read()
	rows := journal()

	// The current version: applied.
	var data struct{ M object }
	env.Do(f.token, query, vars(v0, c.values[0])).MustOK(t, &data)
	if int(data.M["version"].(float64)) != v0+1 || !jsonEqual(data.M[c.field], c.values[0]) {
		t.Fatalf("update at the current version returned %v", data.M)
	}
	expect(v0+1, c.values[0])
	if got := journal(); got != rows+1 {
		t.Fatalf("an update journaled %d rows", got-rows)
	}

	// A stale version: CONFLICT on expectedVersion, nothing changes.
	resp := env.Do(f.token, query, vars(v0, c.values[1]))
	if e := resp.MustFail(t, "CONFLICT"); e.Field() != "expectedVersion" {
		t.Fatalf("a stale version fails on %q, want expectedVersion: %s", e.Field(), resp)
	}
	expect(v0+1, c.values[0])
	if got := journal(); got != rows+1 {
		t.Fatalf("a refused update journaled %d rows", got-rows-1)
	}

	// No expected version: applied whatever the version.
	env.Do(f.token, query, vars(nil, c.values[2])).MustOK(t, nil)
	expect(v0+2, c.values[2])

	// Two updates from the same version at once: one wins, the other is told.
	var wg sync.WaitGroup
	results := make([]*apitest.Response, 2)
	errors := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errors[i] = env.Try(f.token, query, vars(v0+2, c.values[3+i]), nil)
		}()
	}
	wg.Wait()
	winner := -1
	for i, r := range results {
		if errors[i] != nil {
			t.Fatal(errors[i])
		}
		switch r.Code() {
		case "":
			if winner >= 0 {
				t.Fatalf("both concurrent updates from version %d succeeded: %s / %s", v0+2, results[0], results[1])
			}
			winner = i
		case "CONFLICT":
			if r.Errors[0].Field() != "expectedVersion" {
				t.Fatalf("the losing update fails on %q: %s", r.Errors[0].Field(), r)
			}
		default:
			t.Fatalf("a concurrent update failed otherwise: %s", r)
		}
	}
	if winner < 0 {
		t.Fatalf("neither concurrent update succeeded: %s / %s", results[0], results[1])
	}
	expect(v0+3, c.values[3+winner])
	if got := journal(); got != rows+3 {
		t.Fatalf("three applied updates journaled %d rows", got-rows)
	}
}

func jsonEqual(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	var x, y any
	_ = json.Unmarshal(ra, &x)
	_ = json.Unmarshal(rb, &y)
	return fmt.Sprint(x) == fmt.Sprint(y)
}
