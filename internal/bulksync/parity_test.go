package bulksync_test

import (
	"testing"

	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/internal/apitest"
)

// parity holds what the parity tests share: the API, a token and an account created through
// the normal mutations.
type parity struct {
	t       *testing.T
	env     *apitest.Env
	token   string
	account string // created with createAccount, external id acc-front
}

func newParity(t *testing.T, env *apitest.Env) *parity {
	p := &parity{t: t, env: env, token: env.Token("acme", "INTEGRATION", "erp")}
	warm(t, env, p.token)
	p.account = p.mutate(`mutation { m: createAccount(input: {name: "Front", externalID: "acc-front"}) { id } }`, nil)["id"].(string)
	return p
}

// mutate runs a mutation aliased m and returns its result.
func (p *parity) mutate(query string, vars map[string]any) object {
	p.t.Helper()
	var data struct{ M object }
	p.env.Do(p.token, query, vars).MustOK(p.t, &data)
	return data.M
}

func (p *parity) read(id, selection string) object {
	p.t.Helper()
	return node(p.t, p.env, p.token, id, selection)
}

// addBuyingContact adds the person with the email as a buying contact of the account, the way
// a front end does, and returns the contact's id and the person's.
func (p *parity) addBuyingContact(email, name string, primary bool) (contact, person string) {
	p.t.Helper()
	m := p.mutate(`mutation($in: AddBuyingContactInput!) { m: addBuyingContact(input: $in) { id personID } }`,
		map[string]any{"in": object{"accountID": p.account, "email": email, "name": name, "primary": primary}})
	return m["id"].(string), m["personID"].(string)
}

// TestSyncParityPeople: synced people's emails are normalised as created ones are, and a sync
// adopts the person and the buying contact a front end created, by email and by account and
// person.
func TestSyncParityPeople(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		created := p.mutate(`mutation { m: createPerson(input: {email: " Erin.Front@Initech.EXAMPLE ", name: "Erin"}) { email } }`, nil)
		synced := doSync(t, env, p.token, syncPeople, []object{{"externalID": "per-erin", "email": " Erin.Sync@Initech.EXAMPLE ", "name": "Erin"}}, false)
		expectOutcomes(t, synced, "CREATED")
		if got := p.read(synced.Items[0].id(t), `... on Person { email }`)["email"]; created["email"] != "erin.front@initech.example" || got != "erin.sync@initech.example" {
			t.Fatalf("created person's email %q, synced one's %q: both should be trimmed and in lower case", created["email"], got)
		}

		contact, person := p.addBuyingContact("Gina@Initech.example", "Gina", false)
		people := count(t, env, entPeople)
		seq := lastSeq(t, env, p.token)
		adopted := doSync(t, env, p.token, syncPeople, []object{{"externalID": "per-gina", "email": "GINA@initech.example", "name": "Gina"}}, false)
		expectOutcomes(t, adopted, "UPDATED")
		if adopted.Items[0].id(t) != person || adopted.Items[0].version(t) != 2 || count(t, env, entPeople) != people {
			t.Fatalf("syncing the email of %s gave %s v%d and %d people (were %d): it should adopt the person",
				person, adopted.Items[0].id(t), adopted.Items[0].version(t), count(t, env, entPeople), people)
		}
		journaled := changesSince(t, env, p.token, seq)
		if len(journaled) != 1 || !jsonEqual(journaled[0].Fields, []field{{Name: "external_id", New: "per-gina"}}) {
			t.Fatalf("adopting a person journaled %s, want only its new external id", describe(journaled))
		}

		contacts := count(t, env, "buying_contacts")
		bc := doSync(t, env, p.token, syncBuyingContacts, []object{
			{"externalID": "bc-gina", "accountExternalID": "acc-front", "personExternalID": "per-gina", "roles": []string{"CHAMPION"}},
		}, false)
		expectOutcomes(t, bc, "UPDATED")
		if bc.Items[0].id(t) != contact || count(t, env, "buying_contacts") != contacts {
			t.Fatalf("syncing Gina's contact gave %s (front end's: %s) and %d contacts (were %d): it should adopt it",
				bc.Items[0].id(t), contact, count(t, env, "buying_contacts"), contacts)
		}
		if got := p.read(contact, `... on BuyingContact { externalID roles }`); !jsonEqual(got, object{"externalID": "bc-gina", "roles": []string{"CHAMPION"}}) {
			t.Fatalf("adopted contact reads %s", describe(got))
		}
	})
}

