package rule_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// roleTenant is one tenant with every role, two teams and five account graphs:
//
//	team "Team 1" (manager mgr): kam (owns g1), kam2 (owns g2)
//	team "Team 2" (manager mgr2): kam3 (owns g3)
//	mgr owns g4; g5 has no owner
//
// g1's buyer is also an end user at g3 (a person shared by two accounts), and g3's end user
// sits on the tenant's cross-account council.
type roleTenant struct {
	*tenantFixture
	env                            *apitest.Env
	Mgr, Mgr2, KAM2, KAM3          string // member ids (KAM is kam, from the fixture)
	Analyst, Integration           string
	Team1, Team2                   string
	G1, G2, G3, G4, G5             accountGraph
	SharedEndUser, CrossMembership string
	allMembers, allTeams           []string
}

var subjects = map[string]string{
	"ADMIN": "admin", "MANAGER": "mgr", "MANAGER2": "mgr2", "KAM": "kam", "KAM2": "kam2", "KAM3": "kam3",
	"ANALYST": "analyst", "INTEGRATION": "integ",
}

// token returns a token of the tenant's member with the subject, in the role the token says.
func (rt *roleTenant) token(role, subject string) string {
	return rt.env.Token(rt.Slug, role, subject)
}

func (rt *roleTenant) memberID(t *testing.T, role, subject string) string {
	t.Helper()
	d := gql(t, rt.env, rt.token(role, subject), `{ viewer { member { id } } }`, nil)
	return str(d, "viewer", "member", "id")
}

func seedRoles(t *testing.T, env *apitest.Env) *roleTenant {
	t.Helper()
	rt := &roleTenant{tenantFixture: seedTenant(t, env, "acme"), env: env}
	rt.G1 = rt.Graph // owned by kam
	rt.Mgr = rt.memberID(t, "MANAGER", "mgr")
	rt.Mgr2 = rt.memberID(t, "MANAGER", "mgr2")
	rt.KAM2 = rt.memberID(t, "KEY_ACCOUNT_MANAGER", "kam2")
	rt.KAM3 = rt.memberID(t, "KEY_ACCOUNT_MANAGER", "kam3")
	rt.Analyst = rt.memberID(t, "ANALYST", "analyst")
	rt.Integration = rt.memberID(t, "INTEGRATION", "integ")

	admin := rt.AdminToken
	d := gql(t, env, admin, `mutation($m1: ID!, $m2: ID!) {
		t1: createTeam(input: {name: "Team 1", managerID: $m1}) { id }
		t2: createTeam(input: {name: "Team 2", managerID: $m2}) { id }
	}`, map[string]any{"m1": rt.Mgr, "m2": rt.Mgr2})
	rt.Team1, rt.Team2 = str(d, "t1", "id"), str(d, "t2", "id")
	gql(t, env, admin, `mutation($k1: ID!, $k2: ID!, $k3: ID!, $t1: ID!, $t2: ID!) {
		a: updateMember(id: $k1, input: {teamID: $t1}) { id }
		b: updateMember(id: $k2, input: {teamID: $t1}) { id }
		c: updateMember(id: $k3, input: {teamID: $t2}) { id }
	}`, map[string]any{"k1": rt.KAM, "k2": rt.KAM2, "k3": rt.KAM3, "t1": rt.Team1, "t2": rt.Team2})

	rt.G2 = seedAccount(t, env, admin, "2", rt.KAM2)
	rt.G3 = seedAccount(t, env, admin, "3", rt.KAM3)
	rt.G4 = seedAccount(t, env, admin, "4", rt.Mgr)
	rt.G5 = seedAccount(t, env, admin, "5", "")

	d = gql(t, env, admin, `mutation($a: ID!, $c: ID!, $p: ID!) {
		eu: addEndUser(input: {accountID: $a, email: "buyer-1@globex.example", department: "Ops"}) { id personID }
		cm: addCouncilMember(input: {councilID: $c, personID: $p}) { id }
	}`, map[string]any{"a": rt.G3.Account, "c": rt.CrossCouncil, "p": rt.G3.User})
	rt.SharedEndUser, rt.CrossMembership = str(d, "eu", "id"), str(d, "cm", "id")
	if str(d, "eu", "personID") != rt.G1.Buyer {
		t.Fatalf("the shared end user is not g1's buyer: %v", d)
	}
	rt.G3.ByType["EndUser"] = append(rt.G3.ByType["EndUser"], rt.SharedEndUser)
	rt.G3.ByType["Person"] = append(rt.G3.ByType["Person"], rt.G1.Buyer)
	rt.G3.ByType["CouncilMembership"] = append(rt.G3.ByType["CouncilMembership"], rt.CrossMembership)

	rt.allMembers = []string{rt.Admin, rt.KAM, rt.Service, rt.Mgr, rt.Mgr2, rt.KAM2, rt.KAM3, rt.Analyst, rt.Integration}
	rt.allTeams = []string{rt.Team, rt.Team1, rt.Team2}
	return rt
}

