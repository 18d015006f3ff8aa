package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
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
// mutations creating the relationships. The creates go through the typed client, as the API's
// clients write them; the checks common to every entity (crudSpec) through their documents.
func TestAPICrud(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		g := gqltest.Must(t, env, "acme", "ADMIN", "alice") // fails the test on any error
		ctx := context.Background()
		me := gqltest.Data(gqltest.ViewerMember(ctx, g)).Viewer.Member.Id
		base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		at := func(d int) time.Time { return base.AddDate(0, 0, d) }
		var specs []crudSpec

		// Teams.
		team := func(in gqltest.CreateTeamInput) string {
			t.Helper()
			return gqltest.Data(gqltest.CreateTeam(ctx, g, in)).CreateTeam.Id
		}
		alpha := team(gqltest.CreateTeamInput{Name: "Alpha", ManagerID: &me})
		bravo := team(gqltest.CreateTeamInput{Name: "Bravo"})
		charlie := team(gqltest.CreateTeamInput{Name: "Charlie squad"})
		specs = append(specs, crudSpec{typ: "Team", field: "name",
			items: map[string]string{alpha: "Alpha", bravo: "Bravo", charlie: "Charlie squad"},
			list:  "c: teams(ARGS)", where: `{nameContains: "a"}`, orderBy: "{field: NAME, direction: DESC}",
			want:   []string{charlie, bravo, alpha},
			update: fmt.Sprintf(`updateTeam(id: %q, input: {name: "Alpha one"})`, alpha), updated: "Alpha one",
			delete: "deleteTeam", gone: bravo})

		// Accounts.
		account := func(in gqltest.CreateAccountInput) string {
			t.Helper()
			return gqltest.Data(gqltest.CreateAccount(ctx, g, in)).CreateAccount.Id
		}
		cyber := account(gqltest.CreateAccountInput{Name: "Cyberdyne", Tier: ptr(gqltest.AccountTierKey), OwnerID: &me})
		aperture := account(gqltest.CreateAccountInput{Name: "Aperture", Tier: ptr(gqltest.AccountTierStrategic)})
		mesa := account(gqltest.CreateAccountInput{Name: "Black Mesa", Tier: ptr(gqltest.AccountTierKey), ParentID: &aperture})
		zeta := account(gqltest.CreateAccountInput{Name: "Zeta"})
		specs = append(specs, crudSpec{typ: "Account", field: "name",
			items: map[string]string{cyber: "Cyberdyne", aperture: "Aperture", mesa: "Black Mesa", zeta: "Zeta"},
			list:  "c: accounts(ARGS)", where: "{tierIn: [KEY]}", orderBy: "{field: NAME}", want: []string{mesa, cyber},
			update: fmt.Sprintf(`updateAccount(id: %q, input: {name: "Cyberdyne Systems", stage: ACTIVE})`, cyber), updated: "Cyberdyne Systems",
			delete: "deleteAccount", gone: zeta})

		// People.
		person := func(name, email string) string {
			t.Helper()
			return gqltest.Data(gqltest.CreatePerson(ctx, g, gqltest.CreatePersonInput{Name: name, Email: email})).CreatePerson.Id
		}
		ann := person("P Ann", "ann@cyberdyne.example")
		bob := person("P Bob", "bob@cyberdyne.example")
		cid := person("P Cid", "cid@mesa.example")
		specs = append(specs, crudSpec{typ: "Person", field: "email",
			items: map[string]string{ann: "ann@cyberdyne.example", bob: "bob@cyberdyne.example", cid: "cid@mesa.example"},
			list:  "c: people(ARGS)", where: `{nameHasPrefix: "P "}`, orderBy: "{field: EMAIL, direction: DESC}",
			want:    []string{cid, bob, ann},
			update:  fmt.Sprintf(`updatePerson(id: %q, input: {email: "ann.archer@cyberdyne.example", title: "CFO"})`, ann),
			updated: "ann.archer@cyberdyne.example", delete: "deletePerson", gone: cid})
		people := func() int { return gqltest.Data(gqltest.PeopleCount(ctx, g)).People.TotalCount }

		// Buying contacts: by email, reusing the person when the email is known.
		before := people()
		added := gqltest.Data(gqltest.AddBuyingContact(ctx, g, gqltest.AddBuyingContactInput{AccountID: cyber,
			Email: "ANN@cyberdyne.example", Roles: []gqltest.BuyingRole{gqltest.BuyingRoleEconomicBuyer}, Primary: ptr(true)})).AddBuyingContact
		annBuyer := added.Id
		if added.PersonID != ann || people() != before || !added.Primary {
			t.Errorf("addBuyingContact by a known email: %s, people %d → %d", dump(added), before, people())
		}
		added = gqltest.Data(gqltest.AddBuyingContact(ctx, g, gqltest.AddBuyingContactInput{AccountID: cyber,
			Email: "dora@cyberdyne.example", Name: ptr("Dora Diaz"), Roles: []gqltest.BuyingRole{gqltest.BuyingRoleChampion}})).AddBuyingContact
		doraBuyer, dora := added.Id, added.PersonID
		if dora == "" || people() != before+1 || added.Person.Name != "Dora Diaz" {
			t.Errorf("addBuyingContact by a new email: %s", dump(added))
		}
		bobBuyer := gqltest.Data(gqltest.CreateBuyingContact(ctx, g, gqltest.CreateBuyingContactInput{AccountID: mesa,
			PersonID: bob, Roles: []gqltest.BuyingRole{gqltest.BuyingRoleProcurement}})).CreateBuyingContact.Id
		specs = append(specs, crudSpec{typ: "BuyingContact", field: "personID",
			items: map[string]string{annBuyer: ann, doraBuyer: dora, bobBuyer: bob},
			list:  "c: buyingContacts(ARGS)", where: fmt.Sprintf("{accountID: %q}", cyber), orderBy: "{field: CREATED_AT, direction: DESC}",
			want:     []string{doraBuyer, annBuyer},
			update:   fmt.Sprintf(`updateBuyingContact(id: %q, input: {influence: HIGH, primary: true})`, doraBuyer),
			updField: "influence", updated: "HIGH",
			delete: "deleteBuyingContact", gone: bobBuyer})

		// End users.
		eu := gqltest.Data(gqltest.AddEndUser(ctx, g, gqltest.AddEndUserInput{AccountID: cyber, Email: "bob@cyberdyne.example",
			Status: ptr(gqltest.EndUserStatusActive), Licensed: ptr(true), LastActiveAt: ptr(at(2))})).AddEndUser
		bobUser := eu.Id
		if eu.PersonID != bob {
			t.Errorf("addEndUser by a known email made another person: %s", dump(eu))
		}
		eu = gqltest.Data(gqltest.AddEndUser(ctx, g, gqltest.AddEndUserInput{AccountID: cyber, Email: "eve@cyberdyne.example",
			Name: ptr("Eve Ng"), Status: ptr(gqltest.EndUserStatusActive), LastActiveAt: ptr(at(1))})).AddEndUser
		eveUser, eve := eu.Id, eu.PersonID
		annUser := gqltest.Data(gqltest.CreateEndUser(ctx, g, gqltest.CreateEndUserInput{AccountID: mesa, PersonID: ann,
			Status: ptr(gqltest.EndUserStatusInvited)})).CreateEndUser.Id
		specs = append(specs, crudSpec{typ: "EndUser", field: "status",
			items: map[string]string{bobUser: "ACTIVE", eveUser: "ACTIVE", annUser: "INVITED"},
			list:  "c: endUsers(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: LAST_ACTIVE_AT}", want: []string{eveUser, bobUser},
			update: fmt.Sprintf(`updateEndUser(id: %q, input: {status: INACTIVE})`, eveUser), updated: "INACTIVE",
			delete: "deleteEndUser", gone: annUser})

		// Contracts.
		contract := func(account, number string, status gqltest.ContractStatus, signer *string) string {
			t.Helper()
			return gqltest.Data(gqltest.CreateContract(ctx, g, gqltest.CreateContractInput{AccountID: account, Number: number,
				Status: &status, StartDate: at(0), EndDate: at(365), Currency: "EUR", Seats: ptr(10), ValueMinor: ptr(100000),
				SignedByID: signer})).CreateContract.Id
		}
		c3 := contract(cyber, "C-003", gqltest.ContractStatusActive, &annBuyer)
		c1 := contract(cyber, "C-001", gqltest.ContractStatusActive, nil)
		c2 := contract(mesa, "C-002", gqltest.ContractStatusDraft, nil)
		specs = append(specs, crudSpec{typ: "Contract", field: "number",
			items: map[string]string{c1: "C-001", c2: "C-002", c3: "C-003"},
			list:  "c: contracts(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: NUMBER}", want: []string{c1, c3},
			update: fmt.Sprintf(`updateContract(id: %q, input: {number: "C-001-A", seats: 20})`, c1), updated: "C-001-A",
			delete: "deleteContract", gone: c2})

		// Councils.
		council := func(name string, status gqltest.UserCouncilStatus, account *string) string {
			t.Helper()
			return gqltest.Data(gqltest.CreateUserCouncil(ctx, g, gqltest.CreateUserCouncilInput{Name: name, Status: &status,
				AccountID: account})).CreateUserCouncil.Id
		}
		ops := council("Ops council", gqltest.UserCouncilStatusActive, &cyber)
		beta := council("Beta board", gqltest.UserCouncilStatusForming, nil)
		circle := council("Alpha circle", gqltest.UserCouncilStatusActive, &cyber)
		specs = append(specs, crudSpec{typ: "UserCouncil", field: "name",
			items: map[string]string{ops: "Ops council", beta: "Beta board", circle: "Alpha circle"},
			list:  "c: userCouncils(ARGS)", where: "{status: ACTIVE}", orderBy: "{field: NAME}", want: []string{circle, ops},
			update: fmt.Sprintf(`updateUserCouncil(id: %q, input: {purpose: "Roadmap", status: RETIRED})`, circle), updated: "Alpha circle",
			delete: "deleteUserCouncil", gone: beta})

		// Council memberships: buyers and end users of the council's account.
		member := func(person string, role gqltest.CouncilMembershipRole, joined int) string {
			t.Helper()
			return gqltest.Data(gqltest.AddCouncilMember(ctx, g, gqltest.AddCouncilMemberInput{CouncilID: ops, PersonID: person,
				Role: &role, JoinedAt: ptr(at(joined))})).AddCouncilMember.Id
		}
		mAnn := member(ann, gqltest.CouncilMembershipRoleChair, 1)
		mBob := member(bob, gqltest.CouncilMembershipRoleMember, 2)
		mEve := member(eve, gqltest.CouncilMembershipRoleMember, 3)
		mDora := member(dora, gqltest.CouncilMembershipRoleObserver, 4)
		specs = append(specs, crudSpec{typ: "CouncilMembership", field: "role",
			items: map[string]string{mAnn: "CHAIR", mBob: "MEMBER", mEve: "MEMBER", mDora: "OBSERVER"},
			list:  fmt.Sprintf(`node(id: %q) { ... on UserCouncil { c: memberships(ARGS) } }`, ops),
			where: "{role: MEMBER}", orderBy: "{field: JOINED_AT, direction: DESC}", want: []string{mEve, mBob},
			update: fmt.Sprintf(`updateCouncilMembership(id: %q, input: {role: SPONSOR})`, mBob), updated: "SPONSOR",
			delete: "deleteCouncilMembership", gone: mDora})

		// Council sessions, with attendees and feedback given there.
		session := func(title string, held int, attendees []string, feedback []gqltest.SessionFeedbackInput) gqltest.RecordCouncilSessionRecordCouncilSession {
			t.Helper()
			return gqltest.Data(gqltest.RecordCouncilSession(ctx, g, gqltest.RecordCouncilSessionInput{CouncilID: ops, HeldAt: at(held),
				Title: &title, AttendeeIDs: attendees, Feedback: feedback})).RecordCouncilSession
		}
		r := session("Kick-off", 10, []string{ann, bob}, []gqltest.SessionFeedbackInput{
			{AuthorID: ann, Kind: gqltest.FeedbackKindComment, Body: ptr("the roadmap is clear")},
			{AuthorID: bob, Kind: gqltest.FeedbackKindNps, Score: ptr(6)}})
		s1 := r.Id
		if r.Attendees.TotalCount != 2 || r.Feedback.TotalCount != 2 {
			t.Errorf("recorded session: %s", dump(r))
		}
		for _, e := range r.Feedback.Edges {
			want := map[gqltest.FeedbackKind]gqltest.Persona{gqltest.FeedbackKindComment: gqltest.PersonaPurchaser,
				gqltest.FeedbackKindNps: gqltest.PersonaEndUser}[e.Node.Kind]
			if e.Node.AccountID != cyber || e.Node.Persona != want || e.Node.Channel != gqltest.ChannelCouncilSession {
				t.Errorf("session feedback: %s", dump(e.Node))
			}
		}
		s2 := session("Review", 40, []string{eve}, nil).Id
		s3 := session("Dry run", 5, nil, nil).Id
		specs = append(specs, crudSpec{typ: "CouncilSession", field: "title",
			items: map[string]string{s1: "Kick-off", s2: "Review", s3: "Dry run"},
			list:  fmt.Sprintf(`node(id: %q) { ... on UserCouncil { c: sessions(ARGS) } }`, ops),
			where: fmt.Sprintf("{heldAtGT: %q}", ts(at(6))), orderBy: "{field: HELD_AT, direction: DESC}", want: []string{s2, s1},
			update: fmt.Sprintf(`updateCouncilSession(id: %q, input: {title: "Kick-off!", notes: "went well"})`, s1), updated: "Kick-off!",
			delete: "deleteCouncilSession", gone: s3})

		// Interactions.
		interaction := func(subject string, channel gqltest.Channel, day int, participants []string) gqltest.LogInteractionLogInteraction {
			t.Helper()
			return gqltest.Data(gqltest.LogInteraction(ctx, g, gqltest.LogInteractionInput{AccountID: cyber, Channel: channel,
				Direction: gqltest.InteractionDirectionOutbound, OccurredAt: ptr(at(day)), Subject: subject,
				ParticipantIDs: participants})).LogInteraction
		}
		logged := interaction("QBR", gqltest.ChannelMeeting, 20, []string{ann, dora})
		i1 := logged.Id
		if logged.HandledBy.Id != me || logged.Participants.TotalCount != 2 {
			t.Errorf("logged interaction: %s", dump(logged))
		}
		i2 := interaction("Renewal call", gqltest.ChannelCall, 30, nil).Id
		i3 := interaction("Check-in", gqltest.ChannelCall, 25, []string{bob}).Id
		i4 := interaction("Spam", gqltest.ChannelEmail, 26, nil).Id
		specs = append(specs, crudSpec{typ: "Interaction", field: "subject",
			items: map[string]string{i1: "QBR", i2: "Renewal call", i3: "Check-in", i4: "Spam"},
			list:  "c: interactions(ARGS)", where: "{channel: CALL}", orderBy: "{field: OCCURRED_AT}", want: []string{i3, i2},
			update: fmt.Sprintf(`updateInteraction(id: %q, input: {subject: "QBR Q1"})`, i1), updated: "QBR Q1",
			delete: "deleteInteraction", gone: i4})

		// Feedback.
		capture := func(in gqltest.CaptureFeedbackInput) gqltest.CaptureFeedbackCaptureFeedback {
			t.Helper()
			in.AccountID = cyber
			if in.Channel == "" {
				in.Channel = gqltest.ChannelSurvey
			}
			return gqltest.Data(gqltest.CaptureFeedback(ctx, g, in)).CaptureFeedback
		}
		f := capture(gqltest.CaptureFeedbackInput{AuthorID: ann, Kind: gqltest.FeedbackKindNps, Score: ptr(9), ReceivedAt: ptr(at(21)),
			InteractionID: &i1, ContractID: &c3})
		f1 := f.Id
		if f.Persona != gqltest.PersonaPurchaser || f.CapturedBy.Id != me || f.Interaction == nil || f.Interaction.Id != i1 ||
			f.Contract == nil || f.Contract.Id != c3 {
			t.Errorf("captured feedback: %s", dump(f))
		}
		f = capture(gqltest.CaptureFeedbackInput{AuthorID: eve, Kind: gqltest.FeedbackKindNps, Score: ptr(3), ReceivedAt: ptr(at(22))})
		f2 := f.Id
		if f.Persona != gqltest.PersonaEndUser {
			t.Errorf("an end user's feedback: %s", dump(f))
		}
		f3 := capture(gqltest.CaptureFeedbackInput{AuthorID: eve, Kind: gqltest.FeedbackKindComplaint, Body: ptr("slow exports"),
			Channel: gqltest.ChannelSupport, ReceivedAt: ptr(at(23))}).Id
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
		read := gqltest.Data(gqltest.AccountEdges(ctx, g, cyber)).Node
		if read == nil {
			t.Fatalf("node(%s) is null", cyber)
		}
		node, ok := (*read).(*gqltest.AccountEdgesNodeAccount)
		if !ok {
			t.Fatalf("node(%s) is not an account", cyber)
		}
		got := []int{node.BuyingContacts.TotalCount, node.EndUsers.TotalCount, node.Contracts.TotalCount,
			node.Feedback.TotalCount, node.Interactions.TotalCount, node.Children.TotalCount}
		if want := []int{2, 2, 2, 4, 3, 0}; !slices.Equal(got, want) {
			t.Errorf("the account's buying contacts, end users, contracts, feedback, interactions and children: %v, want %v", got, want)
		}
	})
}