// TestSyncParityContracts: a sync adopts the contract a front end created, by number.
func TestSyncParityContracts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		id := p.mutate(`mutation($account: ID!) { m: createContract(input: {accountID: $account, number: "K-100",
			startDate: "2024-01-01T00:00:00Z", endDate: "2024-12-31T00:00:00Z", currency: "EUR", seats: 20}) { id } }`,
			map[string]any{"account": p.account})["id"].(string)
		contracts, seq := count(t, env, "contracts"), lastSeq(t, env, p.token)
		c := contract("ctr-100", "acc-front", "K-100", "")
		c["seats"] = 20
		adopted := doSync(t, env, p.token, syncContracts, []object{c}, false)
		expectOutcomes(t, adopted, "UPDATED")
		if adopted.Items[0].id(t) != id || count(t, env, "contracts") != contracts {
			t.Fatalf("syncing contract K-100 gave %s (front end's: %s) and %d contracts (were %d): it should adopt it",
				adopted.Items[0].id(t), id, count(t, env, "contracts"), contracts)
		}
		journaled := changesSince(t, env, p.token, seq)
		if len(journaled) != 1 || !jsonEqual(journaled[0].Fields, []field{{Name: "external_id", New: "ctr-100"}}) {
			t.Fatalf("adopting a contract journaled %s, want only its new external id", describe(journaled))
		}
		expectOutcomes(t, doSync(t, env, p.token, syncContracts, []object{c}, false), "UNCHANGED")

		// A number that belongs to a contract with another external id is refused.
		other := contract("ctr-other", "acc-front", "K-100", "")
		refused := doSync(t, env, p.token, syncContracts, []object{other}, false)
		if expectOutcomes(t, refused, "FAILED"); !refused.Items[0].hasError("number", conflict) {
			t.Fatalf("a second external id for K-100: %s", refused)
		}
	})
}

