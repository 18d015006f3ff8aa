package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/apitest"
	"github.com/stakegraph/stakegraph/server"
)

const createAccount = `mutation($name: String!) { createAccount(input: {name: $name}) { id name version } }`

func keyed(key string) http.Header {
	h := http.Header{}
	h.Set(server.IdempotencyHeader, key)
	return h
}

// send posts the operation with an Idempotency-Key.
func send(t *testing.T, env *apitest.Env, token, key, query string, vars map[string]any) *apitest.Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return env.Post(token, "application/json", body, keyed(key))
}

func replayed(r *apitest.Response) bool {
	var out struct {
		Extensions map[string]any `json:"extensions"`
	}
	_ = json.Unmarshal(r.Body, &out)
	return out.Extensions["idempotentReplay"] == true
}

// rows counts what a test's mutations leave: accounts by name, and their journal rows.
func rows(t *testing.T, env *apitest.Env, name string) (accounts, changes int) {
	t.Helper()
	err := env.DB.SQL.QueryRow(`SELECT COUNT(*) FROM accounts WHERE name = ?`, name).Scan(&accounts)
	if err == nil {
		err = env.DB.SQL.QueryRow(`SELECT COUNT(*) FROM changes WHERE entity_type = 'Account' AND entity_id IN
			(SELECT id FROM accounts WHERE name = ?)`, name).Scan(&changes)
	}
	if err != nil {
		t.Fatal(err)
	}
	return accounts, changes
}

func expectRows(t *testing.T, env *apitest.Env, name string, accounts, changes int) {
	t.Helper()
	if a, c := rows(t, env, name); a != accounts || c != changes {
		t.Fatalf("%q: %d accounts with %d journal rows, want %d with %d", name, a, c, accounts, changes)
	}
}

// TestIdempotencyKeys: a request repeated with its key gets the stored response and does not
// run again; another request under the key is a CONFLICT; a failed request stores nothing, so
// its key can be used again; keys are per tenant.
func TestIdempotencyKeys(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")

		first := send(t, env, token, "key-1", createAccount, map[string]any{"name": "Initech"})
		first.MustOK(t, nil)
		if replayed(first) {
			t.Fatalf("the first request is marked as a replay: %s", first)
		}
		again := send(t, env, token, "key-1", createAccount, map[string]any{"name": "Initech"})
		again.MustOK(t, nil)
		if !replayed(again) || !bytes.Equal(again.Data, first.Data) {
			t.Fatalf("the repeat is not the stored response:\nfirst %s\nagain %s", first, again)
		}
		expectRows(t, env, "Initech", 1, 1)

		// Without a key, the same request runs again.
		env.Do(token, createAccount, map[string]any{"name": "Initech"}).MustOK(t, nil)
		expectRows(t, env, "Initech", 2, 2)

		// Another request under the key.
		other := send(t, env, token, "key-1", createAccount, map[string]any{"name": "Globex"})
		if e := other.MustFail(t, "CONFLICT"); e.Field() != server.IdempotencyHeader || other.Data != nil && string(other.Data) != "null" {
			t.Fatalf("another request under a used key: %s", other)
		}
		expectRows(t, env, "Globex", 0, 0)

		// A sync replays its own outcome: CREATED, not the UNCHANGED a second run would report.
		sync := `mutation($in: [SyncAccountInput!]!) { syncAccounts(input: $in) { created unchanged items { id outcome } } }`
		items := map[string]any{"in": []map[string]any{{"externalID": "acc-umbrella", "name": "Umbrella"}}}
		s1 := send(t, env, token, "key-sync", sync, items)
		s1.MustOK(t, nil)
		s2 := send(t, env, token, "key-sync", sync, items)
		s2.MustOK(t, nil)
		if !replayed(s2) || !bytes.Equal(s1.Data, s2.Data) || !bytes.Contains(s2.Data, []byte(`"CREATED"`)) {
			t.Fatalf("a repeated sync:\nfirst %s\nagain %s", s1, s2)
		}
		expectRows(t, env, "Umbrella", 1, 1)

		// A failed mutation stores nothing: the same key works for the corrected request.
		failed := send(t, env, token, "key-2", createAccount, map[string]any{"name": ""})
		failed.MustFail(t, "BAD_USER_INPUT")
		failedAgain := send(t, env, token, "key-2", createAccount, map[string]any{"name": ""})
		failedAgain.MustFail(t, "BAD_USER_INPUT")
		if replayed(failedAgain) {
			t.Fatalf("a failed request was stored: %s", failedAgain)
		}
		fixed := send(t, env, token, "key-2", createAccount, map[string]any{"name": "Hooli"})
		fixed.MustOK(t, nil)
		if replayed(fixed) {
			t.Fatalf("the corrected request was answered from a store: %s", fixed)
		}
		expectRows(t, env, "Hooli", 1, 1)

		// Keys are per tenant: another tenant's identical request under the same key runs.
		theirs := send(t, env, env.Token("globex", "INTEGRATION", "erp"), "key-1", createAccount, map[string]any{"name": "Initech"})
		theirs.MustOK(t, nil)
		if replayed(theirs) || bytes.Equal(theirs.Data, first.Data) {
			t.Fatalf("another tenant got acme's stored response: %s", theirs)
		}
		expectRows(t, env, "Initech", 3, 3)

		// A key longer than 255 characters is refused before anything runs.
		long := send(t, env, token, string(bytes.Repeat([]byte("k"), 256)), createAccount, map[string]any{"name": "Long"})
		if e := long.MustFail(t, "BAD_USER_INPUT"); e.Field() != server.IdempotencyHeader {
			t.Fatalf("an over-long key: %s", long)
		}
		expectRows(t, env, "Long", 0, 0)

		// A key on a query changes nothing.
		q := send(t, env, token, "key-1", `{ viewer { subject } }`, nil)
		q.MustOK(t, nil)
		if replayed(q) {
			t.Fatalf("a query was answered from the store: %s", q)
		}
	})
}

