package rule_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// gql runs an operation that must succeed and returns its data as generic JSON.
func gql(t testing.TB, env *apitest.Env, token, query string, vars map[string]any) map[string]any {
	t.Helper()
	var data map[string]any
	env.Do(token, query, vars).MustOK(t, &data)
	return data
}

// at follows a path of keys into generic JSON.
var at = apitest.At

// str returns the string at the path, or "".
func str(v any, path ...string) string {
	s, _ := at(v, path...).(string)
	return s
}

// connectionIDs returns the node ids of a connection and its totalCount.
func connectionIDs(conn any) ([]string, int) {
	var ids []string
	edges, _ := at(conn, "edges").([]any)
	for _, e := range edges {
		ids = append(ids, str(e, "node", "id"))
	}
	total, _ := at(conn, "totalCount").(float64)
	sort.Strings(ids)
	return ids, int(total)
}

// accountGraph is an account with one of everything that hangs off it.
type accountGraph struct {
	Account, Child               string
	Buyer, User                  string // people
	BuyingContact, EndUser       string
	Contract                     string
	Council, Membership, Session string
	SessionFeedback              string
	Interaction, Feedback        string
	ByType                       map[string][]string // GraphQL type → ids
}

// all returns every id of the graph.
func (g accountGraph) all() []string {
	var out []string
	for _, ids := range g.ByType {
		out = append(out, ids...)
	}
	sort.Strings(out)
	return out
}

