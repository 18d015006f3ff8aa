package bulksync_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// resync is one sync mutation's idempotency case: a batch to create, one field of one item to
// change, and optional fields of that item to leave out afterwards.
type resync struct {
	kind  kind
	batch []object
	at    int    // the item changed and then sent without the omitted fields
	key   string // the input field changed
	value any    // its new value
	// The journal's view of the change: the column with its old and new values.
	column   string
	old, new any
	omit     []string // input fields left out in the last pass: they keep their stored values
	read     string   // a selection that reads the item back
	want     object   // what it reads after the last pass
}

// TestResyncIsIdempotent sends each sync mutation's batch twice, then with one field changed,
// then with fields left out: the repeat reports every item UNCHANGED with the same id and
// version and writes no journal row, the change bumps one version and journals that one field
// with its old and new values, and fields left out keep their stored values.
func TestResyncIsIdempotent(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		for _, c := range resyncCases() {
			t.Run(c.kind.mutation, func(t *testing.T) { c.run(t, env, token) })
		}
	})
}

func (c resync) run(t *testing.T, env *apitest.Env, token string) {
	n := len(c.batch)

	created := doSync(t, env, token, c.kind, c.batch, false)
	expectOutcomes(t, created, all("CREATED", n)...)
	if created.Created != n || !created.Committed {
		t.Fatalf("created %d of %d, committed %v", created.Created, n, created.Committed)
	}
	ids := make([]string, n)
	for i, it := range created.Items {
		ids[i] = it.id(t)
		if it.version(t) != 1 || storedVersion(t, env, c.kind.table, ids[i]) != 1 {
			t.Fatalf("item %d: version %d (stored %d), want 1", i, it.version(t), storedVersion(t, env, c.kind.table, ids[i]))
		}
		if ext, ok := c.batch[i]["externalID"]; ok && (it.ExternalID == nil || *it.ExternalID != ext) {
			t.Fatalf("item %d: externalID %v, want %v", i, it.ExternalID, ext)
		}
	}
	rows := count(t, env, c.kind.table)

	// The same batch again: nothing to do.
	unchanged := func(batch []object, versions []int, what string) {
		t.Helper()
		seq := lastSeq(t, env, token)
		p := doSync(t, env, token, c.kind, batch, false)
		expectOutcomes(t, p, all("UNCHANGED", n)...)
		if p.Unchanged != n || p.Created+p.Updated+p.Failed != 0 {
			t.Fatalf("%s: counts %+v", what, p)
		}
		for i, it := range p.Items {
			if it.id(t) != ids[i] || it.version(t) != versions[i] {
				t.Fatalf("%s: item %d is %s v%d, want %s v%d", what, i, it.id(t), it.version(t), ids[i], versions[i])
			}
			if v := storedVersion(t, env, c.kind.table, ids[i]); v != versions[i] {
				t.Fatalf("%s: item %d stored at version %d, want %d", what, i, v, versions[i])
			}
		}
		if got := changesSince(t, env, token, seq); len(got) != 0 {
			t.Fatalf("%s journaled %d changes: %s", what, len(got), describe(got))
		}
		if got := count(t, env, c.kind.table); got != rows {
			t.Fatalf("%s: %d rows, want %d", what, got, rows)
		}
	}
	versions := make([]int, n)
	for i := range versions {
		versions[i] = 1
	}
	unchanged(c.batch, versions, "resending the batch")

	// One field of one item changed: that item is updated, once, and the journal says what.
	changed := make([]object, n)
	copy(changed, c.batch)
	changed[c.at] = with(c.batch[c.at], c.key, c.value)
	seq := lastSeq(t, env, token)
	p := doSync(t, env, token, c.kind, changed, false)
	want := all("UNCHANGED", n)
	want[c.at] = "UPDATED"
	expectOutcomes(t, p, want...)
	if p.Updated != 1 || p.Unchanged != n-1 {
		t.Fatalf("counts after a change: %+v", p)
	}
	if got := p.Items[c.at]; got.id(t) != ids[c.at] || got.version(t) != 2 {
		t.Fatalf("updated item is %s v%d, want %s v2", got.id(t), got.version(t), ids[c.at])
	}
	if v := storedVersion(t, env, c.kind.table, ids[c.at]); v != 2 {
		t.Fatalf("updated item stored at version %d, want 2", v)
	}
	journaled := changesSince(t, env, token, seq)
	if len(journaled) != 1 {
		t.Fatalf("a change of one field journaled %d rows: %s", len(journaled), describe(journaled))
	}
	j := journaled[0]
	if j.EntityType != c.kind.entity || j.EntityID != ids[c.at] || j.Operation != "UPDATE" {
		t.Fatalf("journal row %s, want an UPDATE of %s %s", describe(j), c.kind.entity, ids[c.at])
	}
	if ext, ok := c.batch[c.at]["externalID"]; ok && (j.ExternalID == nil || *j.ExternalID != ext) {
		t.Fatalf("journal row has external id %v, want %v", j.ExternalID, ext)
	}
	if wantFields := []field{{Name: c.column, Old: c.old, New: c.new}}; !jsonEqual(j.Fields, wantFields) {
		t.Fatalf("journaled fields %s, want %s", describe(j.Fields), describe(wantFields))
	}
	versions[c.at] = 2
	unchanged(changed, versions, "resending the changed batch")

	// Fields left out keep what is stored.
	omitted := make([]object, n)
	copy(omitted, changed)
	omitted[c.at] = without(changed[c.at], c.omit...)
	unchanged(omitted, versions, "leaving fields out")
	if got := node(t, env, token, ids[c.at], c.read); !jsonEqual(got, c.want) {
		t.Fatalf("after leaving %v out, read %s, want %s", c.omit, describe(got), describe(c.want))
	}
}

