package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/internal/viewer"
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

// TestIdempotencyKeysArePerMember: a key belongs to the member who sent it. Another member's
// request under the same key runs as their own, or is refused as it would be without the key:
// it never gets the first member's stored response, never learns that the key is taken, and
// cannot claim an integration's key first. A member whose role changed since gets no replay.
func TestIdempotencyKeysArePerMember(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		admin := env.Token("acme", "ADMIN", "admin-1")
		analyst := env.Token("acme", "ANALYST", "analyst-1")
		vars := map[string]any{"name": "Initech"}

		first := send(t, env, admin, "key-1", createAccount, vars)
		first.MustOK(t, nil)

		// What an analyst gets without a key, they get with the admin's key: FORBIDDEN, for the
		// same request and for another one alike.
		env.Do(analyst, createAccount, vars).MustFail(t, "FORBIDDEN")
		for _, v := range []map[string]any{vars, {"name": "Globex"}} {
			r := send(t, env, analyst, "key-1", createAccount, v)
			r.MustFail(t, "FORBIDDEN")
			if replayed(r) || r.Code() != "FORBIDDEN" || bytes.Contains(r.Body, first.Data) {
				t.Fatalf("an analyst under the admin's key: %s", r)
			}
		}
		expectRows(t, env, "Initech", 1, 1)
		expectRows(t, env, "Globex", 0, 0)

		// A member who may run the request runs it under the same key as their own.
		kam := env.Token("acme", "KEY_ACCOUNT_MANAGER", "kam-1")
		own := send(t, env, kam, "key-1", createAccount, vars)
		own.MustOK(t, nil)
		if replayed(own) || bytes.Equal(own.Data, first.Data) {
			t.Fatalf("a KAM under the admin's key got the admin's response: %s", own)
		}
		expectRows(t, env, "Initech", 2, 2)

		// Claiming an integration's predictable key first blocks nothing.
		send(t, env, kam, "erp-2024-06-01", createAccount, map[string]any{"name": "Squatter"}).MustOK(t, nil)
		erp := send(t, env, env.Token("acme", "INTEGRATION", "erp"), "erp-2024-06-01", createAccount, map[string]any{"name": "Hooli"})
		erp.MustOK(t, nil)
		if replayed(erp) {
			t.Fatalf("the integration's request was answered from another member's key: %s", erp)
		}
		expectRows(t, env, "Hooli", 1, 1)

		// The admin, now an analyst, gets no replay of what the admin role got; back as an
		// admin, they do.
		demoted := send(t, env, env.Token("acme", "ANALYST", "admin-1"), "key-1", createAccount, vars)
		if e := demoted.MustFail(t, "FORBIDDEN"); e.Field() != server.IdempotencyHeader || replayed(demoted) || bytes.Contains(demoted.Body, first.Data) {
			t.Fatalf("a replay after the member's role changed: %s", demoted)
		}
		again := send(t, env, admin, "key-1", createAccount, vars)
		again.MustOK(t, nil)
		if !replayed(again) || !bytes.Equal(again.Data, first.Data) {
			t.Fatalf("the admin's own repeat is not the stored response:\nfirst %s\nagain %s", first, again)
		}
		expectRows(t, env, "Initech", 2, 2)
	})
}

// oldIdempotencyKeys is the idempotency_keys table of a database from before keys were per
// member, as ent created it.
var oldIdempotencyKeys = map[string][]string{
	dialect.SQLite: {
		"CREATE TABLE `idempotency_keys` (`id` text NOT NULL, `tenant_id` text NOT NULL, `key` text NOT NULL, `request_hash` text NOT NULL, `response` blob NULL, `created_at` datetime NOT NULL, PRIMARY KEY (`id`))",
		"CREATE UNIQUE INDEX `idempotencykey_tenant_id_key` ON `idempotency_keys` (`tenant_id`, `key`)",
		"CREATE INDEX `idempotencykey_tenant_id_created_at` ON `idempotency_keys` (`tenant_id`, `created_at`)",
	},
	dialect.MySQL: {
		"CREATE TABLE `idempotency_keys` (`id` varchar(36) NOT NULL, `tenant_id` varchar(36) NOT NULL, `key` varchar(255) NOT NULL, " +
			"`request_hash` varchar(64) NOT NULL, `response` longblob NULL, `created_at` datetime(6) NOT NULL, PRIMARY KEY (`id`), " +
			"UNIQUE INDEX `idempotencykey_tenant_id_key` (`tenant_id`, `key`), INDEX `idempotencykey_tenant_id_created_at` (`tenant_id`, `created_at`)) " +
			"CHARSET utf8mb4 COLLATE utf8mb4_bin",
	},
}

// TestIdempotencyKeysMigrate: a database whose keys were per tenant migrates; its stored keys
// belong to no member, so nobody gets their responses, and two members can use one key.
func TestIdempotencyKeysMigrate(t *testing.T) {
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storagetest.Open(t, kind)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.SQL.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec("DROP TABLE idempotency_keys")
			for _, q := range oldIdempotencyKeys[db.Dialect] {
				exec(q)
			}
			acme, err := tenancy.CreateTenant(viewer.AsSystem(ctx, "test"), db.Client, "acme", "Acme")
			if err != nil {
				t.Fatal(err)
			}
			exec("INSERT INTO idempotency_keys (id, tenant_id, `key`, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
				"idk_old", acme.ID, "key-old", "0123", []byte(`{"data":{"createAccount":{"name":"Stale"}}}`), time.Now().UTC())
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			env := apitest.Serve(t, db)
			for _, token := range []string{env.Token("acme", "ADMIN", "admin-1"), env.Token("acme", "INTEGRATION", "erp")} {
				r := send(t, env, token, "key-old", createAccount, map[string]any{"name": "Initech"})
				r.MustOK(t, nil)
				if replayed(r) {
					t.Fatalf("a key stored before the migration was replayed: %s", r)
				}
			}
			expectRows(t, env, "Initech", 2, 2)
		})
	}
}
