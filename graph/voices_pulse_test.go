package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
	"github.com/stakegraph/stakegraph/internal/derived"
)

// pulse is an account's maintained signals, comparable.
type pulse struct {
	LastInteraction, Renewal string
	Seats                    int64
	ActiveSeats, Complaints  int
}

// TestAccountPulseStaysInStep changes accounts' interactions, contracts, end users and
// complaints through every path that writes them (mutations, the complaint workflow, bulk
// sync, deletions, the cascade of an account) and checks after each step that the maintained
// AccountPulse rows equal rows rebuilt from scratch, and hold the values the step implies.
func TestAccountPulseStaysInStep(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "pulse-admin")
		bg := context.Background()
		ctx := privacy.DecisionContext(env.Viewer("acme", "ADMIN", "pulse-admin"), privacy.Allow)
		read := func() map[string]pulse {
			t.Helper()
			rows, err := env.DB.Client.AccountPulse.Query().All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]pulse{}
			for _, r := range rows {
				p := pulse{Seats: r.Seats, ActiveSeats: r.ActiveSeats, Complaints: r.OpenComplaints}
				if r.LastInteractionAt != nil {
					p.LastInteraction = ts(*r.LastInteractionAt)
				}
				if r.RenewalAt != nil {
					p.Renewal = ts(*r.RenewalAt)
				}
				out[r.AccountID] = p
			}
			return out
		}
		// check compares the maintained rows with rebuilt ones and returns them.
		check := func(step string) map[string]pulse {
			t.Helper()
			maintained := read()
			if _, err := env.DB.Client.AccountPulse.Delete().Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := derived.BackfillPulse(context.Background(), env.DB.Client); err != nil {
				t.Fatal(err)
			}
			rebuilt := read()
			for id, want := range rebuilt {
				// An account without any signal needs no row; the rebuild writes one anyway.
				if got := maintained[id]; got != want {
					t.Errorf("%s: account %s's signals are %+v, rebuilt %+v", step, id, got, want)
				}
			}
			for id := range maintained {
				if _, ok := rebuilt[id]; !ok {
					t.Errorf("%s: account %s has signals but no longer exists", step, id)
				}
			}
			return maintained
		}
		expect := func(step string, got, want pulse) {
			t.Helper()
			if got != want {
				t.Errorf("%s: signals %+v, want %+v", step, got, want)
			}
		}

		base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		acme := c.createAccount("Pulse Acme", map[string]any{"externalID": "PULSE-1"})
		other := c.createAccount("Pulse Other", map[string]any{"externalID": "PULSE-2"})
		check("accounts alone")

		logInteraction := func(input map[string]any) string {
			t.Helper()
			return gqltest.Data(gqltest.LogInteraction(bg, c.api, typedInput[gqltest.LogInteractionInput](t, input))).LogInteraction.Id
		}
		call := logInteraction(map[string]any{
			"accountID": acme, "channel": "CALL", "direction": "OUTBOUND", "occurredAt": ts(base), "subject": "Kick-off"})
		later := logInteraction(map[string]any{
			"accountID": acme, "channel": "EMAIL", "direction": "INBOUND", "occurredAt": ts(base.AddDate(0, 0, 10)), "subject": "Follow-up"})
		expect("two interactions", check("two interactions")[acme], pulse{LastInteraction: ts(base.AddDate(0, 0, 10))})

		active := gqltest.Data(gqltest.CreateContract(bg, c.api, typedInput[gqltest.CreateContractInput](t, map[string]any{
			"accountID": acme, "number": "P-001", "status": "ACTIVE", "startDate": ts(base), "endDate": ts(base.AddDate(1, 0, 0)),
			"currency": "EUR", "seats": 4, "valueMinor": 100000}))).CreateContract.Id
		c.endUser(acme, "Pulse user 1", map[string]any{"status": "ACTIVE", "licensed": true})
		c.endUser(acme, "Pulse user 2", map[string]any{"status": "ACTIVE", "licensed": true})
		c.endUser(acme, "Pulse user 3", map[string]any{"status": "INVITED", "licensed": true})
		expect("contract and end users", check("contract and end users")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 2})

		author := c.endUser(acme, "Pulse user 4", map[string]any{"status": "INACTIVE"})
		complaint := c.feedback(map[string]any{"accountID": acme, "authorID": author, "kind": "COMPLAINT", "body": "Slow", "receivedAt": ts(base)})
		c.feedback(map[string]any{"accountID": acme, "authorID": author, "kind": "COMPLAINT", "body": "Down", "receivedAt": ts(base)})
		c.feedback(map[string]any{"accountID": acme, "authorID": author, "kind": "PRAISE", "body": "Nice", "receivedAt": ts(base)})
		expect("two complaints", check("two complaints")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 2, Complaints: 2})

		// An end user's seat moves with its status and licence, and goes with it; contracts
		// read the same count.
		fifth := gqltest.Data(gqltest.AddEndUser(bg, c.api, typedInput[gqltest.AddEndUserInput](t, map[string]any{
			"accountID": acme, "email": email("Pulse user 5"), "name": "Pulse user 5", "status": "INVITED"}))).AddEndUser.Id
		gqltest.SetEndUserStatus(bg, c.api, fifth, gqltest.EndUserStatusActive)
		expect("an end user activated", check("an end user activated")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 3, Complaints: 2})
		utilisation := asNode[*gqltest.ContractSeatUtilisationNodeContract](t,
			gqltest.Data(gqltest.ContractSeatUtilisation(bg, c.api, active)).Node, active).SeatUtilisation
		if utilisation == nil || *utilisation != 0.75 {
			t.Errorf("seat utilisation %s with 3 active seats of 4, want 0.75", show(utilisation))
		}
		gqltest.SetEndUserLicensed(bg, c.api, fifth, false)
		check("an end user's licence withdrawn")
		gqltest.SetEndUserLicensed(bg, c.api, fifth, true)
		c.delete("deleteEndUser", fifth)
		expect("an end user deleted", check("an end user deleted")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 2, Complaints: 2})

		gqltest.ResolveComplaint(bg, c.api, complaint, "Fixed")
		gqltest.RenegotiateContract(bg, c.api, active, 10, base.AddDate(0, 6, 0))
		c.delete("deleteInteraction", later)
		expect("resolved, renegotiated, one interaction gone", check("resolved, renegotiated, one interaction gone")[acme], pulse{
			LastInteraction: ts(base), Renewal: ts(base.AddDate(0, 6, 0)), Seats: 10, ActiveSeats: 2, Complaints: 1})
		gqltest.MoveInteraction(bg, c.api, call, base.AddDate(0, 0, 3))
		gqltest.RenumberContract(bg, c.api, active, "P-001-B")
		expect("interaction moved", check("interaction moved")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 3)), Renewal: ts(base.AddDate(0, 6, 0)), Seats: 10, ActiveSeats: 2, Complaints: 1})

		// Bulk sync writes around the hooks: it keeps the signals in step itself.
		sync := func(mutation string, items []map[string]any) {
			t.Helper()
			var failed int
			switch mutation {
			case "syncInteractions":
				failed = gqltest.Data(gqltest.SyncInteractionsEach(bg, c.api, typedInputs[gqltest.SyncInteractionInput](t, items))).SyncInteractions.Failed
			case "syncContracts":
				failed = gqltest.Data(gqltest.SyncContractsEach(bg, c.api, typedInputs[gqltest.SyncContractInput](t, items))).SyncContracts.Failed
			case "syncPeople":
				failed = gqltest.Data(gqltest.SyncPeopleEach(bg, c.api, typedInputs[gqltest.SyncPersonInput](t, items))).SyncPeople.Failed
			case "syncEndUsers":
				failed = gqltest.Data(gqltest.SyncEndUsersEach(bg, c.api, typedInputs[gqltest.SyncEndUserInput](t, items))).SyncEndUsers.Failed
			case "syncFeedback":
				failed = gqltest.Data(gqltest.SyncFeedbackEach(bg, c.api, typedInputs[gqltest.SyncFeedbackInput](t, items))).SyncFeedback.Failed
			default:
				t.Fatalf("no sync %s", mutation)
			}
			if failed != 0 {
				t.Fatalf("%s: %d items failed", mutation, failed)
			}
		}
		sync("syncInteractions", []map[string]any{{"externalID": "I-1", "accountExternalID": "PULSE-2",
			"channel": "MEETING", "direction": "OUTBOUND", "occurredAt": ts(base.AddDate(0, 1, 0)), "subject": "QBR"}})
		sync("syncContracts", []map[string]any{{"externalID": "C-1", "accountExternalID": "PULSE-2",
			"number": "P-002", "status": "ACTIVE", "startDate": ts(base), "endDate": ts(base.AddDate(0, 3, 0)), "currency": "EUR", "seats": 3}})
		sync("syncPeople", []map[string]any{{"externalID": "PP-1", "email": "pp1@other.example", "name": "PP One"},
			{"externalID": "PP-2", "email": "pp2@other.example", "name": "PP Two"}})
		sync("syncEndUsers", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "status": "ACTIVE", "licensed": true},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "ACTIVE", "licensed": true}})
		sync("syncFeedback", []map[string]any{{"externalID": "F-1", "accountExternalID": "PULSE-2",
			"authorExternalID": "PP-1", "kind": "COMPLAINT", "channel": "SUPPORT", "body": "Broken", "receivedAt": ts(base)}})
		expect("synced", check("synced")[other], pulse{
			LastInteraction: ts(base.AddDate(0, 1, 0)), Renewal: ts(base.AddDate(0, 3, 0)), Seats: 3, ActiveSeats: 2, Complaints: 1})
		sync("syncEndUsers", []map[string]any{
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "INACTIVE", "licensed": true}})
		sync("syncContracts", []map[string]any{{"externalID": "C-1", "accountExternalID": "PULSE-2",
			"number": "P-002", "status": "EXPIRED", "startDate": ts(base), "endDate": ts(base.AddDate(0, 3, 0)), "currency": "EUR", "seats": 3}})
		expect("synced again", check("synced again")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 1, Complaints: 1})
		// Sync counts the seats from each end user's state before and after: one losing its
		// licence and one coming back cancel out, and a change of department moves nothing.
		sync("syncEndUsers", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "status": "ACTIVE", "licensed": false},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "ACTIVE", "licensed": true}})
		expect("seats swapped", check("seats swapped")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 1, Complaints: 1})
		sync("syncEndUsers", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "licensed": true},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "department": "Operations"}})
		expect("licence back", check("licence back")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 2, Complaints: 1})
		// A complaint the sync resolves leaves the count; other feedback never enters it.
		sync("syncFeedback", []map[string]any{
			{"externalID": "F-1", "accountExternalID": "PULSE-2", "authorExternalID": "PP-1", "kind": "COMPLAINT",
				"channel": "SUPPORT", "body": "Broken", "receivedAt": ts(base), "status": "RESOLVED"},
			{"externalID": "F-2", "accountExternalID": "PULSE-2", "authorExternalID": "PP-2", "kind": "PRAISE",
				"channel": "SUPPORT", "body": "Thanks", "receivedAt": ts(base)}})
		expect("complaint resolved", check("complaint resolved")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 2})

		// Deleting an account takes its signals with it; the other's stay.
		c.delete("deleteAccount", other)
		c.delete("deleteInteraction", call)
		after := check("an account deleted")
		if _, ok := after[other]; ok {
			t.Errorf("the deleted account still has signals")
		}
		expect("an account deleted", after[acme], pulse{Renewal: ts(base.AddDate(0, 6, 0)), Seats: 10, ActiveSeats: 2, Complaints: 1})
	})
}

// typedInputs decodes each item, as typedInput does, into the typed input of the operation.
func typedInputs[T any](t *testing.T, items []map[string]any) []T {
	t.Helper()
	out := make([]T, len(items))
	for i, item := range items {
		out[i] = typedInput[T](t, item)
	}
	return out
}