func resyncCases() []resync {
	return []resync{
		{
			kind: syncAccounts,
			batch: []object{
				{"externalID": "acc-1", "name": "Initech", "domain": "initech.example", "industry": "Software",
					"region": "EMEA", "size": "MEDIUM", "tier": "KEY", "stage": "ACTIVE"},
				// A child named before its parent in the same batch.
				{"externalID": "acc-3", "name": "Initech Labs", "parentExternalID": "acc-2"},
				{"externalID": "acc-2", "name": "Umbrella"},
			},
			at: 0, key: "name", value: "Initech AG", column: "name", old: "Initech", new: "Initech AG",
			omit: []string{"domain", "industry", "region", "size", "tier", "stage"},
			read: `... on Account { name domain industry region size tier stage }`,
			want: object{"name": "Initech AG", "domain": "initech.example", "industry": "Software",
				"region": "EMEA", "size": "MEDIUM", "tier": "KEY", "stage": "ACTIVE"},
		},
		{
			kind: syncPeople,
			batch: []object{
				// Stored in lower case; the same mixed-case email again is no change.
				{"externalID": "per-1", "email": "Ann.Lee@Initech.example", "name": "Ann Lee", "title": "CFO",
					"phone": "+49 30 1234", "consentMarketing": true, "consentResearch": true},
				{"email": "bob@umbrella.example", "name": "Bob Stone"}, // found by email: no external id
			},
			at: 0, key: "title", value: "CEO", column: "title", old: "CFO", new: "CEO",
			omit: []string{"title", "phone", "consentMarketing", "consentResearch"},
			read: `... on Person { email name title phone consentMarketing consentResearch externalID }`,
			want: object{"email": "ann.lee@initech.example", "name": "Ann Lee", "title": "CEO", "phone": "+49 30 1234",
				"consentMarketing": true, "consentResearch": true, "externalID": "per-1"},
		},
		{
			kind: syncBuyingContacts,
			batch: []object{
				{"externalID": "bc-1", "accountExternalID": "acc-1", "personExternalID": "per-1",
					"roles": []string{"ECONOMIC_BUYER", "DECISION_MAKER"}, "primary": true, "influence": "HIGH",
					"since": "2024-03-01T09:30:00.123456+02:00"},
				{"externalID": "bc-2", "accountExternalID": "acc-2", "personEmail": "bob@umbrella.example",
					"roles": []string{"CHAMPION"}},
			},
			at: 0, key: "roles", value: []string{"ECONOMIC_BUYER"}, column: "roles",
			old: []string{"ECONOMIC_BUYER", "DECISION_MAKER"}, new: []string{"ECONOMIC_BUYER"},
			omit: []string{"roles", "primary", "influence", "since"},
			read: `... on BuyingContact { roles primary influence since }`,
			want: object{"roles": []string{"ECONOMIC_BUYER"}, "primary": true, "influence": "HIGH",
				"since": "2024-03-01T07:30:00.123456Z"},
		},
		{
			kind: syncEndUsers,
			batch: []object{
				{"externalID": "eu-1", "accountExternalID": "acc-1", "personEmail": "bob@umbrella.example",
					"department": "Operations", "jobRole": "Analyst", "status": "ACTIVE", "licensed": true,
					"firstSeenAt": "2024-01-05T08:00:00Z", "lastActiveAt": "2024-06-30T17:45:12.5Z"},
				{"externalID": "eu-2", "accountExternalID": "acc-2", "personExternalID": "per-1"},
			},
			at: 0, key: "status", value: "INACTIVE", column: "status", old: "ACTIVE", new: "INACTIVE",
			omit: []string{"department", "jobRole", "status", "licensed", "firstSeenAt", "lastActiveAt"},
			read: `... on EndUser { department jobRole status licensed firstSeenAt lastActiveAt }`,
			want: object{"department": "Operations", "jobRole": "Analyst", "status": "INACTIVE", "licensed": true,
				"firstSeenAt": "2024-01-05T08:00:00Z", "lastActiveAt": "2024-06-30T17:45:12.5Z"},
		},
		{
			kind: syncContracts,
			batch: []object{
				{"externalID": "ctr-1", "accountExternalID": "acc-1", "number": "C-2024-001", "status": "ACTIVE",
					"startDate": "2024-01-01T00:00:00Z", "endDate": "2025-12-31T00:00:00Z", "renewalNoticeDays": 60,
					"autoRenew": true, "valueMinor": 1250000, "currency": "eur", "seats": 10,
					"signedByExternalID": "bc-1", "signedAt": "2023-12-20T15:00:00Z"},
				{"externalID": "ctr-2", "accountExternalID": "acc-2", "number": "C-2024-002",
					"startDate": "2024-02-01T00:00:00Z", "endDate": "2025-01-31T00:00:00Z", "currency": "USD"},
			},
			at: 0, key: "seats", value: 12, column: "seats", old: 10, new: 12,
			omit: []string{"status", "renewalNoticeDays", "autoRenew", "valueMinor", "seats", "signedByExternalID", "signedAt"},
			read: `... on Contract { number status renewalNoticeDays autoRenew valueMinor currency seats signedAt signedBy { externalID } }`,
			want: object{"number": "C-2024-001", "status": "ACTIVE", "renewalNoticeDays": 60, "autoRenew": true,
				"valueMinor": 1250000, "currency": "EUR", "seats": 12, "signedAt": "2023-12-20T15:00:00Z",
				"signedBy": object{"externalID": "bc-1"}},
		},
		{
			kind: syncInteractions,
			batch: []object{
				// More precision than the database keeps: the repeat still matches.
				{"externalID": "int-1", "accountExternalID": "acc-1", "channel": "CALL", "direction": "INBOUND",
					"occurredAt": "2024-05-02T10:15:30.1234567Z", "subject": "Kick-off", "summary": "Went well"},
				{"externalID": "int-2", "accountExternalID": "acc-2", "channel": "EMAIL", "direction": "OUTBOUND",
					"occurredAt": "2024-05-03T08:00:00Z", "subject": "Follow-up"},
			},
			at: 0, key: "subject", value: "Kick-off call", column: "subject", old: "Kick-off", new: "Kick-off call",
			omit: []string{"summary"},
			read: `... on Interaction { subject summary channel direction }`,
			want: object{"subject": "Kick-off call", "summary": "Went well", "channel": "CALL", "direction": "INBOUND"},
		},
		{
			kind: syncFeedback,
			batch: []object{
				{"externalID": "fb-1", "accountExternalID": "acc-1", "authorExternalID": "per-1", "channel": "SURVEY",
					"kind": "NPS", "score": 9, "sentiment": 0.5, "body": "Great rollout",
					"topics":     []string{" Onboarding ", "support   TEAM", "onboarding"},
					"receivedAt": "2024-06-01T12:00:00Z", "contractExternalID": "ctr-1", "interactionExternalID": "int-1"},
				{"externalID": "fb-2", "accountExternalID": "acc-1", "authorEmail": "bob@umbrella.example",
					"channel": "SUPPORT", "kind": "COMPLAINT", "body": "Exports are slow", "receivedAt": "2024-06-02T12:00:00Z"},
			},
			at: 0, key: "score", value: 10, column: "score", old: 9, new: 10,
			omit: []string{"sentiment", "body", "topics", "contractExternalID", "interactionExternalID"},
			read: `... on Feedback { score sentiment body topics persona contract { externalID } interaction { externalID } }`,
			want: object{"score": 10, "sentiment": 0.5, "body": "Great rollout", "topics": []string{"onboarding", "support team"},
				"persona": "PURCHASER", "contract": object{"externalID": "ctr-1"}, "interaction": object{"externalID": "int-1"}},
		},
	}
}

