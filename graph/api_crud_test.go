package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// crudSpec describes how one entity is read back, listed, updated and deleted.
type crudSpec struct {
	typ   string            // the GraphQL type
	field string            // a field read back through node and nodes
	items map[string]string // id → the field's value
	// list is the connection, with ARGS where its arguments go, named c: "c: accounts(ARGS)",
	// or under a parent: `node(id: "…") { ... on UserCouncil { c: memberships(ARGS) } }`.
	list     string
	where    string   // a filter
	orderBy  string   // an ordering
	want     []string // the ids the filter keeps, in the ordering
	update   string   // an update mutation with its arguments, e.g. `updateAccount(id: "…", input: {name: "x"})`
	updated  string   // the field's value after it
	updField string   // the field the update checks, when not field
	delete   string   // the delete mutation
	gone     string   // the id to delete: nothing depends on it
}

// findKey returns the first value under key in a decoded JSON tree.
func findKey(v any, key string) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v[key]; ok {
			return x, true
		}
		for _, x := range v {
			if found, ok := findKey(x, key); ok {
				return found, true
			}
		}
	case []any:
		for _, x := range v {
			if found, ok := findKey(x, key); ok {
				return found, true
			}
		}
	}
	return nil, false
}

type connPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
}

// page reads one page of the spec's connection.
func (s crudSpec) page(c *client, args string) connPage {
	c.t.Helper()
	conn := "{ totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } } }"
	list := strings.Replace(s.list, "ARGS", args, 1)
	if strings.HasPrefix(list, "c:") {
		list += " " + conn
	} else {
		list = strings.Replace(list, ") }", ") "+conn+" }", 1)
	}
	var data map[string]any
	c.ok("{ "+list+" }", nil, &data)
	raw, ok := findKey(data, "c")
	if !ok {
		c.t.Fatalf("no connection in %s", dump(data))
	}
	var p connPage
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &p); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (s crudSpec) check(t *testing.T, c *client) {
	// node and nodes give each item with its type and value.
	var ids []string
	for id := range s.items {
		ids = append(ids, id)
	}
	for _, id := range ids {
		var out struct{ Node map[string]any }
		c.ok(fmt.Sprintf(`query($id: ID!) { node(id: $id) { __typename id ... on %s { v: %s } } }`, s.typ, s.field),
			map[string]any{"id": id}, &out)
		if out.Node["__typename"] != s.typ || out.Node["id"] != id || fmt.Sprint(out.Node["v"]) != s.items[id] {
			t.Errorf("node(%s) = %s, want %s %q", id, dump(out.Node), s.typ, s.items[id])
		}
	}
	var many struct{ Nodes []map[string]any }
	c.ok(fmt.Sprintf(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on %s { v: %s } } }`, s.typ, s.field),
		map[string]any{"ids": ids}, &many)
	if len(many.Nodes) != len(ids) {
		t.Fatalf("nodes: %s", dump(many))
	}
	for i, n := range many.Nodes {
		if n["id"] != ids[i] || n["__typename"] != s.typ || fmt.Sprint(n["v"]) != s.items[ids[i]] {
			t.Errorf("nodes[%d] = %s, want %s", i, dump(n), ids[i])
		}
	}

	// The connection: filtered, ordered and paged one item at a time.
	var got []string
	args := fmt.Sprintf("first: 1, where: %s, orderBy: [%s]", s.where, s.orderBy)
	for range len(s.want) + 1 {
		p := s.page(c, args)
		if p.TotalCount != len(s.want) {
			t.Errorf("%s totalCount %d, want %d", s.typ, p.TotalCount, len(s.want))
		}
		for _, e := range p.Edges {
			got = append(got, e.Node.ID)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		args = fmt.Sprintf("first: 1, after: %q, where: %s, orderBy: [%s]", *p.PageInfo.EndCursor, s.where, s.orderBy)
	}
	if !sameList(got, s.want) {
		t.Errorf("%s pages: %v, want %v", s.typ, got, s.want)
	}
	// All of it at once, in the reverse order.
	reversed := strings.Replace(s.orderBy, "}", ", direction: DESC}", 1)
	if strings.Contains(s.orderBy, "DESC") {
		reversed = strings.Replace(s.orderBy, "DESC", "ASC", 1)
	}
	p := s.page(c, fmt.Sprintf("first: 10, where: %s, orderBy: [%s]", s.where, reversed))
	var back []string
	for _, e := range p.Edges {
		back = append(back, e.Node.ID)
	}
	for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
		back[i], back[j] = back[j], back[i]
	}
	if !sameList(back, s.want) || p.PageInfo.HasNextPage {
		t.Errorf("%s reversed: %v", s.typ, back)
	}

	// Update: the new value, a new version, and node reads it.
	if s.update != "" {
		field := s.field
		if s.updField != "" {
			field = s.updField
		}
		var out map[string]map[string]any
		c.ok(fmt.Sprintf("mutation { u: %s { id version v: %s } }", s.update, field), nil, &out)
		u := out["u"]
		if fmt.Sprint(u["v"]) != s.updated || u["version"] != float64(2) {
			t.Errorf("%s update: %s, want %q at version 2", s.typ, dump(u), s.updated)
		}
		var n struct{ Node map[string]any }
		c.ok(fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { v: %s version } } }`, s.typ, field),
			map[string]any{"id": u["id"]}, &n)
		if fmt.Sprint(n.Node["v"]) != s.updated || n.Node["version"] != float64(2) {
			t.Errorf("%s after update: %s", s.typ, dump(n.Node))
		}
	}
}

