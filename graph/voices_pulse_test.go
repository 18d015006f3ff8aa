package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/apitest"
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

		var created struct{ LogInteraction struct{ ID string } }
		c.ok(`mutation($in: LogInteractionInput!) { logInteraction(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"accountID": acme, "channel": "CALL", "direction": "OUTBOUND", "occurredAt": ts(base), "subject": "Kick-off"}}, &created)
		call := created.LogInteraction.ID
		c.ok(`mutation($in: LogInteractionInput!) { logInteraction(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"accountID": acme, "channel": "EMAIL", "direction": "INBOUND", "occurredAt": ts(base.AddDate(0, 0, 10)), "subject": "Follow-up"}}, &created)
		later := created.LogInteraction.ID
		expect("two interactions", check("two interactions")[acme], pulse{LastInteraction: ts(base.AddDate(0, 0, 10))})

		var contract struct{ CreateContract struct{ ID string } }
		c.ok(`mutation($in: CreateContractInput!) { createContract(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"accountID": acme, "number": "P-001", "status": "ACTIVE", "startDate": ts(base), "endDate": ts(base.AddDate(1, 0, 0)),
			"currency": "EUR", "seats": 4, "valueMinor": 100000}}, &contract)
		active := contract.CreateContract.ID
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
		var eu struct{ AddEndUser struct{ ID string } }
		c.ok(`mutation($in: AddEndUserInput!) { addEndUser(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"accountID": acme, "email": email("Pulse user 5"), "name": "Pulse user 5", "status": "INVITED"}}, &eu)
		fifth := eu.AddEndUser.ID
		c.ok(`mutation($id: ID!) { updateEndUser(id: $id, input: {status: ACTIVE}) { id } }`, map[string]any{"id": fifth}, nil)
		expect("an end user activated", check("an end user activated")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 3, Complaints: 2})
		var utilisation struct {
			Node struct{ SeatUtilisation float64 }
		}
		c.ok(`query($id: ID!) { node(id: $id) { ... on Contract { seatUtilisation } } }`, map[string]any{"id": active}, &utilisation)
		if utilisation.Node.SeatUtilisation != 0.75 {
			t.Errorf("seat utilisation %v with 3 active seats of 4, want 0.75", utilisation.Node.SeatUtilisation)
		}
		c.ok(`mutation($id: ID!) { updateEndUser(id: $id, input: {licensed: false}) { id } }`, map[string]any{"id": fifth}, nil)
		check("an end user's licence withdrawn")
		c.ok(`mutation($id: ID!) { updateEndUser(id: $id, input: {licensed: true}) { id } }`, map[string]any{"id": fifth}, nil)
		c.delete("deleteEndUser", fifth)
		expect("an end user deleted", check("an end user deleted")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 10)), Renewal: ts(base.AddDate(1, 0, 0)), Seats: 4, ActiveSeats: 2, Complaints: 2})

		c.ok(`mutation($id: ID!) { resolveComplaint(id: $id, resolution: "Fixed") { id } }`, map[string]any{"id": complaint}, nil)
		c.ok(fmt.Sprintf(`mutation { updateContract(id: %q, input: {seats: 10, endDate: %q}) { id } }`, active, ts(base.AddDate(0, 6, 0))), nil, nil)
		c.delete("deleteInteraction", later)
		expect("resolved, renegotiated, one interaction gone", check("resolved, renegotiated, one interaction gone")[acme], pulse{
			LastInteraction: ts(base), Renewal: ts(base.AddDate(0, 6, 0)), Seats: 10, ActiveSeats: 2, Complaints: 1})
		c.ok(fmt.Sprintf(`mutation { updateInteraction(id: %q, input: {occurredAt: %q}) { id } }`, call, ts(base.AddDate(0, 0, 3))), nil, nil)
		c.ok(fmt.Sprintf(`mutation { updateContract(id: %q, input: {number: "P-001-B"}) { id } }`, active), nil, nil)
		expect("interaction moved", check("interaction moved")[acme], pulse{
			LastInteraction: ts(base.AddDate(0, 0, 3)), Renewal: ts(base.AddDate(0, 6, 0)), Seats: 10, ActiveSeats: 2, Complaints: 1})

		// Bulk sync writes around the hooks: it keeps the signals in step itself.
		sync := func(mutation, input string, items []map[string]any) {
			t.Helper()
			var out map[string]struct{ Failed int }
			c.ok(fmt.Sprintf(`mutation($in: [%s!]!) { %s(input: $in) { failed } }`, input, mutation), map[string]any{"in": items}, &out)
			if out[mutation].Failed != 0 {
				t.Fatalf("%s: %d items failed", mutation, out[mutation].Failed)
			}
		}
		sync("syncInteractions", "SyncInteractionInput", []map[string]any{{"externalID": "I-1", "accountExternalID": "PULSE-2",
			"channel": "MEETING", "direction": "OUTBOUND", "occurredAt": ts(base.AddDate(0, 1, 0)), "subject": "QBR"}})
		sync("syncContracts", "SyncContractInput", []map[string]any{{"externalID": "C-1", "accountExternalID": "PULSE-2",
			"number": "P-002", "status": "ACTIVE", "startDate": ts(base), "endDate": ts(base.AddDate(0, 3, 0)), "currency": "EUR", "seats": 3}})
		sync("syncPeople", "SyncPersonInput", []map[string]any{{"externalID": "PP-1", "email": "pp1@other.example", "name": "PP One"},
			{"externalID": "PP-2", "email": "pp2@other.example", "name": "PP Two"}})
		sync("syncEndUsers", "SyncEndUserInput", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "status": "ACTIVE", "licensed": true},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "ACTIVE", "licensed": true}})
		sync("syncFeedback", "SyncFeedbackInput", []map[string]any{{"externalID": "F-1", "accountExternalID": "PULSE-2",
			"authorExternalID": "PP-1", "kind": "COMPLAINT", "channel": "SUPPORT", "body": "Broken", "receivedAt": ts(base)}})
		expect("synced", check("synced")[other], pulse{
			LastInteraction: ts(base.AddDate(0, 1, 0)), Renewal: ts(base.AddDate(0, 3, 0)), Seats: 3, ActiveSeats: 2, Complaints: 1})
		sync("syncEndUsers", "SyncEndUserInput", []map[string]any{
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "INACTIVE", "licensed": true}})
		sync("syncContracts", "SyncContractInput", []map[string]any{{"externalID": "C-1", "accountExternalID": "PULSE-2",
			"number": "P-002", "status": "EXPIRED", "startDate": ts(base), "endDate": ts(base.AddDate(0, 3, 0)), "currency": "EUR", "seats": 3}})
		expect("synced again", check("synced again")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 1, Complaints: 1})
		// Sync counts the seats from each end user's state before and after: one losing its
		// licence and one coming back cancel out, and a change of department moves nothing.
		sync("syncEndUsers", "SyncEndUserInput", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "status": "ACTIVE", "licensed": false},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "status": "ACTIVE", "licensed": true}})
		expect("seats swapped", check("seats swapped")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 1, Complaints: 1})
		sync("syncEndUsers", "SyncEndUserInput", []map[string]any{
			{"externalID": "E-1", "accountExternalID": "PULSE-2", "personExternalID": "PP-1", "licensed": true},
			{"externalID": "E-2", "accountExternalID": "PULSE-2", "personExternalID": "PP-2", "department": "Operations"}})
		expect("licence back", check("licence back")[other], pulse{LastInteraction: ts(base.AddDate(0, 1, 0)), ActiveSeats: 2, Complaints: 1})
		// A complaint the sync resolves leaves the count; other feedback never enters it.
		sync("syncFeedback", "SyncFeedbackInput", []map[string]any{
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
