package bulksync_test

import (
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// expected is what should become of one item of a mixed batch: created, or failed on a field
// with a code.
type expected struct {
	field, code string // empty: the item is valid
}

var valid = expected{}

func fails(field, code string) expected { return expected{field, code} }

const (
	invalid  = "BAD_USER_INPUT"
	notFound = "NOT_FOUND"
	conflict = "CONFLICT"
)

// mixed is a batch of one sync mutation with valid and invalid items.
type mixed struct {
	kind  kind
	items []object
	want  []expected
}

// TestMixedBatches sends batches mixing valid and invalid items, first with allOrNone (nothing
// is written: the invalid items FAILED, the valid ones SKIPPED), then without (the valid items
// are created, each invalid one FAILED with its index, field and code).
func TestMixedBatches(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		seedReferences(t, env, token)
		for _, c := range mixedCases() {
			t.Run(c.kind.mutation, func(t *testing.T) { c.run(t, env, token) })
		}
	})
}

// seedReferences syncs what the mixed batches refer to: accounts acc-1 and acc-2, per-1 a
// buying contact of acc-1 (bc-1), per-2 one of acc-2 (bc-2) and an end user of acc-1, per-3
// nothing yet.
func seedReferences(t *testing.T, env *apitest.Env, token string) {
	t.Helper()
	expectOutcomes(t, doSync(t, env, token, syncAccounts, []object{
		{"externalID": "acc-1", "name": "Initech"}, {"externalID": "acc-2", "name": "Umbrella"},
	}, false), "CREATED", "CREATED")
	expectOutcomes(t, doSync(t, env, token, syncPeople, []object{
		{"externalID": "per-1", "email": "ann@initech.example", "name": "Ann"},
		{"externalID": "per-2", "email": "bob@umbrella.example", "name": "Bob"},
		{"externalID": "per-3", "email": "dan@initech.example", "name": "Dan"},
	}, false), "CREATED", "CREATED", "CREATED")
	expectOutcomes(t, doSync(t, env, token, syncBuyingContacts, []object{
		{"externalID": "bc-1", "accountExternalID": "acc-1", "personExternalID": "per-1"},
		{"externalID": "bc-2", "accountExternalID": "acc-2", "personExternalID": "per-2"},
	}, false), "CREATED", "CREATED")
	expectOutcomes(t, doSync(t, env, token, syncEndUsers, []object{
		{"externalID": "eu-1", "accountExternalID": "acc-1", "personExternalID": "per-2"},
	}, false), "CREATED")
}

func (c mixed) run(t *testing.T, env *apitest.Env, token string) {
	if len(c.items) != len(c.want) {
		t.Fatalf("case has %d items and %d expectations", len(c.items), len(c.want))
	}
	validItems := 0
	for _, w := range c.want {
		if w == valid {
			validItems++
		}
	}
	check := func(p payload, allOrNone bool) {
		t.Helper()
		failed := 0
		for i, w := range c.want {
			it := p.Items[i]
			switch {
			case w != valid:
				failed++
				if it.Outcome != "FAILED" || !it.hasError(w.field, w.code) {
					t.Errorf("allOrNone=%v: item %d is %s with errors %s, want FAILED on %s with %s",
						allOrNone, i, it.Outcome, describe(it.Errors), w.field, w.code)
				}
				if it.ID != nil || it.Version != nil {
					t.Errorf("allOrNone=%v: failed item %d reports an id or version: %s", allOrNone, i, describe(it))
				}
			case allOrNone:
				if it.Outcome != "SKIPPED" || len(it.Errors) != 0 || it.ID != nil {
					t.Errorf("allOrNone: valid item %d is %s (id %v, errors %s), want SKIPPED", i, it.Outcome, it.ID, describe(it.Errors))
				}
			default:
				if it.Outcome != "CREATED" || len(it.Errors) != 0 || it.ID == nil || it.Version == nil || *it.Version != 1 {
					t.Errorf("valid item %d is %s (id %v, errors %s), want CREATED", i, it.Outcome, it.ID, describe(it.Errors))
				}
			}
		}
		if p.Failed != failed || p.Committed == allOrNone {
			t.Errorf("allOrNone=%v: failed %d, committed %v; want failed %d, committed %v", allOrNone, p.Failed, p.Committed, failed, !allOrNone)
		}
		if t.Failed() {
			t.FailNow()
		}
	}

	rows, seq := count(t, env, c.kind.table), lastSeq(t, env, token)
	check(doSync(t, env, token, c.kind, c.items, true), true)
	if got := count(t, env, c.kind.table); got != rows {
		t.Fatalf("allOrNone refused the batch but the table went from %d to %d rows", rows, got)
	}
	if got := changesSince(t, env, token, seq); len(got) != 0 {
		t.Fatalf("allOrNone refused the batch but journaled %s", describe(got))
	}

	p := doSync(t, env, token, c.kind, c.items, false)
	check(p, false)
	if p.Created != validItems {
		t.Fatalf("created %d, want %d", p.Created, validItems)
	}
	if got := count(t, env, c.kind.table); got != rows+validItems {
		t.Fatalf("the table went from %d to %d rows, want %d more", rows, got, validItems)
	}
	journaled := changesSince(t, env, token, seq)
	createdIDs := map[string]bool{}
	for _, it := range p.Items {
		if it.Outcome == "CREATED" {
			createdIDs[it.id(t)] = true
		}
	}
	if len(journaled) != validItems {
		t.Fatalf("journaled %d rows for %d valid items: %s", len(journaled), validItems, describe(journaled))
	}
	for _, j := range journaled {
		if j.Operation != "CREATE" || j.EntityType != c.kind.entity || !createdIDs[j.EntityID] {
			t.Fatalf("journal row %s is not the creation of a valid item", describe(j))
		}
	}
}