// deleted deletes the spec's leaf item and checks that it is gone.
func (s crudSpec) deleted(t *testing.T, c *client) {
	var out map[string]struct {
		DeletedID   string
		CascadedIDs []string
	}
	c.ok(fmt.Sprintf(`mutation($id: ID!) { d: %s(id: $id) { deletedID cascadedIDs } }`, s.delete), map[string]any{"id": s.gone}, &out)
	if out["d"].DeletedID != s.gone {
		t.Errorf("%s: deleted %s, want %s", s.delete, out["d"].DeletedID, s.gone)
	}
	// node answers null for it, with a NOT_FOUND error at most.
	r := c.env.Do(c.tok, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": s.gone})
	if string(r.Data) != `{"node":null}` || len(r.Errors) > 1 || (len(r.Errors) == 1 && r.Errors[0].Code() != "NOT_FOUND") {
		t.Errorf("%s: %s still reads: %s", s.delete, s.gone, r)
	}
	// Deleting it again finds nothing.
	c.fail("NOT_FOUND", fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { deletedID } }`, s.delete), map[string]any{"id": s.gone})
}

// TestAPICrud: every entity is created, read through node, nodes and its connection
// (filtered, ordered, paged), updated and deleted through the API, with the grow-the-graph
// mutations creating the relationships.
func TestAPICrud(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		me := c.memberID()
		base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		at := func(d int) string { return ts(base.AddDate(0, 0, d)) }
		var specs []crudSpec
		id := func(query string, vars map[string]any) string {
			t.Helper()
			var out map[string]map[string]any
			c.ok(query, vars, &out)
			for _, v := range out {
				return v["id"].(string)
			}
			return ""
		}
		mutation := func(name, inputType string, in map[string]any) string {
			t.Helper()
			return id(fmt.Sprintf(`mutation($in: %s!) { x: %s(input: $in) { id } }`, inputType, name), map[string]any{"in": in})
		}

		// Teams.
		alpha := mutation("createTeam", "CreateTeamInput", map[string]any{"name": "Alpha", "managerID": me})
		bravo := mutation("createTeam", "CreateTeamInput", map[string]any{"name": "Bravo"})
		charlie := mutation("createTeam", "CreateTeamInput", map[string]any{"name": "Charlie squad"})
		specs = append(specs, crudSpec{typ: "Team", field: "name",
			items: map[string]string{alpha: "Alpha", bravo: "Bravo", charlie: "Charlie squad"},
			list:  "c: teams(ARGS)", where: `{nameContains: "a"}`, orderBy: "{field: NAME, direction: DESC}",
			want:   []string{charlie, bravo, alpha},
			update: fmt.Sprintf(`updateTeam(id: %q, input: {name: "Alpha one"})`, alpha), updated: "Alpha one",
			delete: "deleteTeam", gone: bravo})

		// Accounts.
		cyber := c.createAccount("Cyberdyne", map[string]any{"tier": "KEY", "ownerID": me})
		aperture := c.createAccount("Aperture", map[string]any{"tier": "STRATEGIC"})
		mesa := c.createAccount("Black Mesa", map[string]any{"tier": "KEY", "parentID": aperture})
		zeta := c.createAccount("Zeta", nil)
		specs = append(specs, crudSpec{typ: "Account", field: "name",
			items: map[string]string{cyber: "Cyberdyne", aperture: "Aperture", mesa: "Black Mesa", zeta: "Zeta"},
			list:  "c: accounts(ARGS)", where: "{tierIn: [KEY]}", orderBy: "{field: NAME}", want: []string{mesa, cyber},
			update: fmt.Sprintf(`updateAccount(id: %q, input: {name: "Cyberdyne Systems", stage: ACTIVE})`, cyber), updated: "Cyberdyne Systems",
			delete: "deleteAccount", gone: zeta})

		// People.
		ann := mutation("createPerson", "CreatePersonInput", map[string]any{"name": "P Ann", "email": "ann@cyberdyne.example"})
		bob := mutation("createPerson", "CreatePersonInput", map[string]any{"name": "P Bob", "email": "bob@cyberdyne.example"})
		cid := mutation("createPerson", "CreatePersonInput", map[string]any{"name": "P Cid", "email": "cid@mesa.example"})
		specs = append(specs, crudSpec{typ: "Person", field: "email",
			items: map[string]string{ann: "ann@cyberdyne.example", bob: "bob@cyberdyne.example", cid: "cid@mesa.example"},
			list:  "c: people(ARGS)", where: `{nameHasPrefix: "P "}`, orderBy: "{field: EMAIL, direction: DESC}",
			want:    []string{cid, bob, ann},
			update:  fmt.Sprintf(`updatePerson(id: %q, input: {email: "ann.archer@cyberdyne.example", title: "CFO"})`, ann),
			updated: "ann.archer@cyberdyne.example", delete: "deletePerson", gone: cid})
		people := func() int {
			var out struct{ People struct{ TotalCount int } }
			c.ok(`{ people(first: 1) { totalCount } }`, nil, &out)
			return out.People.TotalCount
		}

		// Buying contacts: by email, reusing the person when the email is known.
		before := people()
		var added struct {
			AddBuyingContact struct {
				ID, PersonID string
				Roles        []string
				Primary      bool
				Person       struct{ Name string }
			}
		}
		c.ok(`mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { id personID roles primary person { name } } }`,
			map[string]any{"in": map[string]any{"accountID": cyber, "email": "ANN@cyberdyne.example", "roles": []string{"ECONOMIC_BUYER"}, "primary": true}}, &added)
		annBuyer := added.AddBuyingContact.ID
		if added.AddBuyingContact.PersonID != ann || people() != before || !added.AddBuyingContact.Primary {
			t.Errorf("addBuyingContact by a known email: %s, people %d → %d", dump(added), before, people())
		}
		c.ok(`mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { id personID roles primary person { name } } }`,
			map[string]any{"in": map[string]any{"accountID": cyber, "email": "dora@cyberdyne.example", "name": "Dora Diaz", "roles": []string{"CHAMPION"}}}, &added)
		doraBuyer, dora := added.AddBuyingContact.ID, added.AddBuyingContact.PersonID
		if dora == "" || people() != before+1 || added.AddBuyingContact.Person.Name != "Dora Diaz" {
			t.Errorf("addBuyingContact by a new email: %s", dump(added))
		}
		bobBuyer := mutation("createBuyingContact", "CreateBuyingContactInput",
			map[string]any{"accountID": mesa, "personID": bob, "roles": []string{"PROCUREMENT"}})
		specs = append(specs, crudSpec{typ: "BuyingContact", field: "personID",
			items: map[string]string{annBuyer: ann, doraBuyer: dora, bobBuyer: bob},
			list:  "c: buyingContacts(ARGS)", where: fmt.Sprintf("{accountID: %q}", cyber), orderBy: "{field: CREATED_AT, direction: DESC}",
			want:     []string{doraBuyer, annBuyer},
			update:   fmt.Sprintf(`updateBuyingContact(id: %q, input: {influence: HIGH, primary: true})`, doraBuyer),
			updField: "influence", updated: "HIGH",
			delete: "deleteBuyingContact", gone: bobBuyer})

		// End users.
		var eu struct {
			AddEndUser struct{ ID, PersonID, Status string }
		}
		c.ok(`mutation($in: AddEndUserInput!) { addEndUser(input: $in) { id personID status } }`,
			map[string]any{"in": map[string]any{"accountID": cyber, "email": "bob@cyberdyne.example", "status": "ACTIVE",
				"licensed": true, "lastActiveAt": at(2)}}, &eu)
		bobUser := eu.AddEndUser.ID
		if eu.AddEndUser.PersonID != bob {
			t.Errorf("addEndUser by a known email made another person: %s", dump(eu))
		}
		c.ok(`mutation($in: AddEndUserInput!) { addEndUser(input: $in) { id personID status } }`,
			map[string]any{"in": map[string]any{"accountID": cyber, "email": "eve@cyberdyne.example", "name": "Eve Ng",
				"status": "ACTIVE", "lastActiveAt": at(1)}}, &eu)
		eveUser, eve := eu.AddEndUser.ID, eu.AddEndUser.PersonID
		annUser := mutation("createEndUser", "CreateEndUserInput", map[string]any{"accountID": mesa, "personID": ann, "status": "INVITED"})
		specs = append(specs, crudSpec{typ: "EndUser", field: "status",
			items: map[string]string{bobUser: "ACTIVE", eveUser: "ACTIVE", annUser: "INVITED"},
			list:  "c: endUsers(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: LAST_ACTIVE_AT}", want: []string{eveUser, bobUser},
			update: fmt.Sprintf(`updateEndUser(id: %q, input: {status: INACTIVE})`, eveUser), updated: "INACTIVE",
			delete: "deleteEndUser", gone: annUser})

		// Contracts.
		contract := func(account, number, status string, signer any) string {
			return mutation("createContract", "CreateContractInput", map[string]any{"accountID": account, "number": number,
				"status": status, "startDate": at(0), "endDate": at(365), "currency": "EUR", "seats": 10, "valueMinor": 100000,
				"signedByID": signer})
		}
		c3 := contract(cyber, "C-003", "ACTIVE", annBuyer)
		c1 := contract(cyber, "C-001", "ACTIVE", nil)
		c2 := contract(mesa, "C-002", "DRAFT", nil)
		specs = append(specs, crudSpec{typ: "Contract", field: "number",
			items: map[string]string{c1: "C-001", c2: "C-002", c3: "C-003"},
			list:  "c: contracts(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: NUMBER}", want: []string{c1, c3},
			update: fmt.Sprintf(`updateContract(id: %q, input: {number: "C-001-A", seats: 20})`, c1), updated: "C-001-A",
			delete: "deleteContract", gone: c2})

		// Councils.
		council := func(name, status string, account any) string {
			return mutation("createUserCouncil", "CreateUserCouncilInput", map[string]any{"name": name, "status": status, "accountID": account})
		}
		ops := council("Ops council", "ACTIVE", cyber)
		beta := council("Beta board", "FORMING", nil)
		circle := council("Alpha circle", "ACTIVE", cyber)
		specs = append(specs, crudSpec{typ: "UserCouncil", field: "name",
			items: map[string]string{ops: "Ops council", beta: "Beta board", circle: "Alpha circle"},
			list:  "c: userCouncils(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: NAME}", want: []string{circle, ops},
			update: fmt.Sprintf(`updateUserCouncil(id: %q, input: {purpose: "Roadmap", status: RETIRED})`, circle), updated: "Alpha circle",
			delete: "deleteUserCouncil", gone: beta})

		// Council memberships: buyers and end users of the council's account.
		member := func(person, role string, joined int) string {
			return mutation("addCouncilMember", "AddCouncilMemberInput", map[string]any{"councilID": ops, "personID": person, "role": role, "joinedAt": at(joined)})
		}
		mAnn := member(ann, "CHAIR", 1)
		mBob := member(bob, "MEMBER", 2)
		mEve := member(eve, "MEMBER", 3)
		mDora := member(dora, "OBSERVER", 4)
		specs = append(specs, crudSpec{typ: "CouncilMembership", field: "role",
			items: map[string]string{mAnn: "CHAIR", mBob: "MEMBER", mEve: "MEMBER", mDora: "OBSERVER"},
			list:  fmt.Sprintf(`node(id: %q) { ... on UserCouncil { c: memberships(ARGS) } }`, ops),
			where: "{role: MEMBER}", orderBy: "{field: JOINED_AT, direction: DESC}", want: []string{mEve, mBob},
			update: fmt.Sprintf(`updateCouncilMembership(id: %q, input: {role: SPONSOR})`, mBob), updated: "SPONSOR",
			delete: "deleteCouncilMembership", gone: mDora})

		// Council sessions, with attendees and feedback given there.
		var rec struct {
			RecordCouncilSession struct {
				ID        string
				Attendees struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
				Feedback struct {
					TotalCount int
					Edges      []struct {
						Node struct {
							AccountID, Persona, Kind, Body string
							Channel                        string
						}
					}
				}
			}
		}
		session := func(title string, held int, attendees []string, feedback []map[string]any) string {
			c.ok(`mutation($in: RecordCouncilSessionInput!) { recordCouncilSession(input: $in) { id
				attendees(first: 10) { totalCount edges { node { id } } }
				feedback(first: 10) { totalCount edges { node { accountID persona kind body channel } } } } }`,
				map[string]any{"in": map[string]any{"councilID": ops, "heldAt": at(held), "title": title,
					"attendeeIDs": attendees, "feedback": feedback}}, &rec)
			return rec.RecordCouncilSession.ID
		}
		s1 := session("Kick-off", 10, []string{ann, bob}, []map[string]any{
			{"authorID": ann, "kind": "COMMENT", "body": "the roadmap is clear"},
			{"authorID": bob, "kind": "NPS", "score": 6}})
		r := rec.RecordCouncilSession
		if r.Attendees.TotalCount != 2 || r.Feedback.TotalCount != 2 {
			t.Errorf("recorded session: %s", dump(r))
		}
		for _, e := range r.Feedback.Edges {
			want := map[string]string{"COMMENT": "PURCHASER", "NPS": "END_USER"}[e.Node.Kind]
			if e.Node.AccountID != cyber || e.Node.Persona != want || e.Node.Channel != "COUNCIL_SESSION" {
				t.Errorf("session feedback: %s", dump(e.Node))
			}
		}
		s2 := session("Review", 40, []string{eve}, nil)
		s3 := session("Dry run", 5, nil, nil)
		specs = append(specs, crudSpec{typ: "CouncilSession", field: "title",
			items: map[string]string{s1: "Kick-off", s2: "Review", s3: "Dry run"},
			list:  fmt.Sprintf(`node(id: %q) { ... on UserCouncil { c: sessions(ARGS) } }`, ops),
			where: fmt.Sprintf("{heldAtGT: %q}", at(6)), orderBy: "{field: HELD_AT, direction: DESC}", want: []string{s2, s1},
			update: fmt.Sprintf(`updateCouncilSession(id: %q, input: {title: "Kick-off!", notes: "went well"})`, s1), updated: "Kick-off!",
			delete: "deleteCouncilSession", gone: s3})

		// Interactions.
		var logged struct {
			LogInteraction struct {
				ID           string
				HandledBy    struct{ ID string }
				Participants struct{ TotalCount int }
			}
		}
		interaction := func(subject, channel string, day int, participants []string) string {
			c.ok(`mutation($in: LogInteractionInput!) { logInteraction(input: $in) { id handledBy { id } participants(first: 5) { totalCount } } }`,
				map[string]any{"in": map[string]any{"accountID": cyber, "channel": channel, "direction": "OUTBOUND",
					"occurredAt": at(day), "subject": subject, "participantIDs": participants}}, &logged)
			return logged.LogInteraction.ID
		}
		i1 := interaction("QBR", "MEETING", 20, []string{ann, dora})
		if logged.LogInteraction.HandledBy.ID != me || logged.LogInteraction.Participants.TotalCount != 2 {
			t.Errorf("logged interaction: %s", dump(logged))
		}
		i2 := interaction("Renewal call", "CALL", 30, nil)
		i3 := interaction("Check-in", "CALL", 25, []string{bob})
		i4 := interaction("Spam", "EMAIL", 26, nil)
		specs = append(specs, crudSpec{typ: "Interaction", field: "subject",
			items: map[string]string{i1: "QBR", i2: "Renewal call", i3: "Check-in", i4: "Spam"},
			list:  "c: interactions(ARGS)", where: "{channel: CALL}", orderBy: "{field: OCCURRED_AT}", want: []string{i3, i2},
			update: fmt.Sprintf(`updateInteraction(id: %q, input: {subject: "QBR Q1"})`, i1), updated: "QBR Q1",
			delete: "deleteInteraction", gone: i4})

		// Feedback.
		var captured struct {
			CaptureFeedback struct {
				ID, Persona, Kind string
				Score             *int
				CapturedBy        struct{ ID string }
				Interaction       *struct{ ID string }
				Contract          *struct{ ID string }
			}
		}
		capture := func(in map[string]any) string {
			in["accountID"] = cyber
			if in["channel"] == nil {
				in["channel"] = "SURVEY"
			}
			c.ok(`mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id persona kind score capturedBy { id }
				interaction { id } contract { id } } }`, map[string]any{"in": in}, &captured)
			return captured.CaptureFeedback.ID
		}
		f1 := capture(map[string]any{"authorID": ann, "kind": "NPS", "score": 9, "receivedAt": at(21), "interactionID": i1, "contractID": c3})
		if f := captured.CaptureFeedback; f.Persona != "PURCHASER" || f.CapturedBy.ID != me || f.Interaction == nil || f.Interaction.ID != i1 ||
			f.Contract == nil || f.Contract.ID != c3 {
			t.Errorf("captured feedback: %s", dump(f))
		}
		f2 := capture(map[string]any{"authorID": eve, "kind": "NPS", "score": 3, "receivedAt": at(22)})
		if captured.CaptureFeedback.Persona != "END_USER" {
			t.Errorf("an end user's feedback: %s", dump(captured))
		}
		f3 := capture(map[string]any{"authorID": eve, "kind": "COMPLAINT", "body": "slow exports", "channel": "SUPPORT", "receivedAt": at(23)})
		specs = append(specs, crudSpec{typ: "Feedback", field: "kind",
			items: map[string]string{f1: "NPS", f2: "NPS", f3: "COMPLAINT"},
			list:  "c: feedback(ARGS)", where: fmt.Sprintf("{kind: NPS, channel: SURVEY, accountID: %q}", cyber), orderBy: "{field: SCORE, direction: DESC}",
			want:   []string{f1, f2},
			update: fmt.Sprintf(`updateFeedback(id: %q, input: {kind: CSAT, score: 4})`, f2), updated: "CSAT",
			delete: "deleteFeedback", gone: f3})

		for _, s := range specs {
			t.Run(s.typ, func(t *testing.T) {
				c := &client{t: t, env: env, tok: c.tok}
				s.check(t, c)
			})
		}
		// Deletions last, leaves first: each deleted item has nothing that depends on it.
		for i := len(specs) - 1; i >= 0; i-- {
			s := specs[i]
			t.Run("delete "+s.typ, func(t *testing.T) {
				s.deleted(t, &client{t: t, env: env, tok: c.tok})
			})
		}

		// What the grow-the-graph mutations made reads back through the account.
		var acc struct {
			Node struct {
				BuyingContacts struct{ TotalCount int }
				EndUsers       struct{ TotalCount int }
				Contracts      struct{ TotalCount int }
				Feedback       struct{ TotalCount int }
				Interactions   struct{ TotalCount int }
				Children       struct{ TotalCount int }
			}
		}
		c.ok(`query($id: ID!) { node(id: $id) { ... on Account {
			buyingContacts(first: 1) { totalCount } endUsers(first: 1) { totalCount } contracts(first: 1) { totalCount }
			feedback(first: 1) { totalCount } interactions(first: 1) { totalCount } children(first: 1) { totalCount } } } }`,
			map[string]any{"id": cyber}, &acc)
		want := `{"BuyingContacts":{"TotalCount":2},"EndUsers":{"TotalCount":2},"Contracts":{"TotalCount":2},"Feedback":{"TotalCount":4},"Interactions":{"TotalCount":3},"Children":{"TotalCount":0}}`
		if got := dump(acc.Node); got != want {
			t.Errorf("the account's edges: %s, want %s", got, want)
		}
	})
}