// TestSyncParityFeedback: synced feedback gets the persona, topics, status and capturer that
// captureFeedback gives, and keeps each person's latest NPS response on record.
func TestSyncParityFeedback(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		_, buyer := p.addBuyingContact("gina@initech.example", "Gina", false)
		user := p.mutate(`mutation($account: ID!) { m: addEndUser(input: {accountID: $account, email: "hank@initech.example", name: "Hank"}) { personID } }`,
			map[string]any{"account": p.account})["personID"].(string)
		expectOutcomes(t, doSync(t, env, p.token, syncPeople, []object{
			{"externalID": "per-gina", "email": "gina@initech.example", "name": "Gina"},
			{"externalID": "per-hank", "email": "hank@initech.example", "name": "Hank"},
		}, false), "UPDATED", "UPDATED")

		const selection = `... on Feedback { persona kind score topics status capturedByID authorID }`
		capture := func(author, kind string, score any) object {
			in := object{"accountID": p.account, "authorID": author, "channel": "SURVEY", "kind": kind,
				"topics": []string{" Onboarding ", "SUPPORT   team", "onboarding"}, "receivedAt": "2024-06-01T12:00:00Z"}
			if score != nil {
				in["score"] = score
			}
			id := p.mutate(`mutation($in: CaptureFeedbackInput!) { m: captureFeedback(input: $in) { id } }`, map[string]any{"in": in})["id"].(string)
			return p.read(id, selection)
		}
		sync := func(externalID, author, kind string, score any) object {
			in := object{"externalID": externalID, "accountExternalID": "acc-front", "authorExternalID": author, "channel": "SURVEY",
				"kind": kind, "topics": []string{" Onboarding ", "SUPPORT   team", "onboarding"}, "receivedAt": "2024-06-01T12:00:00Z"}
			if score != nil {
				in["score"] = score
			}
			res := doSync(t, env, p.token, syncFeedback, []object{in}, false)
			expectOutcomes(t, res, "CREATED")
			return p.read(res.Items[0].id(t), selection)
		}
		for _, c := range []struct {
			author, externalAuthor, kind string
			score                        any
			persona                      string
			status                       any
		}{
			{buyer, "per-gina", "NPS", 8, "PURCHASER", nil},
			{user, "per-hank", "COMPLAINT", nil, "END_USER", "OPEN"},
			{user, "per-hank", "CSAT", 4, "END_USER", nil},
		} {
			want := capture(c.author, c.kind, c.score)
			got := sync("fb-"+c.externalAuthor+"-"+c.kind, c.externalAuthor, c.kind, c.score)
			if !jsonEqual(got, want) {
				t.Errorf("%s by %s: synced %s, captured %s", c.kind, c.externalAuthor, describe(got), describe(want))
			}
			if want["persona"] != c.persona || want["status"] != c.status || !jsonEqual(want["topics"], []string{"onboarding", "support team"}) || want["capturedByID"] == nil {
				t.Errorf("%s by %s: captured %s, want persona %s, status %v, normalised topics, a capturer", c.kind, c.externalAuthor, describe(want), c.persona, c.status)
			}
		}

		// The latest NPS response of each person is on record, whatever order they arrive in.
		latest := func(person string) int {
			t.Helper()
			var score int
			if err := env.DB.SQL.QueryRow("SELECT score FROM "+latestnps.Table+" WHERE person_id = ?", person).Scan(&score); err != nil {
				t.Fatalf("latest NPS of %s: %v", person, err)
			}
			return score
		}
		nps := func(externalID, at string, score int) object {
			return object{"externalID": externalID, "accountExternalID": "acc-front", "authorExternalID": "per-hank",
				"channel": "SURVEY", "kind": "NPS", "score": score, "receivedAt": at}
		}
		expectOutcomes(t, doSync(t, env, p.token, syncFeedback, []object{
			nps("nps-2", "2024-08-01T00:00:00Z", 10), nps("nps-1", "2024-07-01T00:00:00Z", 3),
		}, false), "CREATED", "CREATED")
		if got := latest(user); got != 10 {
			t.Fatalf("Hank's latest NPS is %d, want 10 (the newer response)", got)
		}
		expectOutcomes(t, doSync(t, env, p.token, syncFeedback, []object{nps("nps-0", "2024-01-01T00:00:00Z", 0)}, false), "CREATED")
		if got := latest(user); got != 10 {
			t.Fatalf("an older response made Hank's latest NPS %d, want 10", got)
		}
		expectOutcomes(t, doSync(t, env, p.token, syncFeedback, []object{nps("nps-2", "2024-08-01T00:00:00Z", 6)}, false), "UPDATED")
		if got := latest(user); got != 6 {
			t.Fatalf("after correcting the latest response, Hank's latest NPS is %d, want 6", got)
		}
		if got := latest(buyer); got != 8 {
			t.Fatalf("Gina's latest NPS is %d, want 8", got)
		}
	})
}