func mixedCases() []mixed {
	return []mixed{
		{
			kind: syncAccounts,
			items: []object{
				{"externalID": "ok-1", "name": "Valid One", "domain": "valid-one.example"},
				{"externalID": "bad-name", "name": ""},
				{"externalID": "bad-domain", "name": "Bad Domain", "domain": "not a domain"},
				{"externalID": "ok-2", "name": "Valid Two", "parentExternalID": "ok-1"},
				{"externalID": "ok-1", "name": "Same key as item 0"},
				{"externalID": "orphan", "name": "Orphan", "parentExternalID": "no-such-account"},
				{"externalID": "unowned", "name": "Unowned", "ownerID": "mem_01J00000000000000000000000"},
				{"externalID": "", "name": "No key"},
			},
			want: []expected{valid, fails("name", invalid), fails("domain", invalid), valid,
				fails("externalID", conflict), fails("parentExternalID", notFound), fails("ownerID", notFound),
				fails("externalID", invalid)},
		},
		{
			kind: syncPeople,
			items: []object{
				{"externalID": "per-ok", "email": "carol@initech.example", "name": "Carol"},
				{"externalID": "per-bad-email", "email": "not-an-email", "name": "Dave"},
				{"externalID": "per-no-name", "email": "erin@initech.example", "name": ""},
				{"externalID": "per-same-email", "email": "CAROL@initech.example", "name": "Carol again"},
				{"email": "frank@initech.example", "name": "Frank"},
			},
			want: []expected{valid, fails("email", invalid), fails("name", invalid), fails("email", conflict), valid},
		},
		{
			kind: syncBuyingContacts,
			items: []object{
				{"externalID": "bc-ok", "accountExternalID": "acc-2", "personExternalID": "per-1", "roles": []string{"LEGAL"}},
				{"externalID": "bc-both", "accountExternalID": "acc-1", "personExternalID": "per-2", "personEmail": "bob@umbrella.example"},
				{"externalID": "bc-neither", "accountExternalID": "acc-1"},
				{"externalID": "bc-no-account", "accountExternalID": "no-such-account", "personExternalID": "per-2"},
				{"externalID": "bc-no-person", "accountExternalID": "acc-1", "personExternalID": "no-such-person"},
				{"externalID": "bc-no-email", "accountExternalID": "acc-1", "personEmail": "nobody@nowhere.example"},
				{"externalID": "bc-until", "accountExternalID": "acc-1", "personExternalID": "per-2",
					"since": "2024-05-01T00:00:00Z", "until": "2024-04-01T00:00:00Z"},
				// The email as another system spells it: people are found by their normalised email.
				{"externalID": "bc-ok-2", "accountExternalID": "acc-1", "personEmail": " Dan@Initech.example", "primary": true},
			},
			want: []expected{valid, fails("personExternalID", invalid), fails("personExternalID", invalid),
				fails("accountExternalID", notFound), fails("personExternalID", notFound), fails("personEmail", notFound),
				fails("until", invalid), valid},
		},
		{
			kind: syncEndUsers,
			items: []object{
				{"externalID": "eu-ok", "accountExternalID": "acc-2", "personExternalID": "per-1", "status": "ACTIVE"},
				{"externalID": "eu-order", "accountExternalID": "acc-1", "personExternalID": "per-1",
					"firstSeenAt": "2024-05-01T00:00:00Z", "lastActiveAt": "2024-04-01T00:00:00Z"},
				{"externalID": "eu-neither", "accountExternalID": "acc-1"},
				{"externalID": "eu-no-email", "accountExternalID": "acc-1", "personEmail": "nobody@nowhere.example"},
			},
			want: []expected{valid, fails("lastActiveAt", invalid), fails("personExternalID", invalid), fails("personEmail", notFound)},
		},
		{
			kind: syncContracts,
			items: []object{
				contract("ctr-ok", "acc-1", "K-1", "bc-1"),
				with(contract("ctr-ends-early", "acc-1", "K-2", ""), "endDate", "2023-12-31T00:00:00Z"),
				with(contract("ctr-currency", "acc-1", "K-3", ""), "currency", "XYZ"),
				contract("ctr-foreign-signer", "acc-1", "K-4", "bc-2"),
				contract("ctr-no-signer", "acc-1", "K-5", "no-such-contact"),
				contract("ctr-same-number", "acc-1", "K-1", ""),
				contract("ctr-no-account", "no-such-account", "K-6", ""),
				with(contract("ctr-seats", "acc-1", "K-7", ""), "seats", -1),
				contract("ctr-ok-2", "acc-2", "K-8", "bc-2"),
			},
			want: []expected{valid, fails("endDate", invalid), fails("currency", invalid),
				fails("signedByExternalID", invalid), fails("signedByExternalID", notFound), fails("number", conflict),
				fails("accountExternalID", notFound), fails("seats", invalid), valid},
		},
		{
			kind: syncInteractions,
			items: []object{
				interaction("int-ok", "acc-1", "Kick-off"),
				interaction("int-no-subject", "acc-1", ""),
				interaction("int-no-account", "no-such-account", "Lost"),
				with(interaction("int-no-member", "acc-1", "Handled by nobody"), "handledByID", "mem_01J00000000000000000000000"),
			},
			want: []expected{valid, fails("subject", invalid), fails("accountExternalID", notFound), fails("handledByID", notFound)},
		},
		{
			kind: syncFeedback,
			items: []object{
				feedback("fb-ok", "per-1", "NPS", 9),
				feedback("fb-nps-11", "per-1", "NPS", 11),
				feedback("fb-comment-score", "per-1", "COMMENT", 5),
				without(feedback("fb-nps-no-score", "per-1", "NPS", 0), "score"),
				with(feedback("fb-csat-0", "per-2", "CSAT", 0)),
				with(feedback("fb-both-authors", "per-1", "PRAISE", 0), "authorEmail", "ann@initech.example", "score", nil),
				feedback("fb-no-author", "no-such-person", "CSAT", 4),
				with(feedback("fb-wrong-persona", "per-1", "CSAT", 4), "persona", "END_USER"),
				with(feedback("fb-status", "per-1", "PRAISE", 0), "score", nil, "status", "OPEN"),
				with(feedback("fb-no-contract", "per-1", "CSAT", 3), "contractExternalID", "no-such-contract"),
				with(feedback("fb-stranger", "per-1", "CSAT", 3), "accountExternalID", "ok-1"),
				with(feedback("fb-sentiment", "per-2", "CSAT", 3), "sentiment", 2.5),
				with(feedback("fb-ok-2", "per-2", "COMPLAINT", 0), "score", nil),
			},
			want: []expected{valid, fails("score", invalid), fails("score", invalid), fails("score", invalid),
				fails("score", invalid), fails("authorExternalID", invalid), fails("authorExternalID", notFound),
				fails("persona", invalid), fails("status", invalid), fails("contractExternalID", notFound),
				fails("authorExternalID", invalid), fails("sentiment", invalid), valid},
		},
	}
}

