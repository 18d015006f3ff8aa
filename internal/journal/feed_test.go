package journal_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// entry is a row of the change feed with its cursor.
type entry struct {
	Cursor     string
	Seq        int
	EntityType string
	EntityID   string
	ExternalID *string
	Operation  string
}

type page struct {
	TotalCount int
	HasNext    bool
	EndCursor  *string
	Entries    []entry
}

const feedQuery = `query($after: Cursor, $first: Int, $types: [String!]) {
	changes(after: $after, first: $first, entityTypes: $types) {
		totalCount pageInfo { hasNextPage endCursor }
		edges { cursor node { seq entityType entityID externalID operation } } } }`

type feedData struct {
	Changes struct {
		TotalCount int
		PageInfo   struct {
			HasNextPage bool
			EndCursor   *string
		}
		Edges []struct {
			Cursor string
			Node   entry
		}
	}
}

func (d feedData) page() page {
	p := page{TotalCount: d.Changes.TotalCount, HasNext: d.Changes.PageInfo.HasNextPage, EndCursor: d.Changes.PageInfo.EndCursor}
	for _, e := range d.Changes.Edges {
		n := e.Node
		n.Cursor = e.Cursor
		p.Entries = append(p.Entries, n)
	}
	return p
}

func feedVars(after string, first int, types []string) map[string]any {
	vars := map[string]any{"first": first}
	if after != "" {
		vars["after"] = after
	}
	if types != nil {
		vars["types"] = types
	}
	return vars
}

// readPage reads one page of the feed after the cursor ("" from the start).
func readPage(t testing.TB, env *apitest.Env, token, after string, first int, types []string) page {
	t.Helper()
	var data feedData
	env.Do(token, feedQuery, feedVars(after, first, types)).MustOK(t, &data)
	return data.page()
}

// readAll pages through the whole feed, first entries at a time.
func readAll(t testing.TB, env *apitest.Env, token string, first int, types []string) []entry {
	t.Helper()
	var out []entry
	after := ""
	for range 10000 {
		p := readPage(t, env, token, after, first, types)
		out = append(out, p.Entries...)
		if !p.HasNext {
			if len(out) != p.TotalCount {
				t.Fatalf("paged through %d changes, totalCount says %d", len(out), p.TotalCount)
			}
			return out
		}
		if len(p.Entries) == 0 || p.EndCursor == nil || *p.EndCursor != p.Entries[len(p.Entries)-1].Cursor {
			t.Fatalf("a page with a next page has %d entries and end cursor %v", len(p.Entries), p.EndCursor)
		}
		after = *p.EndCursor
	}
	t.Fatal("the feed does not end")
	return nil
}

// expectDense fails unless the entries are numbered 1, 2, … n.
func expectDense(t testing.TB, entries []entry) {
	t.Helper()
	for i, e := range entries {
		if e.Seq != i+1 {
			t.Fatalf("entry %d has seq %d, want %d (the feed must be dense and in order)", i, e.Seq, i+1)
		}
	}
}