// TestConcurrentResync sends the same new batch from several clients at once, as an integrator
// retrying a call that seems lost: every call succeeds, each item is created exactly once (and
// journaled once), and the other calls find it UNCHANGED.
func TestConcurrentResync(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		const senders, items = 4, 200
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		var batch []object
		for i := range items {
			batch = append(batch, object{"externalID": fmt.Sprintf("acc-%03d", i), "name": fmt.Sprintf("Account %d", i)})
		}
		seq := lastSeq(t, env, token)
		responses := make([]*apitest.Response, senders)
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				responses[s] = env.Do(token, syncAccounts.query(), map[string]any{"in": batch})
			}()
		}
		wg.Wait()
		created := map[int]int{}
		ids := map[int]string{}
		for s, resp := range responses {
			var data struct{ R payload }
			resp.MustOK(t, &data)
			for i, it := range data.R.Items {
				switch it.Outcome {
				case "CREATED":
					created[i]++
				case "UNCHANGED":
				default:
					t.Fatalf("sender %d: item %d is %s", s, i, it.Outcome)
				}
				if id, seen := ids[i]; seen && id != it.id(t) {
					t.Fatalf("item %d has ids %s and %s", i, id, it.id(t))
				}
				ids[i] = it.id(t)
			}
		}
		for i := range items {
			if created[i] != 1 {
				t.Fatalf("item %d was created %d times", i, created[i])
			}
		}
		if n := count(t, env, "accounts"); n != items {
			t.Fatalf("%d accounts, want %d", n, items)
		}
		if n := lastSeq(t, env, token) - seq; n != items {
			t.Fatalf("%d journal rows for %d created items", n, items)
		}
	})
}