func contract(externalID, account, number, signedBy string) object {
	c := object{"externalID": externalID, "accountExternalID": account, "number": number,
		"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-12-31T00:00:00Z", "currency": "EUR", "seats": 5}
	if signedBy != "" {
		c["signedByExternalID"] = signedBy
	}
	return c
}

func interaction(externalID, account, subject string) object {
	return object{"externalID": externalID, "accountExternalID": account, "channel": "MEETING",
		"direction": "OUTBOUND", "occurredAt": "2024-05-02T10:00:00Z", "subject": subject}
}

// feedback by the author (a person's external id) on acc-1, with the score unless it is 0 and
// the kind takes none.
func feedback(externalID, author, kind string, score int) object {
	f := object{"externalID": externalID, "accountExternalID": "acc-1", "authorExternalID": author,
		"channel": "SURVEY", "kind": kind, "receivedAt": "2024-06-01T12:00:00Z", "score": score}
	if kind != "NPS" && kind != "CSAT" && score == 0 {
		delete(f, "score")
	}
	return f
}

// TestSyncLimits refuses more than 1,000 items, and every role but ADMIN and INTEGRATION.
func TestSyncLimits(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		items := make([]object, 1001)
		for i := range items {
			items[i] = object{"externalID": fmt.Sprintf("acc-%04d", i), "name": fmt.Sprintf("Account %d", i)}
		}
		resp := env.Do(token, syncAccounts.query(), map[string]any{"in": items})
		if e := resp.MustFail(t, "BAD_USER_INPUT"); e.Field() != "input" {
			t.Fatalf("1,001 items: error on field %q, want input: %s", e.Field(), resp)
		}
		if n := count(t, env, "accounts"); n != 0 {
			t.Fatalf("1,001 items refused, but %d accounts were written", n)
		}
		// 1,000 is accepted (allOrNone and an invalid last item keep it cheap: nothing is written).
		items[999] = object{"externalID": "acc-0999", "name": ""}
		atLimit := doSync(t, env, token, syncAccounts, items[:1000], true)
		expectOutcomes(t, atLimit, append(all("SKIPPED", 999), "FAILED")...)

		admin := env.Token("acme", "ADMIN", "root")
		expectOutcomes(t, doSync(t, env, admin, syncAccounts, []object{{"externalID": "by-admin", "name": "By admin"}}, false), "CREATED")

		for _, role := range []string{"KEY_ACCOUNT_MANAGER", "ANALYST", "MANAGER"} {
			other := env.Token("acme", role, "someone-"+role)
			for _, k := range []kind{syncAccounts, syncPeople, syncFeedback} {
				resp := env.Do(other, k.query(), map[string]any{"in": []object{}})
				resp.MustFail(t, "FORBIDDEN")
			}
			resp := env.Do(other, syncAccounts.query(), map[string]any{"in": []object{{"externalID": "by-" + role, "name": "Nope"}}})
			resp.MustFail(t, "FORBIDDEN")
		}
		if n := count(t, env, "accounts"); n != 1 {
			t.Fatalf("%d accounts, want the admin's 1", n)
		}
	})
}