// expected lists the ids of each type a viewer who sees the graphs should see.
func (rt *roleTenant) expected(wholeTenant bool, graphs ...accountGraph) map[string][]string {
	out := map[string][]string{
		"UserCouncil": {rt.CrossCouncil},
		"Member":      rt.allMembers,
		"Team":        rt.allTeams,
	}
	if wholeTenant {
		out["Person"] = []string{rt.Loner}
	}
	for _, g := range graphs {
		for typ, ids := range g.ByType {
			out[typ] = append(out[typ], ids...)
		}
	}
	for typ, ids := range out {
		slices.Sort(ids)
		out[typ] = slices.Compact(ids)
	}
	return out
}

func (rt *roleTenant) graphs() []accountGraph {
	return []accountGraph{rt.G1, rt.G2, rt.G3, rt.G4, rt.G5}
}

// readConnections lists every connection but changes with the token.
func readConnections(t *testing.T, env *apitest.Env, token string) map[string][]string {
	t.Helper()
	var q strings.Builder
	q.WriteString("{")
	for field := range connections {
		if field != "changes" {
			fmt.Fprintf(&q, " %s(first: 100) { totalCount edges { node { id } } }", field)
		}
	}
	q.WriteString(" }")
	d := gql(t, env, token, q.String(), nil)
	out := map[string][]string{}
	for field, typ := range connections {
		if field == "changes" {
			continue
		}
		ids, total := connectionIDs(at(d, field))
		if total != len(ids) {
			t.Errorf("%s: totalCount %d for %d rows", field, total, len(ids))
		}
		out[typ] = ids
	}
	return out
}

// checkSees fails unless the token sees exactly the expected rows of every type, and nothing
// of the hidden graphs through node and nodes.
func checkSees(t *testing.T, rt *roleTenant, who, token string, want map[string][]string, hidden ...accountGraph) {
	t.Helper()
	got := readConnections(t, rt.env, token)
	for field, typ := range connections {
		if field == "changes" {
			continue
		}
		if !slices.Equal(got[typ], want[typ]) {
			t.Errorf("%s: %s lists %v, want %v", who, field, got[typ], want[typ])
		}
	}
	visible := map[string]bool{}
	for _, ids := range want {
		for _, id := range ids {
			visible[id] = true
		}
	}
	var invisible []string
	for _, g := range hidden {
		for _, id := range g.all() {
			if !visible[id] {
				invisible = append(invisible, id)
			}
		}
	}
	for _, id := range invisible {
		r := rt.env.Do(token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		if at(mustMap(t, r), "node") != nil {
			t.Errorf("%s: node(%s) of a hidden account's graph: %s", who, id, r.Body)
		} else if len(r.Errors) > 0 && r.Errors[0].Code() != "NOT_FOUND" {
			t.Errorf("%s: node(%s): %s", who, id, r.Body)
		}
	}
	if len(invisible) > 1 {
		r := rt.env.Do(token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": invisible})
		if nodes, _ := at(mustMap(t, r), "nodes").([]any); slices.ContainsFunc(nodes, func(n any) bool { return n != nil }) {
			t.Errorf("%s: nodes(hidden ids): %s", who, r.Body)
		}
	}
}

// mustCode fails unless the response is refused with the code (and, when given, the field)
// and carries no data.
func mustCode(t *testing.T, what string, r *apitest.Response, code, field string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Errorf("%s: succeeded, want %s: %s", what, code, r.Body)
		return
	}
	if e := r.Errors[0]; e.Code() != code || (field != "" && e.Field() != field) {
		t.Errorf("%s: want %s %s, got %s", what, code, field, r.Body)
	}
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Errorf("%s: data with the refusal: %s", what, d)
	}
}