// TestSyncParityPrimaryContact: marking a contact primary demotes the account's previous
// primary, through addBuyingContact and through sync alike, and the demotion is journaled.
func TestSyncParityPrimaryContact(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		primaries := func() []string {
			t.Helper()
			var data struct {
				BuyingContacts struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			env.Do(p.token, `query($account: ID!) { buyingContacts(where: {accountID: $account, primary: true}) { edges { node { id } } } }`,
				map[string]any{"account": p.account}).MustOK(t, &data)
			var ids []string
			for _, e := range data.BuyingContacts.Edges {
				ids = append(ids, e.Node.ID)
			}
			return ids
		}
		demoted := func(seq int, id, externalID string) {
			t.Helper()
			for _, c := range changesSince(t, env, p.token, seq) {
				if c.EntityID == id && c.Operation == "UPDATE" && jsonEqual(c.Fields, []field{{Name: "primary", Old: true, New: false}}) {
					if externalID != "" && (c.ExternalID == nil || *c.ExternalID != externalID) {
						t.Fatalf("the journal row that demotes %s has external id %v, want %s", id, c.ExternalID, externalID)
					}
					return
				}
			}
			t.Fatalf("no journal row demotes %s: %s", id, describe(changesSince(t, env, p.token, seq)))
		}

		// A synced primary contact, demoted by a front end's new primary.
		expectOutcomes(t, doSync(t, env, p.token, syncPeople, []object{
			{"externalID": "per-gina", "email": "gina@initech.example", "name": "Gina"},
			{"externalID": "per-ivy", "email": "ivy@initech.example", "name": "Ivy"},
			{"externalID": "per-kim", "email": "kim@initech.example", "name": "Kim"},
		}, false), "CREATED", "CREATED", "CREATED")
		res := doSync(t, env, p.token, syncBuyingContacts, []object{
			{"externalID": "bc-gina", "accountExternalID": "acc-front", "personExternalID": "per-gina", "primary": true},
		}, false)
		expectOutcomes(t, res, "CREATED")
		gina := res.Items[0].id(t)
		seq := lastSeq(t, env, p.token)
		jill, _ := p.addBuyingContact("jill@initech.example", "Jill", true)
		if got := primaries(); len(got) != 1 || got[0] != jill {
			t.Fatalf("after adding Jill as primary, the primaries are %v, want [%s]", got, jill)
		}
		demoted(seq, gina, "bc-gina")
		if v := storedVersion(t, env, "buying_contacts", gina); v != 2 {
			t.Fatalf("Gina's demoted contact is at version %d, want 2", v)
		}

		// A front end's primary contact, demoted by a synced new primary.
		seq = lastSeq(t, env, p.token)
		res = doSync(t, env, p.token, syncBuyingContacts, []object{
			{"externalID": "bc-ivy", "accountExternalID": "acc-front", "personExternalID": "per-ivy", "primary": true},
		}, false)
		expectOutcomes(t, res, "CREATED")
		ivy := res.Items[0].id(t)
		if got := primaries(); len(got) != 1 || got[0] != ivy {
			t.Fatalf("after syncing Ivy as primary, the primaries are %v, want [%s]", got, ivy)
		}
		demoted(seq, jill, "")
		if v := storedVersion(t, env, "buying_contacts", jill); v != 2 {
			t.Fatalf("Jill's demoted contact is at version %d, want 2", v)
		}

		// Two primaries of one account in one batch are refused; the stored primary stays.
		res = doSync(t, env, p.token, syncBuyingContacts, []object{
			{"externalID": "bc-ivy", "accountExternalID": "acc-front", "personExternalID": "per-ivy", "primary": true},
			{"externalID": "bc-kim", "accountExternalID": "acc-front", "personExternalID": "per-kim", "primary": true},
		}, false)
		if expectOutcomes(t, res, "UNCHANGED", "FAILED"); !res.Items[1].hasError("primary", invalid) {
			t.Fatalf("a second primary in the batch: %s", res)
		}
		if got := primaries(); len(got) != 1 || got[0] != ivy {
			t.Fatalf("the primaries are %v, want [%s]", got, ivy)
		}
	})
}