// TestAlternateKeyConflicts: an item with an external id that meets another record by its
// alternate key fails with CONFLICT on that field, whether it would update or create, and
// the batch's other items still commit. A first attempt does not look such keys up: the
// unique index refuses it and the batch runs again with them looked up.
func TestAlternateKeyConflicts(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		expectOutcomes(t, doSync(t, env, token, syncAccounts, []object{{"externalID": "acc-1", "name": "One"}}, false), "CREATED")
		people := []object{
			{"externalID": "per-a", "email": "a@acme.example", "name": "A"},
			{"externalID": "per-b", "email": "b@acme.example", "name": "B"},
		}
		expectOutcomes(t, doSync(t, env, token, syncPeople, people, false), "CREATED", "CREATED")
		contact := object{"externalID": "bct-a", "accountExternalID": "acc-1", "personExternalID": "per-a"}
		expectOutcomes(t, doSync(t, env, token, syncBuyingContacts, []object{contact}, false), "CREATED")
		seq := lastSeq(t, env, token)

		batch := []object{
			{"externalID": "per-a", "email": "b@acme.example", "name": "A"}, // update onto per-b's email
			{"externalID": "per-c", "email": "a@acme.example", "name": "C"}, // create with per-a's email
			{"externalID": "per-d", "email": "d@acme.example", "name": "D"}, // valid
		}
		got := doSync(t, env, token, syncPeople, batch, false)
		expectOutcomes(t, got, "FAILED", "FAILED", "CREATED")
		for i := range 2 {
			if !got.Items[i].hasError("email", conflict) {
				t.Fatalf("item %d: want a CONFLICT on email: %s", i, got)
			}
		}
		var email string
		if err := env.DB.SQL.QueryRow("SELECT email FROM people WHERE external_id = 'per-a'").Scan(&email); err != nil || email != "a@acme.example" {
			t.Fatalf("per-a's email is %q (%v) after the batch, want a@acme.example", email, err)
		}
		if n := len(changesSince(t, env, token, seq)); n != 1 {
			t.Fatalf("%d journal rows, want 1 (per-d created)", n)
		}

		// A second buying contact for the same account and person, under another external id.
		twin := with(contact, "externalID", "bct-twin")
		refused := doSync(t, env, token, syncBuyingContacts, []object{twin}, false)
		if expectOutcomes(t, refused, "FAILED"); !refused.Items[0].hasError("personExternalID", conflict) {
			t.Fatalf("a second contact for acc-1 and per-a: %s", refused)
		}
		if n := count(t, env, "buying_contacts"); n != 1 {
			t.Fatalf("%d buying contacts, want 1", n)
		}
	})
}