// seedAccount creates, through the API with the token, an account owned by owner (none when
// empty) with a subsidiary, a buying contact, an end user, a contract signed by the buyer, a
// council with the end user as member, a session they attended with feedback given there,
// an interaction with the buyer and NPS feedback of the buyer. tag makes the names, emails,
// numbers and external ids distinct within a tenant; the same tag in two tenants gives
// look-alike data.
func seedAccount(t testing.TB, env *apitest.Env, token, tag, owner string) accountGraph {
	t.Helper()
	var g accountGraph
	input := map[string]any{
		"name": "Globex " + tag, "domain": "globex-" + tag + ".example", "externalID": "ACC-" + tag,
		"industry": "Manufacturing", "tier": "KEY", "stage": "ACTIVE",
	}
	if owner != "" {
		input["ownerID"] = owner
	}
	d := gql(t, env, token, `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
		map[string]any{"in": input})
	g.Account = str(d, "createAccount", "id")
	child := map[string]any{"name": "Globex " + tag + " Labs", "externalID": "ACC-" + tag + "-labs", "parentID": g.Account}
	if owner != "" {
		child["ownerID"] = owner
	}
	d = gql(t, env, token, `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
		map[string]any{"in": child})
	g.Child = str(d, "createAccount", "id")

	d = gql(t, env, token, `mutation($a: ID!, $email: String!) {
		bc: addBuyingContact(input: {accountID: $a, email: $email, name: "Bea Buyer", roles: [ECONOMIC_BUYER], primary: true}) { id personID }
	}`, map[string]any{"a": g.Account, "email": "buyer-" + tag + "@globex.example"})
	g.BuyingContact, g.Buyer = str(d, "bc", "id"), str(d, "bc", "personID")
	d = gql(t, env, token, `mutation($a: ID!, $email: String!) {
		eu: addEndUser(input: {accountID: $a, email: $email, name: "Uma User", licensed: true, status: ACTIVE}) { id personID }
	}`, map[string]any{"a": g.Account, "email": "user-" + tag + "@globex.example"})
	g.EndUser, g.User = str(d, "eu", "id"), str(d, "eu", "personID")

	start := time.Now().UTC().Truncate(time.Second)
	d = gql(t, env, token, `mutation($in: CreateContractInput!) { createContract(input: $in) { id } }`,
		map[string]any{"in": map[string]any{
			"number": "C-" + tag, "externalID": "CTR-" + tag, "status": "ACTIVE",
			"startDate": start.AddDate(0, -6, 0), "endDate": start.AddDate(0, 6, 0),
			"currency": "EUR", "valueMinor": 1200000, "seats": 10, "accountID": g.Account, "signedByID": g.BuyingContact,
		}})
	g.Contract = str(d, "createContract", "id")

	d = gql(t, env, token, `mutation($a: ID!, $name: String!) { createUserCouncil(input: {name: $name, accountID: $a, status: ACTIVE}) { id } }`,
		map[string]any{"a": g.Account, "name": "Council " + tag})
	g.Council = str(d, "createUserCouncil", "id")
	d = gql(t, env, token, `mutation($c: ID!, $p: ID!) { addCouncilMember(input: {councilID: $c, personID: $p, role: CHAIR}) { id } }`,
		map[string]any{"c": g.Council, "p": g.User})
	g.Membership = str(d, "addCouncilMember", "id")
	d = gql(t, env, token, `mutation($c: ID!, $p: ID!, $at: Time!) {
		recordCouncilSession(input: {councilID: $c, heldAt: $at, title: "Kick-off", attendeeIDs: [$p],
			feedback: [{authorID: $p, kind: PRAISE, body: "love the new dashboard"}]}) {
			id feedback { edges { node { id } } }
		}
	}`, map[string]any{"c": g.Council, "p": g.User, "at": start.Add(-24 * time.Hour)})
	g.Session = str(d, "recordCouncilSession", "id")
	fb, _ := connectionIDs(at(d, "recordCouncilSession", "feedback"))
	if len(fb) != 1 {
		t.Fatalf("session feedback: %v", d)
	}
	g.SessionFeedback = fb[0]

	d = gql(t, env, token, `mutation($a: ID!, $p: ID!, $x: String!) {
		logInteraction(input: {accountID: $a, channel: CALL, direction: OUTBOUND, subject: "QBR", participantIDs: [$p], externalID: $x}) { id }
	}`, map[string]any{"a": g.Account, "p": g.Buyer, "x": "INT-" + tag})
	g.Interaction = str(d, "logInteraction", "id")
	d = gql(t, env, token, `mutation($a: ID!, $p: ID!, $c: ID!, $i: ID!, $x: String!) {
		captureFeedback(input: {accountID: $a, authorID: $p, channel: EMAIL, kind: NPS, score: 9, body: "solid",
			topics: ["Pricing"], contractID: $c, interactionID: $i, externalID: $x}) { id }
	}`, map[string]any{"a": g.Account, "p": g.Buyer, "c": g.Contract, "i": g.Interaction, "x": "FB-" + tag})
	g.Feedback = str(d, "captureFeedback", "id")

	g.ByType = map[string][]string{
		"Account":           {g.Account, g.Child},
		"Person":            {g.Buyer, g.User},
		"BuyingContact":     {g.BuyingContact},
		"EndUser":           {g.EndUser},
		"Contract":          {g.Contract},
		"UserCouncil":       {g.Council},
		"CouncilMembership": {g.Membership},
		"CouncilSession":    {g.Session},
		"Interaction":       {g.Interaction},
		"Feedback":          {g.Feedback, g.SessionFeedback},
	}
	for typ, ids := range g.ByType {
		for _, id := range ids {
			if id == "" {
				t.Fatalf("seeding %s: a %s without id", tag, typ)
			}
		}
	}
	return g
}

// tenantFixture is a tenant with an admin, a key-account manager, an integration member
// created by the admin, a team, a cross-account council, a person linked to no account and
// one account graph.
type tenantFixture struct {
	Slug, TenantID      string
	AdminToken          string
	Admin, KAM, Service string // member ids
	Team                string
	CrossCouncil, Loner string
	Graph               accountGraph
	ChangeIDs           []string
}

