package bulksync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// TestSyncLocksOnlyItsRows holds a lock on a person, a buying contact and an end user while a
// sync updates others of the same types: the sync must neither wait for those rows nor lock
// them, as it would if it found its rows by scanning the table. (An OR of two IN lists, key
// and alternate key, made MariaDB scan: quadratic work, and every batch locked the whole
// table.) MariaDB only: SQLite has one writer at a time anyway.
func TestSyncLocksOnlyItsRows(t *testing.T) {
	storagetest.NeedMySQL(t, "test row locks on MariaDB")
	env := apitest.New(t, "mysql")
	const stored, synced = 3000, 1000
	token := env.Token("acme", "INTEGRATION", "erp")
	seed(t, env, token, "a", stored)
	// As a database in use has: statistics that know the tables' sizes. InnoDB updates them in
	// the background, some seconds after a table grows.
	for _, table := range []string{"accounts", "people", "buying_contacts", "end_users"} {
		if _, err := env.DB.SQL.Exec("ANALYZE TABLE " + table); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lock, err := env.DB.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	for _, table := range []string{"people", "buying_contacts", "end_users"} {
		var id string
		err := env.DB.SQL.QueryRowContext(ctx, "SELECT id FROM "+table+" WHERE external_id = ?", fmt.Sprintf("a-%d", stored-1)).Scan(&id)
		if err == nil {
			_, err = lock.ExecContext(ctx, "SELECT id FROM "+table+" WHERE id = ? FOR UPDATE", id)
		}
		if err != nil {
			t.Fatalf("locking a row of %s: %v", table, err)
		}
	}

	// The sync updates others: people found by external id, then by email; contacts and end
	// users by external id.
	done := make(chan string)
	go func() {
		var failures string
		for _, step := range []struct {
			kind  kind
			items []object
		}{
			{syncPeople, people("a", synced, "Renamed", false)},
			{syncPeople, people("a", synced, "Found by email", true)},
			{syncBuyingContacts, contacts("a", synced, "DECISION_MAKER")},
			{syncEndUsers, endUsers("a", synced, "Finance")},
		} {
			resp := env.Do(token, step.kind.query(), map[string]any{"in": step.items})
			var data struct{ R payload }
			if resp.Status != 200 || len(resp.Errors) > 0 || json.Unmarshal(resp.Data, &data) != nil || data.R.Updated != len(step.items) {
				failures += fmt.Sprintf("%s: %s\n", step.kind.mutation, resp)
			}
		}
		done <- failures
	}()
	select {
	case failures := <-done:
		if failures != "" {
			t.Fatal(failures)
		}
	case <-time.After(40 * time.Second): // a lock wait lasts 50 s, the sync a second or two
		_ = lock.Rollback()
		t.Fatalf("the sync waited for rows it does not touch (then: %s)", <-done)
	}
}

// seed syncs n accounts, each with a person who is its buying contact and end user, keyed
// prefix-0 to prefix-(n-1).
func seed(t *testing.T, env *apitest.Env, token, prefix string, n int) {
	t.Helper()
	var accounts []object
	for i := range n {
		accounts = append(accounts, object{"externalID": fmt.Sprintf("%s-%d", prefix, i), "name": fmt.Sprintf("Account %s-%d", prefix, i)})
	}
	for _, step := range []struct {
		kind  kind
		items []object
	}{
		{syncAccounts, accounts},
		{syncPeople, people(prefix, n, "Person", false)},
		{syncBuyingContacts, contacts(prefix, n, "INFLUENCER")},
		{syncEndUsers, endUsers(prefix, n, "Sales")},
	} {
		for start := 0; start < len(step.items); start += 1000 {
			p := doSync(t, env, token, step.kind, step.items[start:min(start+1000, len(step.items))], true)
			if !p.Committed {
				t.Fatalf("seeding %s: %s", step.kind.mutation, p)
			}
		}
	}
}

// people returns n people with their emails and, unless byEmail, their external ids.
func people(prefix string, n int, name string, byEmail bool) []object {
	var out []object
	for i := range n {
		p := object{"email": fmt.Sprintf("%s-%d@example.com", prefix, i), "name": fmt.Sprintf("%s %d", name, i)}
		if !byEmail {
			p["externalID"] = fmt.Sprintf("%s-%d", prefix, i)
		}
		out = append(out, p)
	}
	return out
}

func contacts(prefix string, n int, role string) []object {
	var out []object
	for i := range n {
		out = append(out, object{"externalID": fmt.Sprintf("%s-%d", prefix, i), "accountExternalID": fmt.Sprintf("%s-%d", prefix, i),
			"personExternalID": fmt.Sprintf("%s-%d", prefix, i), "roles": []string{role}})
	}
	return out
}

func endUsers(prefix string, n int, department string) []object {
	var out []object
	for i := range n {
		out = append(out, object{"externalID": fmt.Sprintf("%s-%d", prefix, i), "accountExternalID": fmt.Sprintf("%s-%d", prefix, i),
			"personExternalID": fmt.Sprintf("%s-%d", prefix, i), "department": department})
	}
	return out
}