func tenantChanges(t testing.TB, env *apitest.Env, slug string) int {
	t.Helper()
	var n int
	err := env.DB.SQL.QueryRow(`SELECT COUNT(*) FROM changes JOIN tenants ON tenants.id = changes.tenant_id WHERE tenants.slug = ?`, slug).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type object = map[string]any

// mutate runs a mutation aliased m, which must succeed, and returns its result.
func mutate(t testing.TB, env *apitest.Env, token, query string, vars map[string]any) object {
	t.Helper()
	var data struct{ M object }
	env.Do(token, query, vars).MustOK(t, &data)
	return data.M
}

// syncItems runs a sync mutation aliased m whose items must all be CREATED or UPDATED, and
// returns the ids by external id.
func syncItems(t testing.TB, env *apitest.Env, token, mutation, input string, items []object) map[string]string {
	t.Helper()
	var data struct {
		M struct {
			Items []struct {
				Outcome    string
				ID         string
				ExternalID string
			}
		}
	}
	env.Do(token, fmt.Sprintf(`mutation($in: [%s!]!) { m: %s(input: $in) { items { outcome id externalID } } }`, input, mutation),
		map[string]any{"in": items}).MustOK(t, &data)
	ids := map[string]string{}
	for _, it := range data.M.Items {
		if it.Outcome != "CREATED" && it.Outcome != "UPDATED" {
			t.Fatalf("%s: %+v", mutation, data.M.Items)
		}
		ids[it.ExternalID] = it.ID
	}
	return ids
}

// TestChangeFeed pages through a tenant's history: in order, dense, deletions included with
// the external ids of what went, resumable from any cursor, filtered by entity type, and for
// ADMIN and INTEGRATION only.
func TestChangeFeed(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		ext := map[string]string{} // id → external id, of everything synced
		record := func(ids map[string]string) {
			for e, id := range ids {
				ext[id] = e
			}
		}
		record(syncItems(t, env, token, "syncAccounts", "SyncAccountInput", []object{
			{"externalID": "acc-1", "name": "Initech"},
			{"externalID": "acc-2", "name": "Initech Labs", "parentExternalID": "acc-1"},
			{"externalID": "acc-3", "name": "Umbrella"},
		}))
		record(syncItems(t, env, token, "syncPeople", "SyncPersonInput", []object{
			{"externalID": "per-1", "email": "ann@initech.example", "name": "Ann"},
			{"externalID": "per-2", "email": "bob@initech.example", "name": "Bob"},
		}))
		record(syncItems(t, env, token, "syncBuyingContacts", "SyncBuyingContactInput", []object{
			{"externalID": "bc-1", "accountExternalID": "acc-1", "personExternalID": "per-1", "primary": true},
			{"externalID": "bc-2", "accountExternalID": "acc-1", "personExternalID": "per-2"},
		}))
		record(syncItems(t, env, token, "syncEndUsers", "SyncEndUserInput", []object{
			{"externalID": "eu-1", "accountExternalID": "acc-1", "personExternalID": "per-2"},
		}))
		record(syncItems(t, env, token, "syncContracts", "SyncContractInput", []object{
			{"externalID": "ctr-1", "accountExternalID": "acc-1", "number": "C-1", "startDate": "2024-01-01T00:00:00Z",
				"endDate": "2024-12-31T00:00:00Z", "currency": "EUR", "signedByExternalID": "bc-1"},
		}))
		record(syncItems(t, env, token, "syncInteractions", "SyncInteractionInput", []object{
			{"externalID": "int-1", "accountExternalID": "acc-1", "channel": "CALL", "direction": "INBOUND",
				"occurredAt": "2024-05-02T10:00:00Z", "subject": "Kick-off"},
		}))
		record(syncItems(t, env, token, "syncFeedback", "SyncFeedbackInput", []object{
			{"externalID": "fb-1", "accountExternalID": "acc-1", "authorExternalID": "per-1", "channel": "SURVEY",
				"kind": "NPS", "score": 9, "receivedAt": "2024-06-01T00:00:00Z", "contractExternalID": "ctr-1", "interactionExternalID": "int-1"},
		}))
		mutate(t, env, token, `mutation { m: createAccount(input: {name: "No external id"}) { id } }`, nil)
		mutate(t, env, token, `mutation($id: ID!) { m: updateAccount(id: $id, input: {name: "Umbrella Corp"}) { id } }`,
			map[string]any{"id": idOf(ext, "acc-3")})
		council := mutate(t, env, token, `mutation($acc: ID!) { m: createUserCouncil(input: {name: "Users", accountID: $acc}) { id } }`,
			map[string]any{"acc": idOf(ext, "acc-1")})["id"].(string)
		mutate(t, env, token, `mutation($c: ID!, $p: ID!) { m: addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
			map[string]any{"c": council, "p": idOf(ext, "per-2")})
		before := len(readAll(t, env, token, 100, nil))
		deleted := mutate(t, env, token, `mutation($id: ID!) { m: deleteAccount(id: $id) { deletedID cascadedIDs } }`,
			map[string]any{"id": idOf(ext, "acc-1")})

		all := readAll(t, env, token, 4, nil)
		expectDense(t, all)
		if n := tenantChanges(t, env, "acme"); n != len(all) {
			t.Fatalf("the feed has %d changes, the journal %d", len(all), n)
		}

		// Every row that went has exactly one DELETE row, with its external id.
		gone := []string{deleted["deletedID"].(string)}
		for _, id := range deleted["cascadedIDs"].([]any) {
			gone = append(gone, id.(string))
		}
		for _, e := range []string{"fb-1", "int-1", "ctr-1", "bc-1", "bc-2", "eu-1", "acc-1"} {
			if !slices.Contains(gone, idOf(ext, e)) {
				t.Fatalf("deleting acc-1 did not delete %s: %v", e, gone)
			}
		}
		deletes := map[string][]entry{}
		for _, e := range all[before:] {
			if e.Operation == "DELETE" {
				deletes[e.EntityID] = append(deletes[e.EntityID], e)
			}
		}
		if len(deletes) != len(gone) {
			t.Errorf("%d rows were deleted, %d have DELETE rows", len(gone), len(deletes))
		}
		for _, id := range gone {
			rows := deletes[id]
			if len(rows) != 1 {
				t.Errorf("%s has %d DELETE rows, want 1", id, len(rows))
				continue
			}
			want, synced := ext[id]
			switch got := rows[0].ExternalID; {
			case synced && (got == nil || *got != want):
				t.Errorf("the DELETE row of %s (%s) has external id %v, want %s", id, rows[0].EntityType, strp(got), want)
			case !synced && got != nil:
				t.Errorf("the DELETE row of %s (%s) has external id %s, but it had none", id, rows[0].EntityType, *got)
			}
		}
		detached := false
		for _, e := range all[before:] {
			detached = detached || (e.EntityID == idOf(ext, "acc-2") && e.Operation == "UPDATE" && strp(e.ExternalID) == "acc-2")
		}
		if !detached {
			t.Errorf("no UPDATE row detaches acc-2 from its deleted parent")
		}
		if t.Failed() {
			t.FailNow()
		}

		// Resuming from the cursor of any entry gives the entries after it.
		for k, e := range all {
			p := readPage(t, env, token, e.Cursor, 5, nil)
			want := all[k+1 : min(k+6, len(all))]
			if !sameEntries(p.Entries, want) {
				t.Fatalf("after entry %d (seq %d): got seqs %v, want %v", k, e.Seq, seqs(p.Entries), seqs(want))
			}
			if p.HasNext != (k+6 < len(all)) {
				t.Fatalf("after entry %d: hasNextPage %v with %d entries in all", k, p.HasNext, len(all))
			}
		}

		// entityTypes filters, keeping the order, and a filtered feed resumes too.
		for _, types := range [][]string{{"Account"}, {"BuyingContact", "Contract"}, {"Feedback"}, {"NoSuchType"}} {
			var want []entry
			for _, e := range all {
				if slices.Contains(types, e.EntityType) {
					want = append(want, e)
				}
			}
			got := readAll(t, env, token, 2, types)
			if !sameEntries(got, want) {
				t.Fatalf("entityTypes %v: seqs %v, want %v", types, seqs(got), seqs(want))
			}
			if len(want) > 1 {
				p := readPage(t, env, token, got[0].Cursor, 100, types)
				if !sameEntries(p.Entries, want[1:]) {
					t.Fatalf("entityTypes %v after the first: seqs %v, want %v", types, seqs(p.Entries), seqs(want[1:]))
				}
			}
		}

		// The feed is for ADMIN and INTEGRATION, and shows a tenant only its own changes.
		if got := readAll(t, env, env.Token("acme", "ADMIN", "root"), 100, []string{"Account"}); len(got) == 0 {
			t.Fatal("an admin sees no account changes")
		}
		for _, role := range []string{"KEY_ACCOUNT_MANAGER", "ANALYST", "MANAGER"} {
			env.Do(env.Token("acme", role, "someone"), feedQuery, feedVars("", 10, nil)).MustFail(t, "FORBIDDEN")
		}
		other := env.Token("globex", "INTEGRATION", "erp")
		theirs := readAll(t, env, other, 100, nil)
		expectDense(t, theirs)
		for _, e := range theirs {
			if e.EntityType != "Tenant" && e.EntityType != "Member" {
				t.Fatalf("another tenant's feed shows %s", e.EntityType)
			}
		}
	})
}

func idOf(ext map[string]string, externalID string) string {
	for id, e := range ext {
		if e == externalID {
			return id
		}
	}
	panic("no id for " + externalID)
}

func strp(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func seqs(entries []entry) []int {
	out := make([]int, len(entries))
	for i, e := range entries {
		out[i] = e.Seq
	}
	return out
}

func sameEntries(a, b []entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.Cursor, y.Cursor = "", ""
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// try runs an operation that must succeed, without failing the test: goroutines other than the
// test's call it.
func try(env *apitest.Env, token, query string, vars map[string]any, into any) error {
	r, err := env.Try(token, query, vars, nil)
	if err != nil {
		return err
	}
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		return fmt.Errorf("%s", r)
	}
	if into != nil {
		return json.Unmarshal(r.Data, into)
	}
	return nil
}

// TestChangeFeedUnderConcurrentWriters has writers sync and create concurrently while a reader
// pages the feed from its last cursor: the reader sees every change exactly once, in order.
func TestChangeFeedUnderConcurrentWriters(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		const writers, rounds = 4, 6
		token := env.Token("acme", "INTEGRATION", "erp")
		mutate(t, env, token, `mutation { m: createAccount(input: {name: "First"}) { id } }`, nil)

		var wg sync.WaitGroup
		errc := make(chan error, writers*rounds*3)
		journaled := make([]int, writers) // the changes each writer made
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					var accounts []object
					for i := range 5 {
						accounts = append(accounts, object{"externalID": fmt.Sprintf("w%d-r%d-%d", w, r, i), "name": "Synced"})
					}
					if err := try(env, token, `mutation($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { created } }`,
						map[string]any{"in": accounts}, nil); err != nil {
						errc <- fmt.Errorf("writer %d round %d sync: %w", w, r, err)
						return
					}
					var created struct{ CreateAccount struct{ ID string } }
					if err := try(env, token, `mutation($n: String!) { createAccount(input: {name: $n}) { id } }`,
						map[string]any{"n": fmt.Sprintf("Created %d/%d", w, r)}, &created); err != nil {
						errc <- fmt.Errorf("writer %d round %d create: %w", w, r, err)
						return
					}
					if err := try(env, token, `mutation($id: ID!) { updateAccount(id: $id, input: {stage: ACTIVE}) { id } }`,
						map[string]any{"id": created.CreateAccount.ID}, nil); err != nil {
						errc <- fmt.Errorf("writer %d round %d update: %w", w, r, err)
						return
					}
					journaled[w] += 5 + 1 + 1
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		// The reader pages from its last cursor until the writers are done and it has caught up.
		var seen []entry
		after, finished := "", false
		for {
			select {
			case <-done:
				finished = true
			default:
			}
			var data feedData
			if err := try(env, token, feedQuery, feedVars(after, 7, nil), &data); err != nil {
				wg.Wait()
				t.Fatalf("reading the feed: %v", err)
			}
			p := data.page()
			seen = append(seen, p.Entries...)
			if len(p.Entries) > 0 {
				after = p.Entries[len(p.Entries)-1].Cursor
			}
			if finished && !p.HasNext {
				break
			}
		}
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		if t.Failed() {
			t.FailNow()
		}
		expectDense(t, seen)
		total := tenantChanges(t, env, "acme")
		if len(seen) != total {
			t.Fatalf("the reader saw %d changes, the journal has %d", len(seen), total)
		}
		made := 0
		for _, n := range journaled {
			made += n
		}
		if writes := seen[len(seen)-made:]; len(slices.DeleteFunc(slices.Clone(writes), func(e entry) bool { return e.EntityType == "Account" })) != 0 {
			t.Fatalf("the last %d changes should be the writers' account changes: %v", made, writes)
		}
		if !sameEntries(seen, readAll(t, env, token, 100, nil)) {
			t.Fatal("the reader's view differs from a read of the whole feed afterwards")
		}
	})
}