// seedTenant builds a tenant's look-alike data set: every value but the ids is the same for
// every slug.
func seedTenant(t testing.TB, env *apitest.Env, slug string) *tenantFixture {
	t.Helper()
	f := &tenantFixture{Slug: slug, AdminToken: env.Token(slug, "ADMIN", "admin")}
	d := gql(t, env, f.AdminToken, `{ viewer { tenant { id } member { id } } }`, nil)
	f.TenantID, f.Admin = str(d, "viewer", "tenant", "id"), str(d, "viewer", "member", "id")
	d = gql(t, env, env.Token(slug, "KEY_ACCOUNT_MANAGER", "kam"), `{ viewer { member { id } } }`, nil)
	f.KAM = str(d, "viewer", "member", "id")

	d = gql(t, env, f.AdminToken, `mutation($m: ID!) { createTeam(input: {name: "Key accounts", managerID: $m}) { id } }`,
		map[string]any{"m": f.Admin})
	f.Team = str(d, "createTeam", "id")
	d = gql(t, env, f.AdminToken, `mutation($k: ID!, $team: ID!) {
		updateMember(id: $k, input: {teamID: $team}) { id }
		svc: createMember(input: {subject: "svc", name: "Sync", role: INTEGRATION, teamID: $team}) { id }
	}`, map[string]any{"k": f.KAM, "team": f.Team})
	f.Service = str(d, "svc", "id")
	d = gql(t, env, f.AdminToken, `mutation {
		cc: createUserCouncil(input: {name: "Cross council", purpose: "all users"}) { id }
		p: createPerson(input: {email: "loner@globex.example", name: "Lone Ranger", externalID: "P-loner"}) { id }
	}`, nil)
	f.CrossCouncil, f.Loner = str(d, "cc", "id"), str(d, "p", "id")
	f.Graph = seedAccount(t, env, f.AdminToken, "1", f.KAM)
	f.ChangeIDs = changeIDs(t, env, f.AdminToken)
	return f
}

// byType lists every id of the fixture by GraphQL type.
func (f *tenantFixture) byType() map[string][]string {
	out := map[string][]string{
		"Tenant": {f.TenantID},
		"Member": {f.Admin, f.KAM, f.Service},
		"Team":   {f.Team},
		"Change": f.ChangeIDs,
	}
	for typ, ids := range f.Graph.ByType {
		out[typ] = append(out[typ], ids...)
	}
	out["UserCouncil"] = append(out["UserCouncil"], f.CrossCouncil)
	out["Person"] = append(out["Person"], f.Loner)
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// allIDs lists every id of the fixture.
func (f *tenantFixture) allIDs() []string {
	var out []string
	for _, ids := range f.byType() {
		out = append(out, ids...)
	}
	sort.Strings(out)
	return out
}

// changeIDs pages through the whole journal with the token.
func changeIDs(t testing.TB, env *apitest.Env, token string) []string {
	t.Helper()
	var ids []string
	var after any
	for {
		d := gql(t, env, token, `query($after: Cursor) {
			changes(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } }
		}`, map[string]any{"after": after})
		page, _ := connectionIDs(at(d, "changes"))
		ids = append(ids, page...)
		if at(d, "changes", "pageInfo", "hasNextPage") != true {
			break
		}
		after = at(d, "changes", "pageInfo", "endCursor")
	}
	sort.Strings(ids)
	return ids
}

// dump returns every row of every table that belongs to the tenant or names one of ids, as
// sorted text, to compare a tenant's state before and after.
func dump(t testing.TB, env *apitest.Env, tenantID string, ids []string) []string {
	t.Helper()
	var tablesQuery string
	switch env.DB.Dialect {
	case dialect.SQLite:
		tablesQuery = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	default:
		tablesQuery = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
	}
	rows, err := env.DB.SQL.Query(tablesQuery)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found only tables %v", tables)
	}
	known := map[string]bool{tenantID: true}
	for _, id := range ids {
		known[id] = true
	}
	var out []string
	for _, table := range tables {
		rows, err := env.DB.SQL.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			mine := false
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				if s, ok := v.(string); ok && known[s] {
					mine = true
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			if mine {
				out = append(out, table+": "+strings.Join(parts, " "))
			}
		}
		rows.Close()
	}
	sort.Strings(out)
	return out
}

// diff describes how two dumps differ.
func diff(before, after []string) string {
	var b strings.Builder
	for _, r := range before {
		if !slices.Contains(after, r) {
			fmt.Fprintf(&b, "- %s\n", r)
		}
	}
	for _, r := range after {
		if !slices.Contains(before, r) {
			fmt.Fprintf(&b, "+ %s\n", r)
		}
	}
	return b.String()
}