// ownerOf reads an account's owner as the admin.
func (rt *roleTenant) ownerOf(t *testing.T, account string) string {
	t.Helper()
	d := gql(t, rt.env, rt.AdminToken, `query($id: ID!) { node(id: $id) { ... on Account { ownerID } } }`,
		map[string]any{"id": account})
	return str(d, "node", "ownerID")
}

func TestRoles(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		rt := seedRoles(t, env)
		all := rt.graphs()
		kam := rt.token("KEY_ACCOUNT_MANAGER", "kam")
		kam3 := rt.token("KEY_ACCOUNT_MANAGER", "kam3")
		mgr := rt.token("MANAGER", "mgr")
		mgr2 := rt.token("MANAGER", "mgr2")
		analyst := rt.token("ANALYST", "analyst")
		integ := rt.token("INTEGRATION", "integ")
		admin := rt.AdminToken

		t.Run("visibility", func(t *testing.T) {
			checkSees(t, rt, "kam", kam, rt.expected(false, rt.G1), rt.G2, rt.G3, rt.G4, rt.G5)
			checkSees(t, rt, "kam3", kam3, rt.expected(false, rt.G3), rt.G1, rt.G2, rt.G4, rt.G5)
			checkSees(t, rt, "mgr", mgr, rt.expected(false, rt.G1, rt.G2, rt.G4), rt.G3, rt.G5)
			checkSees(t, rt, "mgr2", mgr2, rt.expected(false, rt.G3), rt.G1, rt.G2, rt.G4, rt.G5)
			for who, token := range map[string]string{"admin": admin, "analyst": analyst, "integration": integ} {
				checkSees(t, rt, who, token, rt.expected(true, all...))
			}
		})

		t.Run("nested reads follow the account", func(t *testing.T) {
			q := `query($p: ID!, $a: ID!) {
				p: node(id: $p) { ... on Person { buyingRoles { totalCount } endUserRoles { totalCount } feedback { totalCount } interactions { totalCount } } }
				a: node(id: $a) { ... on Account { children { totalCount } buyingContacts { totalCount } endUsers { totalCount }
					contracts { totalCount } councils { totalCount } feedback { totalCount } interactions { totalCount } } }
			}`
			count := func(d map[string]any, path ...string) int {
				n, _ := at(d, append(path, "totalCount")...).(float64)
				return int(n)
			}
			// g1's buyer buys at g1 and uses the product at g3: each KAM sees their side only.
			d := gql(t, env, kam, q, map[string]any{"p": rt.G1.Buyer, "a": rt.G1.Account})
			if count(d, "p", "buyingRoles") != 1 || count(d, "p", "endUserRoles") != 0 ||
				count(d, "p", "feedback") != 1 || count(d, "p", "interactions") != 1 {
				t.Errorf("kam reads g1's buyer: %v", d)
			}
			for _, edge := range []string{"children", "buyingContacts", "endUsers", "contracts", "councils", "interactions"} {
				if count(d, "a", edge) != 1 {
					t.Errorf("kam reads g1.%s: %v", edge, at(d, "a"))
				}
			}
			if count(d, "a", "feedback") != 2 {
				t.Errorf("kam reads g1.feedback: %v", at(d, "a"))
			}
			d = gql(t, env, kam3, q, map[string]any{"p": rt.G1.Buyer, "a": rt.G3.Account})
			if count(d, "p", "buyingRoles") != 0 || count(d, "p", "endUserRoles") != 1 ||
				count(d, "p", "feedback") != 0 || count(d, "p", "interactions") != 0 {
				t.Errorf("kam3 reads g1's buyer: %v", d)
			}
			if count(d, "a", "endUsers") != 2 {
				t.Errorf("kam3 reads g3.endUsers: %v", at(d, "a"))
			}
			// The cross-account council is everyone's; its members only where the person is visible.
			q = `query($c: ID!) { node(id: $c) { ... on UserCouncil { memberships { totalCount } } } }`
			for who, c := range map[string]struct {
				token string
				want  int
			}{"kam": {kam, 0}, "kam3": {kam3, 1}, "analyst": {analyst, 1}} {
				d := gql(t, env, c.token, q, map[string]any{"c": rt.CrossCouncil})
				if n := count(d, "node", "memberships"); n != c.want {
					t.Errorf("%s reads the cross-account council's memberships: %d, want %d", who, n, c.want)
				}
			}
		})

		t.Run("changes: admin and integration only", func(t *testing.T) {
			q := `{ changes(first: 5) { totalCount edges { node { id entityID } } } }`
			for who, token := range map[string]string{"admin": admin, "integration": integ} {
				d := gql(t, env, token, q, nil)
				if _, total := connectionIDs(at(d, "changes")); total == 0 {
					t.Errorf("%s reads no changes", who)
				}
			}
			change := rt.ChangeIDs[0]
			for who, token := range map[string]string{"kam": kam, "mgr": mgr, "analyst": analyst} {
				mustCode(t, who+" reads changes", env.Do(token, q, nil), "FORBIDDEN", "")
				r := env.Do(token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": change})
				if at(mustMap(t, r), "node") != nil || len(r.Errors) == 0 {
					t.Errorf("%s reads a change by node(): %s", who, r.Body)
				}
			}
		})

		t.Run("members and teams: admin only", func(t *testing.T) {
			writes := []struct{ name, query string }{
				{"createTeam", `mutation { createTeam(input: {name: "Rogue"}) { id } }`},
				{"updateTeam", `mutation($t: ID!) { updateTeam(id: $t, input: {name: "Renamed"}) { id } }`},
				{"deleteTeam", `mutation($t: ID!) { deleteTeam(id: $t) { deletedID } }`},
				{"createMember", `mutation { createMember(input: {subject: "rogue"}) { id } }`},
				{"updateMember", `mutation($m: ID!) { updateMember(id: $m, input: {role: ADMIN}) { id } }`},
				{"updateMember team", `mutation($m: ID!, $t: ID!) { updateMember(id: $m, input: {teamID: $t}) { id } }`},
				{"updateTenant", `mutation { updateTenant(input: {name: "Rogue"}) { id } }`},
			}
			for who, token := range map[string]string{"mgr": mgr, "kam": kam, "analyst": analyst, "integration": integ} {
				self := map[string]string{"mgr": rt.Mgr, "kam": rt.KAM, "analyst": rt.Analyst, "integration": rt.Integration}[who]
				for _, w := range writes {
					mustCode(t, who+" "+w.name, env.Do(token, w.query, map[string]any{"t": rt.Team1, "m": self}), "FORBIDDEN", "")
				}
			}
			d := gql(t, env, admin, `mutation($t: ID!, $m: ID!) {
				createTeam(input: {name: "Team 3"}) { id }
				updateTeam(id: $t, input: {name: "Team One"}) { name }
				createMember(input: {subject: "newbie", role: ANALYST}) { id }
				updateMember(id: $m, input: {name: "Integration bot"}) { name }
				updateTenant(input: {name: "Acme Corp"}) { name }
			}`, map[string]any{"t": rt.Team1, "m": rt.Integration})
			if str(d, "updateTeam", "name") != "Team One" || str(d, "updateTenant", "name") != "Acme Corp" {
				t.Errorf("admin writes: %v", d)
			}
			rt.allMembers = append(rt.allMembers, str(d, "createMember", "id"))
			slices.Sort(rt.allMembers)
			gql(t, env, admin, `mutation($t: ID!) { deleteTeam(id: $t) { deletedID } }`,
				map[string]any{"t": str(d, "createTeam", "id")})
		})

		t.Run("analyst: every write is forbidden", func(t *testing.T) {
			f := rt.tenantFixture
			for name, cases := range crossMutations {
				for _, c := range cases {
					var vars map[string]any
					if c.vars != nil {
						vars = c.vars(f, f)
					}
					mustCode(t, "analyst "+name+" ("+c.name+")", env.Do(analyst, c.query, vars), "FORBIDDEN", "")
				}
			}
		})

		t.Run("key-account manager writes", func(t *testing.T) {
			mustCode(t, "kam deletes its account", env.Do(kam, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`,
				map[string]any{"id": rt.G1.Account}), "FORBIDDEN", "")
			for mutation, id := range map[string]string{"deleteFeedback": rt.G1.Feedback, "deleteBuyingContact": rt.G1.BuyingContact,
				"deleteContract": rt.G1.Contract, "deleteInteraction": rt.G1.Interaction, "deletePerson": rt.G1.Buyer} {
				mustCode(t, "kam "+mutation, env.Do(kam, fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { deletedID } }`, mutation),
					map[string]any{"id": id}), "FORBIDDEN", "")
			}
			mustCode(t, "kam reassigns its account", env.Do(kam, `mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o}) { id } }`,
				map[string]any{"id": rt.G1.Account, "o": rt.KAM2}), "FORBIDDEN", "ownerID")
			mustCode(t, "kam clears its account's owner", env.Do(kam, `mutation($id: ID!) { updateAccount(id: $id, input: {clearOwner: true}) { id } }`,
				map[string]any{"id": rt.G1.Account}), "FORBIDDEN", "")
			mustCode(t, "kam creates an account for another", env.Do(kam, `mutation($o: ID!) { createAccount(input: {name: "Gift", ownerID: $o}) { id } }`,
				map[string]any{"o": rt.KAM2}), "FORBIDDEN", "ownerID")
			mustCode(t, "kam edits a colleague's account", env.Do(kam, `mutation($id: ID!) { updateAccount(id: $id, input: {name: "Mine"}) { id } }`,
				map[string]any{"id": rt.G2.Account}), "NOT_FOUND", "")
			mustCode(t, "kam edits the cross-account council", env.Do(kam, `mutation($id: ID!) { updateUserCouncil(id: $id, input: {purpose: "mine"}) { id } }`,
				map[string]any{"id": rt.CrossCouncil}), "NOT_FOUND", "")
			mustCode(t, "kam creates a cross-account council", env.Do(kam, `mutation { createUserCouncil(input: {name: "Everyone's"}) { id } }`, nil),
				"FORBIDDEN", "accountID")
			mustCode(t, "kam hangs a subsidiary under a colleague's account", env.Do(kam, `mutation($p: ID!) { createAccount(input: {name: "Sub", parentID: $p}) { id } }`,
				map[string]any{"p": rt.G2.Account}), "NOT_FOUND", "parentID")
			mustCode(t, "kam captures feedback on a colleague's account", env.Do(kam, `mutation($a: ID!, $p: ID!) {
				captureFeedback(input: {accountID: $a, authorID: $p, channel: CALL, kind: COMMENT, body: "x"}) { id } }`,
				map[string]any{"a": rt.G2.Account, "p": rt.G2.Buyer}), "NOT_FOUND", "accountID")

			d := gql(t, env, kam, `mutation($id: ID!, $me: ID!) {
				u: updateAccount(id: $id, input: {name: "Globex One", ownerID: $me}) { name ownerID version }
				c: createAccount(input: {name: "Initech", externalID: "ACC-initech"}) { id ownerID }
			}`, map[string]any{"id": rt.G1.Account, "me": rt.KAM})
			if str(d, "u", "ownerID") != rt.KAM || str(d, "c", "ownerID") != rt.KAM {
				t.Errorf("kam's accounts are its own: %v", d)
			}
			created := str(d, "c", "id")
			d = gql(t, env, kam, `{ accounts { totalCount } }`, nil)
			if n, _ := at(d, "accounts", "totalCount").(float64); n != 3 {
				t.Errorf("kam sees %v accounts after creating one, want 3", n)
			}
			d = gql(t, env, kam, `mutation($a: ID!, $p: ID!) {
				captureFeedback(input: {accountID: $a, authorID: $p, channel: CALL, kind: CSAT, score: 4}) { id persona capturedByID }
			}`, map[string]any{"a": rt.G1.Account, "p": rt.G1.User})
			if str(d, "captureFeedback", "persona") != "END_USER" || str(d, "captureFeedback", "capturedByID") != rt.KAM {
				t.Errorf("kam captures feedback: %v", d)
			}
			rt.G1.ByType["Feedback"] = append(rt.G1.ByType["Feedback"], str(d, "captureFeedback", "id"))
			// A person another account knows can be linked to one's own account.
			gql(t, env, kam, `mutation($a: ID!) { addBuyingContact(input: {accountID: $a, email: "buyer-2@globex.example"}) { id } }`,
				map[string]any{"a": created})
			// Clean up for the manager's view below.
			gql(t, env, admin, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`, map[string]any{"id": created})
		})

		t.Run("manager writes", func(t *testing.T) {
			reassign := `mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o}) { ownerID } }`
			gql(t, env, mgr, reassign, map[string]any{"id": rt.G1.Account, "o": rt.KAM2})
			if o := rt.ownerOf(t, rt.G1.Account); o != rt.KAM2 {
				t.Fatalf("g1's owner is %s after the manager's reassignment", o)
			}
			// The graph follows its owner; g1's subsidiary stays with kam.
			want := rt.expected(false, rt.G1, rt.G2)
			want["Account"] = slices.DeleteFunc(want["Account"], func(id string) bool { return id == rt.G1.Child })
			checkSees(t, rt, "kam2 after the reassignment", rt.token("KEY_ACCOUNT_MANAGER", "kam2"), want, rt.G3, rt.G4, rt.G5)
			d := gql(t, env, kam, `{ accounts { totalCount } }`, nil)
			if n, _ := at(d, "accounts", "totalCount").(float64); n != 1 { // g1's subsidiary is still kam's
				t.Errorf("kam sees %v accounts after losing g1, want 1", n)
			}
			gql(t, env, mgr, reassign, map[string]any{"id": rt.G1.Account, "o": rt.Mgr})
			gql(t, env, mgr, reassign, map[string]any{"id": rt.G1.Account, "o": rt.KAM})

			mustCode(t, "mgr assigns outside its teams", env.Do(mgr, reassign,
				map[string]any{"id": rt.G1.Account, "o": rt.KAM3}), "FORBIDDEN", "ownerID")
			mustCode(t, "mgr assigns to an admin", env.Do(mgr, reassign,
				map[string]any{"id": rt.G1.Account, "o": rt.Admin}), "FORBIDDEN", "ownerID")
			mustCode(t, "mgr creates an account for a member outside its teams", env.Do(mgr,
				`mutation($o: ID!) { createAccount(input: {name: "Gift", ownerID: $o}) { id } }`,
				map[string]any{"o": rt.KAM3}), "FORBIDDEN", "ownerID")
			mustCode(t, "mgr edits another team's account", env.Do(mgr, reassign,
				map[string]any{"id": rt.G3.Account, "o": rt.KAM}), "NOT_FOUND", "")
			mustCode(t, "mgr edits an unowned account", env.Do(mgr, `mutation($id: ID!) { updateAccount(id: $id, input: {name: "x"}) { id } }`,
				map[string]any{"id": rt.G5.Account}), "NOT_FOUND", "")
			mustCode(t, "mgr deletes", env.Do(mgr, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`,
				map[string]any{"id": rt.G2.Account}), "FORBIDDEN", "")
			if o := rt.ownerOf(t, rt.G1.Account); o != rt.KAM {
				t.Errorf("g1's owner is %s after refused reassignments", o)
			}
			d = gql(t, env, mgr, `mutation($a: ID!, $o: ID!, $c: ID!) {
				e: updateAccount(id: $a, input: {tier: STRATEGIC}) { tier }
				n: createAccount(input: {name: "Hooli", ownerID: $o}) { id ownerID }
				c: updateUserCouncil(id: $c, input: {purpose: "managers run it"}) { purpose }
			}`, map[string]any{"a": rt.G2.Account, "o": rt.KAM2, "c": rt.CrossCouncil})
			if str(d, "e", "tier") != "STRATEGIC" || str(d, "n", "ownerID") != rt.KAM2 || str(d, "c", "purpose") != "managers run it" {
				t.Errorf("manager writes: %v", d)
			}
			gql(t, env, admin, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`, map[string]any{"id": str(d, "n", "id")})

			// Visibility follows team membership: kam leaves Team 1, mgr no longer sees g1.
			gql(t, env, admin, `mutation($m: ID!) { updateMember(id: $m, input: {clearTeam: true}) { id } }`, map[string]any{"m": rt.KAM})
			checkSees(t, rt, "mgr after kam left the team", mgr, rt.expected(false, rt.G2, rt.G4), rt.G1, rt.G3, rt.G5)
			gql(t, env, admin, `mutation($m: ID!, $t: ID!) { updateMember(id: $m, input: {teamID: $t}) { id } }`,
				map[string]any{"m": rt.KAM, "t": rt.Team1})
		})

		t.Run("admin and integration assign across teams and delete", func(t *testing.T) {
			reassign := `mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o}) { ownerID } }`
			gql(t, env, admin, reassign, map[string]any{"id": rt.G3.Account, "o": rt.KAM})
			gql(t, env, integ, reassign, map[string]any{"id": rt.G3.Account, "o": rt.KAM3})
			gql(t, env, admin, `mutation($id: ID!) { updateAccount(id: $id, input: {clearOwner: true}) { id } }`,
				map[string]any{"id": rt.G4.Account})
			if o := rt.ownerOf(t, rt.G4.Account); o != "" {
				t.Errorf("admin cleared g4's owner, still %s", o)
			}
			d := gql(t, env, integ, `mutation($f: ID!) { deleteFeedback(id: $f) { deletedID } }`, map[string]any{"f": rt.G4.Feedback})
			if str(d, "deleteFeedback", "deletedID") != rt.G4.Feedback {
				t.Errorf("integration deletes feedback: %v", d)
			}

			d = gql(t, env, admin, `mutation($id: ID!) { deleteAccount(id: $id) { deletedID cascadedIDs } }`,
				map[string]any{"id": rt.G5.Account})
			var cascaded []string
			for _, id := range at(d, "deleteAccount", "cascadedIDs").([]any) {
				cascaded = append(cascaded, id.(string))
			}
			sort.Strings(cascaded)
			g := rt.G5
			want := []string{g.BuyingContact, g.EndUser, g.Contract, g.Council, g.Membership, g.Session,
				g.Interaction, g.Feedback, g.SessionFeedback}
			sort.Strings(want)
			if !slices.Equal(cascaded, want) {
				t.Errorf("deleting g5 cascaded to %v, want %v", cascaded, want)
			}
			r := env.Do(admin, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": append(want, g.Account)})
			if nodes, _ := at(mustMap(t, r), "nodes").([]any); slices.ContainsFunc(nodes, func(n any) bool { return n != nil }) {
				t.Errorf("g5's graph is still there: %s", r.Body)
			}
			d = gql(t, env, admin, `query($c: ID!, $p: ID!) {
				c: node(id: $c) { ... on Account { parentID } }
				p: node(id: $p) { id }
			}`, map[string]any{"c": g.Child, "p": g.Buyer})
			if at(d, "c") == nil || at(d, "c", "parentID") != nil || str(d, "p", "id") != g.Buyer {
				t.Errorf("the subsidiary is detached and the people stay: %v", d)
			}
		})
	})
}
