package rule_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// connections maps each root connection field to the type of its nodes.
var connections = map[string]string{
	"accounts":       "Account",
	"buyingContacts": "BuyingContact",
	"changes":        "Change",
	"contracts":      "Contract",
	"endUsers":       "EndUser",
	"feedback":       "Feedback",
	"interactions":   "Interaction",
	"members":        "Member",
	"people":         "Person",
	"teams":          "Team",
	"userCouncils":   "UserCouncil",
}

// otherQueryFields are the root fields that are not connections; each is exercised by hand.
var otherQueryFields = []string{"node", "nodes", "viewer", "perceptionGaps", "atRiskAccounts"}

// crossCase is a mutation that names ids of tenant f while the caller belongs to tenant o.
// With control, the same operation with o's own ids must get past the reference checks: it
// proves that the case is refused for the foreign id and not for a malformed input.
type crossCase struct {
	name    string
	query   string
	vars    func(f, o *tenantFixture) map[string]any
	control bool
}

func day(offset int) string {
	return time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, offset).Format(time.RFC3339)
}

// crossMutations says how each mutation is exercised with another tenant's ids.
var crossMutations = map[string][]crossCase{
	"createAccount": {
		{"owner", `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"in": map[string]any{"name": "X", "ownerID": f.KAM}}
			}, true},
		{"parent", `mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"in": map[string]any{"name": "X", "parentID": f.Graph.Account}}
			}, true},
	},
	"updateAccount": {
		{"id", `mutation($id: ID!) { updateAccount(id: $id, input: {name: "Hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Account} }, true},
		{"owner", `mutation($id: ID!, $owner: ID!) { updateAccount(id: $id, input: {ownerID: $owner}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Child, "owner": f.Admin}
			}, true},
		{"parent", `mutation($id: ID!, $p: ID!) { updateAccount(id: $id, input: {parentID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Child, "p": f.Graph.Account}
			}, true},
	},
	"deleteAccount": {
		{"id", `mutation($id: ID!) { deleteAccount(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Account} }, false},
	},
	"createPerson": {
		{"look-alike", `mutation { createPerson(input: {email: "newcomer@globex.example", name: "New Comer", externalID: "P-1"}) { id } }`,
			nil, false},
	},
	"updatePerson": {
		{"id", `mutation($id: ID!) { updatePerson(id: $id, input: {name: "Hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Buyer} }, true},
		{"id of an unlinked person", `mutation($id: ID!) { updatePerson(id: $id, input: {name: "Hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Loner} }, true},
	},
	"deletePerson": {
		{"id", `mutation($id: ID!) { deletePerson(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Buyer} }, false},
		{"id of an unlinked person", `mutation($id: ID!) { deletePerson(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Loner} }, false},
	},
	"createBuyingContact": {
		{"account", `mutation($a: ID!, $p: ID!) { createBuyingContact(input: {accountID: $a, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account, "p": o.Loner} }, true},
		{"person", `mutation($a: ID!, $p: ID!) { createBuyingContact(input: {accountID: $a, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": o.Graph.Child, "p": f.Loner} }, true},
	},
	"updateBuyingContact": {
		{"id", `mutation($id: ID!) { updateBuyingContact(id: $id, input: {roles: [LEGAL]}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.BuyingContact} }, true},
	},
	"deleteBuyingContact": {
		{"id", `mutation($id: ID!) { deleteBuyingContact(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.BuyingContact} }, false},
	},
	"addBuyingContact": {
		{"account", `mutation($a: ID!) { addBuyingContact(input: {accountID: $a, email: "new@globex.example", name: "New"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account} }, true},
	},
	"createEndUser": {
		{"account", `mutation($a: ID!, $p: ID!) { createEndUser(input: {accountID: $a, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account, "p": o.Loner} }, true},
		{"person", `mutation($a: ID!, $p: ID!) { createEndUser(input: {accountID: $a, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": o.Graph.Child, "p": f.Loner} }, true},
	},
	"updateEndUser": {
		{"id", `mutation($id: ID!) { updateEndUser(id: $id, input: {department: "X"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.EndUser} }, true},
	},
	"deleteEndUser": {
		{"id", `mutation($id: ID!) { deleteEndUser(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.EndUser} }, false},
	},
	"addEndUser": {
		{"account", `mutation($a: ID!) { addEndUser(input: {accountID: $a, email: "new2@globex.example", name: "New"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account} }, true},
	},
	"createContract": {
		{"account", `mutation($a: ID!, $s: Time!, $e: Time!) {
			createContract(input: {number: "C-X", startDate: $s, endDate: $e, currency: "EUR", accountID: $a}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": f.Graph.Account, "s": day(0), "e": day(300)}
			}, true},
		{"signer", `mutation($a: ID!, $b: ID!, $s: Time!, $e: Time!) {
			createContract(input: {number: "C-Y", startDate: $s, endDate: $e, currency: "EUR", accountID: $a, signedByID: $b}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "b": f.Graph.BuyingContact, "s": day(0), "e": day(300)}
			}, true},
	},
	"updateContract": {
		{"id", `mutation($id: ID!) { updateContract(id: $id, input: {seats: 99}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Contract} }, true},
		{"signer", `mutation($id: ID!, $b: ID!) { updateContract(id: $id, input: {signedByID: $b}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Contract, "b": f.Graph.BuyingContact}
			}, true},
	},
	"deleteContract": {
		{"id", `mutation($id: ID!) { deleteContract(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Contract} }, false},
	},
	"createUserCouncil": {
		{"account", `mutation($a: ID!) { createUserCouncil(input: {name: "New council", accountID: $a}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account} }, true},
	},
	"updateUserCouncil": {
		{"id", `mutation($id: ID!) { updateUserCouncil(id: $id, input: {purpose: "hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Council} }, true},
		{"cross-account council", `mutation($id: ID!) { updateUserCouncil(id: $id, input: {purpose: "hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.CrossCouncil} }, true},
	},
	"deleteUserCouncil": {
		{"id", `mutation($id: ID!) { deleteUserCouncil(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Council} }, false},
		{"cross-account council", `mutation($id: ID!) { deleteUserCouncil(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.CrossCouncil} }, false},
	},
	"addCouncilMember": {
		{"council", `mutation($c: ID!, $p: ID!) { addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"c": f.CrossCouncil, "p": o.Graph.Buyer}
			}, true},
		{"person", `mutation($c: ID!, $p: ID!) { addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"c": o.CrossCouncil, "p": f.Graph.Buyer}
			}, true},
	},
	"updateCouncilMembership": {
		{"id", `mutation($id: ID!) { updateCouncilMembership(id: $id, input: {role: OBSERVER}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Membership} }, true},
	},
	"deleteCouncilMembership": {
		{"id", `mutation($id: ID!) { deleteCouncilMembership(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Membership} }, false},
	},
	"recordCouncilSession": {
		{"council", `mutation($c: ID!, $at: Time!) { recordCouncilSession(input: {councilID: $c, heldAt: $at}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"c": f.Graph.Council, "at": day(-1)} }, true},
		{"attendee", `mutation($c: ID!, $p: ID!, $at: Time!) { recordCouncilSession(input: {councilID: $c, heldAt: $at, attendeeIDs: [$p]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"c": o.Graph.Council, "p": f.Graph.User, "at": day(-1)}
			}, true},
		{"feedback author", `mutation($c: ID!, $p: ID!, $at: Time!) {
			recordCouncilSession(input: {councilID: $c, heldAt: $at, feedback: [{authorID: $p, kind: COMMENT, body: "x"}]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"c": o.Graph.Council, "p": f.Graph.User, "at": day(-1)}
			}, true},
		{"feedback author at a cross-account council", `mutation($c: ID!, $p: ID!, $at: Time!) {
			recordCouncilSession(input: {councilID: $c, heldAt: $at, feedback: [{authorID: $p, kind: COMMENT, body: "x"}]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"c": o.CrossCouncil, "p": f.Graph.User, "at": day(-1)}
			}, true},
	},
	"updateCouncilSession": {
		{"id", `mutation($id: ID!) { updateCouncilSession(id: $id, input: {notes: "hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Session} }, true},
		{"attendee", `mutation($id: ID!, $p: ID!) { updateCouncilSession(id: $id, input: {addAttendeeIDs: [$p]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Session, "p": f.Graph.User}
			}, true},
		{"removed attendee", `mutation($id: ID!, $p: ID!) { updateCouncilSession(id: $id, input: {removeAttendeeIDs: [$p]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": f.Graph.Session, "p": f.Graph.User}
			}, true},
	},
	"deleteCouncilSession": {
		{"id", `mutation($id: ID!) { deleteCouncilSession(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Session} }, false},
	},
	"logInteraction": {
		{"account", `mutation($a: ID!) { logInteraction(input: {accountID: $a, channel: CALL, direction: INBOUND, subject: "x"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": f.Graph.Account} }, true},
		{"participant", `mutation($a: ID!, $p: ID!) {
			logInteraction(input: {accountID: $a, channel: CALL, direction: INBOUND, subject: "x", participantIDs: [$p]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": f.Graph.Buyer}
			}, true},
		{"handled by", `mutation($a: ID!, $m: ID!) {
			logInteraction(input: {accountID: $a, channel: CALL, direction: INBOUND, subject: "x", handledByID: $m}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"a": o.Graph.Account, "m": f.KAM} }, true},
	},
	"updateInteraction": {
		{"id", `mutation($id: ID!) { updateInteraction(id: $id, input: {summary: "hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Interaction} }, true},
		{"participant", `mutation($id: ID!, $p: ID!) { updateInteraction(id: $id, input: {addParticipantIDs: [$p]}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Interaction, "p": f.Graph.User}
			}, true},
		{"handled by", `mutation($id: ID!, $m: ID!) { updateInteraction(id: $id, input: {handledByID: $m}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": o.Graph.Interaction, "m": f.KAM} }, true},
	},
	"deleteInteraction": {
		{"id", `mutation($id: ID!) { deleteInteraction(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Interaction} }, false},
	},
	"captureFeedback": {
		{"account", `mutation($a: ID!, $p: ID!) { captureFeedback(input: {accountID: $a, authorID: $p, channel: WEB, kind: COMMENT, body: "x"}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": f.Graph.Account, "p": o.Graph.Buyer}
			}, true},
		{"author", `mutation($a: ID!, $p: ID!) { captureFeedback(input: {accountID: $a, authorID: $p, channel: WEB, kind: COMMENT, body: "x"}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": f.Graph.Buyer}
			}, true},
		{"author with a persona", `mutation($a: ID!, $p: ID!) {
			captureFeedback(input: {accountID: $a, authorID: $p, persona: PURCHASER, channel: WEB, kind: COMMENT, body: "x"}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": f.Graph.Buyer}
			}, true},
		{"contract", `mutation($a: ID!, $p: ID!, $c: ID!) {
			captureFeedback(input: {accountID: $a, authorID: $p, channel: WEB, kind: COMMENT, body: "x", contractID: $c}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": o.Graph.Buyer, "c": f.Graph.Contract}
			}, true},
		{"interaction", `mutation($a: ID!, $p: ID!, $i: ID!) {
			captureFeedback(input: {accountID: $a, authorID: $p, channel: WEB, kind: COMMENT, body: "x", interactionID: $i}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": o.Graph.Buyer, "i": f.Graph.Interaction}
			}, true},
		{"council session", `mutation($a: ID!, $p: ID!, $s: ID!) {
			captureFeedback(input: {accountID: $a, authorID: $p, channel: WEB, kind: COMMENT, body: "x", councilSessionID: $s}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"a": o.Graph.Account, "p": o.Graph.Buyer, "s": f.Graph.Session}
			}, true},
	},
	"updateFeedback": {
		{"id", `mutation($id: ID!) { updateFeedback(id: $id, input: {body: "hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Feedback} }, true},
		{"contract", `mutation($id: ID!, $c: ID!) { updateFeedback(id: $id, input: {contractID: $c}) { id } }`,
			func(f, o *tenantFixture) map[string]any {
				return map[string]any{"id": o.Graph.Feedback, "c": f.Graph.Contract}
			}, true},
	},
	"deleteFeedback": {
		{"id", `mutation($id: ID!) { deleteFeedback(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Feedback} }, false},
	},
	"createTeam": {
		{"manager", `mutation($m: ID!) { createTeam(input: {name: "Hijack", managerID: $m}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"m": f.Admin} }, true},
	},
	"updateTeam": {
		{"id", `mutation($id: ID!) { updateTeam(id: $id, input: {name: "Hijacked"}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Team} }, true},
		{"manager", `mutation($id: ID!, $m: ID!) { updateTeam(id: $id, input: {managerID: $m}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": o.Team, "m": f.KAM} }, true},
	},
	"deleteTeam": {
		{"id", `mutation($id: ID!) { deleteTeam(id: $id) { deletedID } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Team} }, false},
	},
	"createMember": {
		{"team", `mutation($team: ID!) { createMember(input: {subject: "intruder", teamID: $team}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"team": f.Team} }, true},
	},
	"updateMember": {
		{"id", `mutation($id: ID!) { updateMember(id: $id, input: {name: "Hijacked", role: ADMIN}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.KAM} }, true},
		{"team", `mutation($id: ID!, $team: ID!) { updateMember(id: $id, input: {teamID: $team}) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": o.Service, "team": f.Team} }, true},
	},
	"updateTenant": {
		{"own tenant only", `mutation { updateTenant(input: {name: "Renamed"}) { id } }`, nil, false},
	},
	"acknowledgeComplaint": {
		{"id", `mutation($id: ID!) { acknowledgeComplaint(id: $id) { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Feedback} }, true},
	},
	"resolveComplaint": {
		{"id", `mutation($id: ID!) { resolveComplaint(id: $id, resolution: "done") { id } }`,
			func(f, o *tenantFixture) map[string]any { return map[string]any{"id": f.Graph.Feedback} }, true},
	},
	// Sync resolves external ids in the caller's tenant: the look-alike ids of the other tenant
	// name the caller's own records, and the dump shows the other tenant untouched.
	"syncAccounts": {
		{"look-alike parent", `mutation { syncAccounts(input: [{externalID: "SYNC-A", name: "Synced", parentExternalID: "ACC-1"}]) { failed } }`, nil, false},
	},
	"syncPeople": {
		{"look-alike email", `mutation { syncPeople(input: [{externalID: "SYNC-P", email: "buyer-1@globex.example", name: "Synced"}]) { failed } }`, nil, false},
	},
	"syncBuyingContacts": {
		{"look-alike references", `mutation { syncBuyingContacts(input: [{externalID: "SYNC-B", accountExternalID: "ACC-1", personEmail: "buyer-1@globex.example"}]) { failed } }`, nil, false},
	},
	"syncEndUsers": {
		{"look-alike references", `mutation { syncEndUsers(input: [{externalID: "SYNC-E", accountExternalID: "ACC-1", personEmail: "buyer-1@globex.example"}]) { failed } }`, nil, false},
	},
	"syncContracts": {
		{"look-alike account", `mutation { syncContracts(input: [{externalID: "SYNC-C", accountExternalID: "ACC-1", number: "SYNC-C-1",
			startDate: "2024-01-01T00:00:00Z", endDate: "2025-01-01T00:00:00Z", currency: "EUR"}]) { failed } }`, nil, false},
	},
	"syncInteractions": {
		{"look-alike account", `mutation { syncInteractions(input: [{externalID: "SYNC-I", accountExternalID: "ACC-1", channel: CALL,
			direction: INBOUND, occurredAt: "2024-01-01T00:00:00Z", subject: "Synced"}]) { failed } }`, nil, false},
	},
	"syncFeedback": {
		{"look-alike account and author", `mutation { syncFeedback(input: [{externalID: "SYNC-F", accountExternalID: "ACC-1",
			authorEmail: "buyer-1@globex.example", channel: EMAIL, kind: COMMENT, receivedAt: "2024-01-01T00:00:00Z"}]) { failed } }`, nil, false},
	},
}

// introspect returns the root query and mutation fields with their argument names.
func introspect(t *testing.T, env *apitest.Env, token string) (queries, mutations map[string][]string) {
	t.Helper()
	d := gql(t, env, token, `{ __schema {
		queryType { fields { name args { name } } }
		mutationType { fields { name args { name } } }
	} }`, nil)
	read := func(typ string) map[string][]string {
		out := map[string][]string{}
		fields, _ := at(d, "__schema", typ, "fields").([]any)
		for _, f := range fields {
			var args []string
			list, _ := at(f, "args").([]any)
			for _, a := range list {
				args = append(args, str(a, "name"))
			}
			out[str(f, "name")] = args
		}
		return out
	}
	queries, mutations = read("queryType"), read("mutationType")
	if len(queries) < 10 || len(mutations) < 30 {
		t.Fatalf("introspection found %d query and %d mutation fields", len(queries), len(mutations))
	}
	return queries, mutations
}

// refusedForeign fails unless the response is an error NOT_FOUND or FORBIDDEN with no data.
func refusedForeign(t *testing.T, what string, r *apitest.Response) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Errorf("%s: succeeded: %s", what, r.Body)
		return
	}
	for _, e := range r.Errors {
		if c := e.Code(); c != "NOT_FOUND" && c != "FORBIDDEN" {
			t.Errorf("%s: want NOT_FOUND or FORBIDDEN, got %s: %s", what, c, r.Body)
			return
		}
	}
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Errorf("%s: data with the refusal: %s", what, d)
	}
}

func TestCrossTenantIsolation(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		a := seedTenant(t, env, "alpha")
		b := seedTenant(t, env, "bravo")
		token := b.AdminToken
		aByType := a.byType()
		aIDs := a.allIDs()
		isA := map[string]bool{}
		for _, id := range aIDs {
			isA[id] = true
		}
		for _, id := range b.allIDs() {
			if isA[id] {
				t.Fatalf("the tenants share id %s", id)
			}
		}
		before := dump(t, env, a.TenantID, aIDs)
		if len(before) < len(aIDs) {
			t.Fatalf("the dump of tenant A has %d rows for %d ids", len(before), len(aIDs))
		}

		queries, mutations := introspect(t, env, token)

		t.Run("root query fields", func(t *testing.T) {
			for field := range queries {
				if _, ok := connections[field]; !ok && !slices.Contains(otherQueryFields, field) {
					t.Errorf("uncovered query field %q: add it to the cross-tenant test", field)
				}
			}
			for field, typ := range connections {
				if _, ok := queries[field]; !ok {
					t.Errorf("query field %q no longer exists", field)
					continue
				}
				d := gql(t, env, token, fmt.Sprintf(`{ %s(first: 100) { totalCount edges { node { id } } } }`, field), nil)
				ids, total := connectionIDs(at(d, field))
				for _, id := range ids {
					if isA[id] {
						t.Errorf("%s lists tenant A's %s", field, id)
					}
				}
				if total != len(ids) {
					t.Errorf("%s: totalCount %d, but %d rows listed", field, total, len(ids))
				}
				if own := b.byType()[typ]; typ != "Change" && total != len(own) {
					t.Errorf("%s: totalCount %d, want tenant B's %d", field, total, len(own))
				}
				d = gql(t, env, token, fmt.Sprintf(`query($ids: [ID!]) { %s(where: {idIn: $ids}) { totalCount edges { node { id } } } }`, field),
					map[string]any{"ids": aByType[typ]})
				if ids, total := connectionIDs(at(d, field)); total != 0 || len(ids) != 0 {
					t.Errorf("%s(where: {idIn: A's ids}): totalCount %d, ids %v", field, total, ids)
				}
			}
			// Filters that match the look-alike values find B's rows only.
			d := gql(t, env, token, `{
				accounts(where: {externalID: "ACC-1"}) { totalCount edges { node { id } } }
				people(where: {email: "buyer-1@globex.example"}) { totalCount edges { node { id } } }
				contracts(where: {number: "C-1"}) { totalCount edges { node { id } } }
				changes(where: {entityID: "`+a.Graph.Account+`"}) { totalCount }
			}`, nil)
			for field, want := range map[string]string{"accounts": b.Graph.Account, "people": b.Graph.Buyer, "contracts": b.Graph.Contract} {
				if ids, total := connectionIDs(at(d, field)); total != 1 || len(ids) != 1 || ids[0] != want {
					t.Errorf("%s by look-alike value: %v (total %d), want [%s]", field, ids, total, want)
				}
			}
			if _, total := connectionIDs(at(d, "changes")); total != 0 {
				t.Errorf("changes of A's account: totalCount %d", total)
			}

			d = gql(t, env, token, `{
				perceptionGaps(first: 100) { edges { node { account { id } } } }
				atRiskAccounts(first: 100) { edges { node { account { id } } } }
			}`, nil)
			for _, view := range []string{"perceptionGaps", "atRiskAccounts"} {
				edges, _ := at(d, view, "edges").([]any)
				for _, e := range edges {
					if id := str(e, "node", "account", "id"); isA[id] {
						t.Errorf("%s ranks tenant A's account %s", view, id)
					}
				}
				if view == "atRiskAccounts" && len(edges) != len(b.byType()["Account"]) {
					t.Errorf("atRiskAccounts ranks %d accounts, want tenant B's %d", len(edges), len(b.byType()["Account"]))
				}
			}

			d = gql(t, env, token, `{ viewer { tenant { id slug } member { id } } }`, nil)
			if str(d, "viewer", "tenant", "id") != b.TenantID || str(d, "viewer", "member", "id") != b.Admin {
				t.Errorf("viewer: %v", d)
			}

			for typ, ids := range aByType {
				for _, id := range ids {
					r := env.Do(token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
					if at(mustMap(t, r), "node") != nil {
						t.Errorf("node(%s) of A's %s: %s", id, typ, r.Body)
					}
					for _, e := range r.Errors {
						if e.Code() != "NOT_FOUND" {
							t.Errorf("node(%s) of A's %s: %s", id, typ, r.Body)
						}
					}
				}
			}
			r := env.Do(token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": aIDs})
			if nodes, _ := at(mustMap(t, r), "nodes").([]any); slices.ContainsFunc(nodes, func(n any) bool { return n != nil }) {
				t.Errorf("nodes(A's ids): %s", r.Body)
			}
			for _, e := range r.Errors {
				if e.Code() != "NOT_FOUND" {
					t.Errorf("nodes(A's ids): want null with NOT_FOUND, got %s %q at %v (and %d errors more)",
						e.Code(), e.Message, e.Path, len(r.Errors)-1)
					break
				}
			}
			// Mixed with B's own ids, B's come back and A's do not.
			r = env.Do(token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				map[string]any{"ids": []string{b.Graph.Account, a.Graph.Account}})
			nodes, _ := at(mustMap(t, r), "nodes").([]any)
			if len(nodes) != 2 || str(nodes[0], "id") != b.Graph.Account || nodes[1] != nil {
				t.Errorf("nodes(B's, A's): %s", r.Body)
			}
		})

		t.Run("mutations", func(t *testing.T) {
			for field := range mutations {
				if _, ok := crossMutations[field]; !ok {
					t.Errorf("uncovered mutation %q: add it to the cross-tenant test", field)
				}
			}
			var names []string
			for name := range crossMutations {
				if _, ok := mutations[name]; !ok {
					t.Errorf("mutation %q no longer exists", name)
					continue
				}
				names = append(names, name)
			}
			// Deletes last, so that B's controls still find everything.
			sort.Slice(names, func(i, j int) bool {
				di, dj := strings.HasPrefix(names[i], "delete"), strings.HasPrefix(names[j], "delete")
				if di != dj {
					return dj
				}
				return names[i] < names[j]
			})
			for _, name := range names {
				for _, c := range crossMutations[name] {
					what := name + " (" + c.name + ")"
					if c.vars == nil { // names no id: it acts in the caller's own tenant
						env.Do(token, c.query, nil).MustOK(t, nil)
						continue
					}
					refusedForeign(t, what, env.Do(token, c.query, c.vars(a, b)))
					if c.control {
						r := env.Do(token, c.query, c.vars(b, b))
						for _, e := range r.Errors {
							if e.Code() == "NOT_FOUND" || e.Code() == "FORBIDDEN" || e.Code() == "INTERNAL" {
								t.Errorf("%s with B's own ids: %s; the case proves nothing", what, r.Body)
							}
						}
					}
				}
			}
		})

		if after := dump(t, env, a.TenantID, aIDs); !slices.Equal(before, after) {
			t.Errorf("tenant B's requests changed tenant A's rows:\n%s", diff(before, after))
		}
		d := gql(t, env, a.AdminToken, `{ viewer { tenant { name } } }`, nil)
		if str(d, "viewer", "tenant", "name") != "alpha" {
			t.Errorf("tenant A renamed: %v", d)
		}
	})
}

// mustMap decodes a response's data, which may be partial.
func mustMap(t *testing.T, r *apitest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, &m); err != nil {
			t.Fatalf("decoding %s: %v", r.Body, err)
		}
	}
	return m
}

// TestUniquePerTenant: unique values (emails, contract numbers, external ids, council names,
// member subjects) are unique within a tenant only: the look-alike tenants above hold the
// same ones, and a second use inside one tenant is a CONFLICT that names the field.
func TestUniquePerTenant(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		seedTenant(t, env, "alpha")
		b := seedTenant(t, env, "bravo")
		cases := []struct {
			field, query string
			vars         map[string]any
		}{
			{"email", `mutation { createPerson(input: {email: "BUYER-1@globex.example ", name: "Twin"}) { id } }`, nil},
			{"externalID", `mutation { createPerson(input: {email: "twin@globex.example", name: "Twin", externalID: "P-loner"}) { id } }`, nil},
			{"externalID", `mutation { createAccount(input: {name: "Twin", externalID: "ACC-1"}) { id } }`, nil},
			{"number", `mutation($a: ID!, $s: Time!, $e: Time!) {
				createContract(input: {number: "C-1", startDate: $s, endDate: $e, currency: "EUR", accountID: $a}) { id } }`,
				map[string]any{"a": b.Graph.Account, "s": day(0), "e": day(30)}},
			{"name", `mutation { createUserCouncil(input: {name: "Cross council"}) { id } }`, nil},
			{"subject", `mutation { createMember(input: {subject: "kam"}) { id } }`, nil},
		}
		for _, c := range cases {
			r := env.Do(b.AdminToken, c.query, c.vars)
			if e := r.MustFail(t, "CONFLICT"); e.Field() != c.field || !strings.HasPrefix(e.Message, c.field+" ") {
				t.Errorf("%s: want a CONFLICT on %s, got field %q, message %q", c.query, c.field, e.Field(), e.Message)
			}
		}
	})
}