// TestSyncParityHierarchy: a batch may name a parent that comes later in it, as createAccount
// names a stored one; a loop is refused either way.
func TestSyncParityHierarchy(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		res := doSync(t, env, p.token, syncAccounts, []object{
			{"externalID": "child", "name": "Child", "parentExternalID": "parent"},
			{"externalID": "grandchild", "name": "Grandchild", "parentExternalID": "child"},
			{"externalID": "parent", "name": "Parent", "parentExternalID": "acc-front"},
		}, false)
		expectOutcomes(t, res, "CREATED", "CREATED", "CREATED")
		for i, parent := range []string{"parent", "child", "acc-front"} {
			got := p.read(res.Items[i].id(t), `... on Account { parent { externalID } }`)
			if !jsonEqual(got, object{"parent": object{"externalID": parent}}) {
				t.Fatalf("item %d reads %s, want parent %s", i, describe(got), parent)
			}
		}
		viaAPI := p.mutate(`mutation($parent: ID!) { m: createAccount(input: {name: "Sibling", parentID: $parent}) { parent { externalID } } }`,
			map[string]any{"parent": res.Items[2].id(t)})
		if !jsonEqual(viaAPI, object{"parent": object{"externalID": "parent"}}) {
			t.Fatalf("createAccount with a parent reads %s", describe(viaAPI))
		}

		loop := doSync(t, env, p.token, syncAccounts, []object{
			{"externalID": "parent", "name": "Parent", "parentExternalID": "grandchild"},
		}, false)
		if expectOutcomes(t, loop, "FAILED"); !loop.Items[0].hasError("parentExternalID", invalid) {
			t.Fatalf("a loop through the stored hierarchy: %s", loop)
		}
		loop = doSync(t, env, p.token, syncAccounts, []object{
			{"externalID": "ping", "name": "Ping", "parentExternalID": "pong"},
			{"externalID": "pong", "name": "Pong", "parentExternalID": "ping"},
		}, false)
		if expectOutcomes(t, loop, "FAILED", "FAILED"); !loop.Items[0].hasError("parentExternalID", invalid) {
			t.Fatalf("a loop within the batch: %s", loop)
		}
		resp := env.Do(p.token, `mutation($id: ID!, $parent: ID!) { updateAccount(id: $id, input: {parentID: $parent}) { id } }`,
			map[string]any{"id": res.Items[2].id(t), "parent": res.Items[1].id(t)})
		resp.MustFail(t, "BAD_USER_INPUT")
	})
}

// TestSyncParityDefaults: what a synced item leaves out takes the schema's default, as in a
// created one: an end user is licensed, a contract gives 90 days' notice.
func TestSyncParityDefaults(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		p := newParity(t, env)
		endUser := `... on EndUser { status licensed }`
		created := p.read(p.mutate(`mutation($account: ID!) { m: addEndUser(input: {accountID: $account, email: "una@initech.example", name: "Una"}) { id } }`,
			object{"account": p.account})["id"].(string), endUser)
		doSync(t, env, p.token, syncPeople, []object{{"externalID": "per-vic", "email": "vic@initech.example", "name": "Vic"}}, false)
		synced := doSync(t, env, p.token, syncEndUsers, []object{{"externalID": "eu-vic", "accountExternalID": "acc-front", "personExternalID": "per-vic"}}, false)
		expectOutcomes(t, synced, "CREATED")
		if got := p.read(synced.Items[0].id(t), endUser); got["licensed"] != created["licensed"] || got["status"] != created["status"] || got["licensed"] != true {
			t.Errorf("synced end user %v, created one %v: both should take the schema's defaults", got, created)
		}

		contractFields := `... on Contract { renewalNoticeDays autoRenew status }`
		made := p.read(p.mutate(`mutation($account: ID!) { m: createContract(input: {accountID: $account, number: "K-1",
			startDate: "2024-01-01T00:00:00Z", endDate: "2024-12-31T00:00:00Z", currency: "EUR", seats: 5}) { id } }`,
			object{"account": p.account})["id"].(string), contractFields)
		syncedContract := doSync(t, env, p.token, syncContracts, []object{contract("ctr-2", "acc-front", "K-2", "")}, false)
		expectOutcomes(t, syncedContract, "CREATED")
		if got := p.read(syncedContract.Items[0].id(t), contractFields); got["renewalNoticeDays"] != made["renewalNoticeDays"] ||
			got["renewalNoticeDays"] != float64(90) || got["autoRenew"] != made["autoRenew"] || got["status"] != made["status"] {
			t.Errorf("synced contract %v, created one %v: both should take the schema's defaults", got, made)
		}
	})
}