// TestIdempotencyKeyConcurrentRequests sends the same request with the same key from several
// clients at once: it runs once, and every client gets its response.
func TestIdempotencyKeyConcurrentRequests(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		const clients = 6
		token := env.Token("acme", "INTEGRATION", "erp")
		env.Do(token, `{ viewer { subject } }`, nil).MustOK(t, nil)
		responses := make([]*apitest.Response, clients)
		errs := make([]error, clients)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				responses[i], errs[i] = env.Try(token, createAccount, map[string]any{"name": "Initech"}, keyed("key-race"))
			}()
		}
		wg.Wait()
		ran := 0
		for i, r := range responses {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			if len(r.Errors) > 0 {
				t.Fatalf("client %d: %s", i, r)
			}
			if !bytes.Equal(r.Data, responses[0].Data) {
				t.Fatalf("clients got different responses:\n%s\n%s", responses[0], r)
			}
			if !replayed(r) {
				ran++
			}
		}
		if ran != 1 {
			t.Fatalf("%d of %d clients ran the mutation, want 1", ran, clients)
		}
		expectRows(t, env, "Initech", 1, 1)

		// Different requests under one key at once: one runs, the others are refused.
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				responses[i], errs[i] = env.Try(token, createAccount, map[string]any{"name": fmt.Sprintf("Racer %d", i)}, keyed("key-race-2"))
			}()
		}
		wg.Wait()
		ran = 0
		for i, r := range responses {
			switch {
			case errs[i] != nil:
				t.Fatal(errs[i])
			case len(r.Errors) == 0:
				ran++
			case r.Code() != "CONFLICT" || r.Errors[0].Field() != server.IdempotencyHeader:
				t.Fatalf("client %d: %s", i, r)
			}
		}
		var racers int
		if err := env.DB.SQL.QueryRow(`SELECT COUNT(*) FROM accounts WHERE name LIKE 'Racer %'`).Scan(&racers); err != nil {
			t.Fatal(err)
		}
		if ran != 1 || racers != 1 {
			t.Fatalf("%d requests ran and %d accounts were created under one key, want 1", ran, racers)
		}
	})
}
