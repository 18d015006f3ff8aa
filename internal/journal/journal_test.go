package journal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/journal"
)

// change is a journal row as the API shows it.
type change struct {
	ID           string
	Seq          int
	EntityType   string
	EntityID     string
	ExternalID   *string
	Operation    string
	ActorSubject string
	RequestID    *string
	Fields       []struct {
		Name string
		Old  any
		New  any
	}
}

// field returns the named field change, if the row has one.
func (c change) field(name string) (old, new any, ok bool) {
	for _, f := range c.Fields {
		if f.Name == name {
			return f.Old, f.New, true
		}
	}
	return nil, nil, false
}

func (c change) fieldNames() []string {
	var names []string
	for _, f := range c.Fields {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

const changeFields = `id seq entityType entityID externalID operation actorSubject requestID fields { name old new }`

// client sends operations as one member, with a request id of the test's choosing.
type client struct {
	t     *testing.T
	env   *apitest.Env
	token string
}

func (c *client) do(requestID, query string, vars map[string]any) *apitest.Response {
	c.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		c.t.Fatal(err)
	}
	h := http.Header{}
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	return c.env.Post(c.token, "application/json", body, h)
}

func (c *client) ok(requestID, query string, vars map[string]any) map[string]any {
	c.t.Helper()
	var data map[string]any
	c.do(requestID, query, vars).MustOK(c.t, &data)
	return data
}

// since returns the tenant's journal rows after seq, in order.
func (c *client) since(seq int) []change {
	c.t.Helper()
	var out []change
	var after any
	for {
		var d struct {
			Changes struct {
				Edges    []struct{ Node change }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		c.do("", `query($seq: Int!, $after: Cursor) {
			changes(first: 100, after: $after, where: {seqGT: $seq}) {
				edges { node { `+changeFields+` } } pageInfo { hasNextPage endCursor }
			}
		}`, map[string]any{"seq": seq, "after": after}).MustOK(c.t, &d)
		for _, e := range d.Changes.Edges {
			out = append(out, e.Node)
		}
		if !d.Changes.PageInfo.HasNextPage {
			return out
		}
		after = d.Changes.PageInfo.EndCursor
	}
}

// lastSeq returns the tenant's last journal sequence number.
func (c *client) lastSeq() int {
	c.t.Helper()
	d := c.ok("", `{ changes(first: 1, orderBy: {field: SEQ, direction: DESC}) { edges { node { seq } } } }`, nil)
	edges, _ := d["changes"].(map[string]any)["edges"].([]any)
	if len(edges) == 0 {
		return 0
	}
	return int(edges[0].(map[string]any)["node"].(map[string]any)["seq"].(float64))
}

func get(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func str(v any, path ...string) string {
	s, _ := get(v, path...).(string)
	return s
}

// checkDense fails unless the rows are numbered last+1, last+2, … in order.
func checkDense(t *testing.T, rows []change, last int) {
	t.Helper()
	for i, r := range rows {
		if r.Seq != last+1+i {
			t.Fatalf("row %d has seq %d, want %d: %+v", i, r.Seq, last+1+i, rows)
		}
	}
}

func TestJournalRecordsEveryMutationKind(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		admin := &client{t: t, env: env, token: env.Token("acme", "ADMIN", "admin")}
		integ := &client{t: t, env: env, token: env.Token("acme", "INTEGRATION", "sync-bot")}
		admin.ok("", `{ viewer { role } }`, nil)
		integ.ok("", `{ viewer { role } }`, nil)

		// Every row of the tenant is numbered 1..N, whatever wrote it.
		checkDense(t, admin.since(0), 0)

		t.Run("create", func(t *testing.T) {
			last := admin.lastSeq()
			d := admin.ok("req-create-1", `mutation { createAccount(input: {name: "Globex", externalID: "ACC-1", tier: KEY, industry: ""}) { id } }`, nil)
			id := str(d, "createAccount", "id")
			rows := admin.since(last)
			checkDense(t, rows, last)
			if len(rows) != 1 {
				t.Fatalf("createAccount wrote %d rows: %+v", len(rows), rows)
			}
			r := rows[0]
			if r.EntityType != "Account" || r.EntityID != id || r.Operation != "CREATE" || r.ActorSubject != "admin" ||
				r.RequestID == nil || *r.RequestID != "req-create-1" || r.ExternalID == nil || *r.ExternalID != "ACC-1" {
				t.Errorf("create row %+v", r)
			}
			if old, nv, ok := r.field("name"); !ok || old != nil || nv != "Globex" {
				t.Errorf("create row's name: %v → %v (%v)", old, nv, ok)
			}
			if _, nv, ok := r.field("tier"); !ok || nv != "KEY" {
				t.Errorf("create row's tier: %v (%v)", nv, ok)
			}
			for _, skipped := range []string{"tenant_id", "updated_at", "version"} {
				if _, _, ok := r.field(skipped); ok {
					t.Errorf("create row records %s: %v", skipped, r.fieldNames())
				}
			}

			// A create that makes two entities writes two rows, one request.
			last = admin.lastSeq()
			d = admin.ok("req-create-2", `mutation($a: ID!) {
				addBuyingContact(input: {accountID: $a, email: "bea@globex.example", name: "Bea"}) { id personID }
			}`, map[string]any{"a": id})
			rows = admin.since(last)
			checkDense(t, rows, last)
			got := map[string]string{}
			for _, r := range rows {
				if r.Operation != "CREATE" || r.RequestID == nil || *r.RequestID != "req-create-2" {
					t.Errorf("addBuyingContact row %+v", r)
				}
				got[r.EntityType] = r.EntityID
			}
			if len(rows) != 2 || got["Person"] != str(d, "addBuyingContact", "personID") || got["BuyingContact"] != str(d, "addBuyingContact", "id") {
				t.Errorf("addBuyingContact wrote %+v", rows)
			}
		})

		d := admin.ok("", `mutation {
			a: createAccount(input: {name: "Initech", externalID: "ACC-2", tier: KEY, stage: ACTIVE, region: "EMEA"}) { id version updatedAt }
		}`, nil)
		account := str(d, "a", "id")
		updatedAt := str(d, "a", "updatedAt")

		t.Run("update records only what changed", func(t *testing.T) {
			last := admin.lastSeq()
			d := integ.ok("req-update", `mutation($id: ID!) {
				updateAccount(id: $id, input: {name: "Initech Corp", tier: KEY, stage: ACTIVE, industry: "Software", clearRegion: true}) { version }
			}`, map[string]any{"id": account})
			if v := get(d, "updateAccount", "version"); v != float64(2) {
				t.Errorf("version after an update: %v", v)
			}
			rows := admin.since(last)
			checkDense(t, rows, last)
			if len(rows) != 1 {
				t.Fatalf("updateAccount wrote %d rows: %+v", len(rows), rows)
			}
			r := rows[0]
			if r.Operation != "UPDATE" || r.EntityID != account || r.ActorSubject != "sync-bot" ||
				r.RequestID == nil || *r.RequestID != "req-update" || r.ExternalID == nil || *r.ExternalID != "ACC-2" {
				t.Errorf("update row %+v", r)
			}
			if names := r.fieldNames(); !slices.Equal(names, []string{"industry", "name", "region"}) {
				t.Errorf("update row records %v, want industry, name and region only", names)
			}
			if old, nv, _ := r.field("name"); old != "Initech" || nv != "Initech Corp" {
				t.Errorf("name: %v → %v", old, nv)
			}
			if old, nv, _ := r.field("region"); old != "EMEA" || nv != nil {
				t.Errorf("region: %v → %v", old, nv)
			}
			if old, nv, _ := r.field("industry"); (old != nil && old != "") || nv != "Software" {
				t.Errorf("industry: %v → %v", old, nv)
			}

			// An owner change names the member before and after.
			last = admin.lastSeq()
			me := str(admin.ok("", `{ viewer { member { id } } }`, nil), "viewer", "member", "id")
			admin.ok("", `mutation($id: ID!, $o: ID!) { updateAccount(id: $id, input: {ownerID: $o}) { id } }`,
				map[string]any{"id": account, "o": me})
			rows = admin.since(last)
			if len(rows) != 1 {
				t.Fatalf("owner change wrote %+v", rows)
			}
			if old, nv, ok := rows[0].field("owner_id"); !ok || old != nil || nv != me {
				t.Errorf("owner change: %v → %v in %+v", old, nv, rows[0].Fields)
			}
		})

		t.Run("clearing a field records null", func(t *testing.T) {
			d := admin.ok("", `mutation($a: ID!) {
				createContract(input: {number: "C-0", startDate: "2025-01-01T00:00:00Z", endDate: "2026-01-01T00:00:00Z",
					currency: "EUR", seats: 0, accountID: $a}) { id seats }
			}`, map[string]any{"a": account})
			contract := str(d, "createContract", "id")
			last := admin.lastSeq()
			d = admin.ok("", `mutation($id: ID!) { updateContract(id: $id, input: {clearSeats: true}) { seats version } }`,
				map[string]any{"id": contract})
			if get(d, "updateContract", "seats") != nil || get(d, "updateContract", "version") != float64(2) {
				t.Errorf("clearing seats of 0: %v", d)
			}
			rows := admin.since(last)
			if len(rows) != 1 {
				t.Fatalf("clearing seats wrote %+v", rows)
			}
			if old, nv, ok := rows[0].field("seats"); !ok || old != float64(0) || nv != nil {
				t.Errorf("clearing seats: %v → %v in %+v", old, nv, rows[0].Fields)
			}
			// Clearing it again changes nothing.
			last = admin.lastSeq()
			admin.ok("", `mutation($id: ID!) { updateContract(id: $id, input: {clearSeats: true}) { id } }`, map[string]any{"id": contract})
			if rows := admin.since(last); len(rows) != 0 {
				t.Errorf("clearing seats again wrote %+v", rows)
			}
			admin.ok("", `mutation($id: ID!) { deleteContract(id: $id) { deletedID } }`, map[string]any{"id": contract})
		})

		t.Run("an update that changes nothing writes nothing", func(t *testing.T) {
			before := admin.ok("", `query($id: ID!) { node(id: $id) { ... on Account { version updatedAt } } }`, map[string]any{"id": account})
			last := admin.lastSeq()
			d := admin.ok("", `mutation($id: ID!) {
				updateAccount(id: $id, input: {name: "Initech Corp", tier: KEY, industry: "Software", clearRegion: true}) { version updatedAt }
			}`, map[string]any{"id": account})
			if get(d, "updateAccount", "version") != get(before, "node", "version") ||
				get(d, "updateAccount", "updatedAt") != get(before, "node", "updatedAt") {
				t.Errorf("a no-op update bumped the account: %v → %v", before, d)
			}
			if rows := admin.since(last); len(rows) != 0 {
				t.Errorf("a no-op update wrote %+v", rows)
			}
			if updatedAt == "" {
				t.Error("no updatedAt")
			}
		})

		t.Run("council session attendees", func(t *testing.T) {
			d := admin.ok("", `mutation($a: ID!) {
				eu: addEndUser(input: {accountID: $a, email: "uma@globex.example", name: "Uma"}) { personID }
				c: createUserCouncil(input: {name: "Users", accountID: $a}) { id }
			}`, map[string]any{"a": account})
			person, council := str(d, "eu", "personID"), str(d, "c", "id")
			admin.ok("", `mutation($c: ID!, $p: ID!) { addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
				map[string]any{"c": council, "p": person})

			last := admin.lastSeq()
			d = admin.ok("req-session", `mutation($c: ID!, $p: ID!) {
				recordCouncilSession(input: {councilID: $c, heldAt: "2025-03-01T10:00:00Z", attendeeIDs: [$p],
					feedback: [{authorID: $p, kind: NPS, score: 3}]}) { id }
			}`, map[string]any{"c": council, "p": person})
			session := str(d, "recordCouncilSession", "id")
			rows := admin.since(last)
			checkDense(t, rows, last)
			if len(rows) != 2 || rows[0].EntityType != "CouncilSession" || rows[1].EntityType != "Feedback" {
				t.Fatalf("recordCouncilSession wrote %+v", rows)
			}
			if _, nv, ok := rows[0].field("attendees"); !ok || !reflect.DeepEqual(nv, []any{person}) {
				t.Errorf("session create row's attendees: %v in %+v", nv, rows[0].Fields)
			}

			last = admin.lastSeq()
			admin.ok("", `mutation($s: ID!, $p: ID!) { updateCouncilSession(id: $s, input: {removeAttendeeIDs: [$p]}) { id } }`,
				map[string]any{"s": session, "p": person})
			admin.ok("", `mutation($s: ID!, $p: ID!) { updateCouncilSession(id: $s, input: {addAttendeeIDs: [$p], notes: "good"}) { id } }`,
				map[string]any{"s": session, "p": person})
			rows = admin.since(last)
			if len(rows) != 2 {
				t.Fatalf("two attendee updates wrote %+v", rows)
			}
			if old, nv, ok := rows[0].field("attendees"); !ok || !reflect.DeepEqual(old, []any{person}) || nv != nil {
				t.Errorf("removing an attendee: %v → %v in %+v", old, nv, rows[0].Fields)
			}
			if old, nv, ok := rows[1].field("attendees"); !ok || old != nil || !reflect.DeepEqual(nv, []any{person}) {
				t.Errorf("adding an attendee: %v → %v in %+v", old, nv, rows[1].Fields)
			}
			if names := rows[1].fieldNames(); !slices.Equal(names, []string{"attendees", "notes"}) {
				t.Errorf("adding an attendee with notes records %v", names)
			}
		})

		t.Run("delete with its cascade", func(t *testing.T) {
			d := admin.ok("", `{ people(where: {email: "bea@globex.example"}) { edges { node { id } } } }`, nil)
			bea := str(get(d, "people", "edges").([]any)[0], "node", "id")
			d = admin.ok("", `mutation($a: ID!, $p: ID!) {
				child: createAccount(input: {name: "Initech Labs", parentID: $a}) { id }
				i: logInteraction(input: {accountID: $a, channel: MEETING, direction: OUTBOUND, subject: "QBR", participantIDs: [$p]}) { id }
				ctr: createContract(input: {number: "C-1", externalID: "CTR-1", startDate: "2025-01-01T00:00:00Z",
					endDate: "2026-01-01T00:00:00Z", currency: "eur", accountID: $a}) { id }
			}`, map[string]any{"a": account, "p": bea})
			child, contract := str(d, "child", "id"), str(d, "ctr", "id")

			last := admin.lastSeq()
			d = admin.ok("req-delete", `mutation($a: ID!) { deleteAccount(id: $a) { deletedID cascadedIDs } }`, map[string]any{"a": account})
			deleted := []string{str(d, "deleteAccount", "deletedID")}
			for _, id := range get(d, "deleteAccount", "cascadedIDs").([]any) {
				deleted = append(deleted, id.(string))
			}
			rows := admin.since(last)
			checkDense(t, rows, last)
			perEntity := map[string][]string{}
			for _, r := range rows {
				perEntity[r.EntityID] = append(perEntity[r.EntityID], r.Operation)
				if r.RequestID == nil || *r.RequestID != "req-delete" || r.ActorSubject != "admin" {
					t.Errorf("delete row %+v", r)
				}
			}
			// Every deleted entity has exactly one DELETE row; the detached subsidiary one UPDATE.
			for _, id := range deleted {
				if ops := perEntity[id]; !slices.Equal(ops, []string{"DELETE"}) {
					t.Errorf("%s: rows %v, want one DELETE", id, ops)
				}
			}
			if ops := perEntity[child]; !slices.Equal(ops, []string{"UPDATE"}) {
				t.Errorf("the detached subsidiary: rows %v, want one UPDATE", ops)
			}
			if len(perEntity) != len(deleted)+1 {
				t.Errorf("deleting the account touched %d entities, reported %d deleted and 1 detached: %v",
					len(perEntity), len(deleted), perEntity)
			}
			for _, r := range rows {
				switch {
				case r.EntityID == account:
					if r.ExternalID == nil || *r.ExternalID != "ACC-2" {
						t.Errorf("the account's DELETE row has no external id: %+v", r)
					}
					if old, nv, ok := r.field("name"); !ok || old != "Initech Corp" || nv != nil {
						t.Errorf("the account's DELETE row: name %v → %v", old, nv)
					}
				case r.EntityID == child:
					if old, nv, ok := r.field("parent_id"); !ok || old != account || nv != nil {
						t.Errorf("the subsidiary's UPDATE row: parent_id %v → %v in %+v", old, nv, r.Fields)
					}
				case r.EntityID == contract:
					if r.ExternalID == nil || *r.ExternalID != "CTR-1" {
						t.Errorf("the contract's DELETE row has no external id: %+v", r)
					}
				}
			}
		})

		t.Run("nothing from a rolled-back operation", func(t *testing.T) {
			last := admin.lastSeq()
			r := admin.do("req-rollback", `mutation {
				a: createAccount(input: {name: "Kept?", externalID: "ACC-kept"}) { id }
				b: createAccount(input: {name: ""}) { id }
			}`, nil)
			r.MustFail(t, "BAD_USER_INPUT")
			if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
				t.Errorf("a refused operation returned data: %s", d)
			}
			// A refusal in the middle of a domain operation: the session was written first.
			d := admin.ok("", `mutation {
				a: createAccount(input: {name: "Hooli"}) { id }
			}`, nil)
			hooli := str(d, "a", "id")
			last = admin.lastSeq()
			admin.ok("", `mutation($a: ID!) {
				eu: addEndUser(input: {accountID: $a, email: "gavin@hooli.example", name: "Gavin"}) { personID }
				c: createUserCouncil(input: {name: "Hooli users", accountID: $a}) { id }
			}`, map[string]any{"a": hooli})
			last = admin.lastSeq()
			d = admin.ok("", `{ userCouncils(where: {name: "Hooli users"}) { edges { node { id } } } people(where: {email: "gavin@hooli.example"}) { edges { node { id } } } }`, nil)
			council := str(get(d, "userCouncils", "edges").([]any)[0], "node", "id")
			gavin := str(get(d, "people", "edges").([]any)[0], "node", "id")
			admin.ok("", `mutation($c: ID!, $p: ID!) { addCouncilMember(input: {councilID: $c, personID: $p}) { id } }`,
				map[string]any{"c": council, "p": gavin})
			last = admin.lastSeq()
			admin.do("", `mutation($c: ID!, $p: ID!) {
				recordCouncilSession(input: {councilID: $c, heldAt: "2025-03-01T10:00:00Z", attendeeIDs: [$p],
					feedback: [{authorID: $p, kind: NPS, score: 3}, {authorID: $p, kind: NPS, score: 11}]}) { id }
			}`, map[string]any{"c": council, "p": gavin}).MustFail(t, "BAD_USER_INPUT")
			if rows := admin.since(last); len(rows) != 0 {
				t.Errorf("a refused session wrote %+v", rows)
			}
			d = admin.ok("", `query($c: ID!) { node(id: $c) { ... on UserCouncil { sessions { totalCount } } } accounts(where: {name: "Kept?"}) { totalCount } }`,
				map[string]any{"c": council})
			if get(d, "node", "sessions", "totalCount") != float64(0) || get(d, "accounts", "totalCount") != float64(0) {
				t.Errorf("refused writes are visible: %v", d)
			}

			// Directly on the data layer: a transaction that wrote and then failed.
			ctx := env.Viewer("acme", "INTEGRATION", "sync-bot")
			err := journal.Run(ctx, env.DB.Client, func(ctx context.Context, tx *ent.Tx) error {
				if _, err := tx.Account.Create().SetName("Rolled back").Save(ctx); err != nil {
					return err
				}
				return errors.New("the sync failed half way")
			})
			if err == nil {
				t.Fatal("journal.Run returned no error")
			}
			if rows := admin.since(last); len(rows) != 0 {
				t.Errorf("a rolled-back transaction wrote %+v", rows)
			}

			// The next committed change takes the next number: a rollback leaves no gap.
			admin.ok("", `mutation { createAccount(input: {name: "After"}) { id } }`, nil)
			rows := admin.since(last)
			checkDense(t, rows, last)
			if len(rows) != 1 {
				t.Errorf("after rollbacks: %+v", rows)
			}
		})

		t.Run("request ids", func(t *testing.T) {
			last := admin.lastSeq()
			admin.ok("bad request id with spaces", `mutation { createAccount(input: {name: "Umbrella"}) { id } }`, nil)
			admin.ok("", `mutation { createAccount(input: {name: "Vandelay"}) { id } }`, nil)
			rows := admin.since(last)
			if len(rows) != 2 {
				t.Fatalf("rows %+v", rows)
			}
			for _, r := range rows {
				if r.RequestID == nil || *r.RequestID == "" || strings.Contains(*r.RequestID, " ") {
					t.Errorf("request id %v: want a generated one", r.RequestID)
				}
			}
			if *rows[0].RequestID == *rows[1].RequestID {
				t.Errorf("two requests share the id %s", *rows[0].RequestID)
			}
		})

		checkDense(t, admin.since(0), 0)
	})
}

// TestJournalConcurrentWritersAndPagingReader: writers commit and roll back concurrently,
// through the API and directly through journal.Run, while a reader pages the journal by
// cursor. The reader must see every committed row exactly once, in sequence order, with no
// gap: a row that became visible after a later one would be skipped by its cursor.
func TestJournalConcurrentWritersAndPagingReader(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		const (
			apiWriters    = 4
			directWriters = 3
			opsPerWriter  = 12
		)
		admin := &client{t: t, env: env, token: env.Token("acme", "ADMIN", "admin")}
		integ := &client{t: t, env: env, token: env.Token("acme", "INTEGRATION", "sync-bot")}
		admin.ok("", `{ viewer { role } }`, nil)
		integ.ok("", `{ viewer { role } }`, nil)
		d := admin.ok("", `mutation { createAccount(input: {name: "Shared"}) { id } }`, nil)
		shared := str(d, "createAccount", "id")

		var wg sync.WaitGroup
		errc := make(chan error, (apiWriters+directWriters)*opsPerWriter)
		done := make(chan struct{})
		committed := make(chan int, (apiWriters+directWriters)*opsPerWriter)
		for w := range apiWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := &client{t: t, env: env, token: integ.token}
				for i := range opsPerWriter {
					var r *apitest.Response
					switch i % 4 {
					case 0, 1: // two creates in one operation
						r = c.do("", fmt.Sprintf(`mutation {
							a: createAccount(input: {name: "w%d-%d-a"}) { id }
							b: createPerson(input: {email: "w%d-%d@example.com", name: "P"}) { id }
						}`, w, i, w, i), nil)
					case 2: // an update of a row every writer updates
						r = c.do("", `mutation($id: ID!, $n: String!) { updateAccount(id: $id, input: {industry: $n}) { id } }`,
							map[string]any{"id": shared, "n": fmt.Sprintf("w%d-%d", w, i)})
					case 3: // written, then refused: rolled back
						r = c.do("", fmt.Sprintf(`mutation {
							a: createAccount(input: {name: "w%d-%d-rolled-back"}) { id }
							b: createAccount(input: {name: ""}) { id }
						}`, w, i), nil)
						if len(r.Errors) == 0 {
							errc <- fmt.Errorf("writer %d op %d: an invalid operation succeeded", w, i)
						}
						continue
					}
					if len(r.Errors) > 0 {
						errc <- fmt.Errorf("writer %d op %d: %s", w, i, r.Body)
						continue
					}
					committed <- 1
				}
			}()
		}
		for w := range directWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := env.Viewer("acme", "INTEGRATION", "sync-bot")
				for i := range opsPerWriter {
					rollback := i%3 == 2
					err := journal.Run(ctx, env.DB.Client, func(ctx context.Context, tx *ent.Tx) error {
						for j := range 3 {
							if _, err := tx.Account.Create().SetName(fmt.Sprintf("d%d-%d-%d", w, i, j)).Save(ctx); err != nil {
								return err
							}
						}
						if rollback {
							return errors.New("rolled back on purpose")
						}
						return nil
					})
					switch {
					case rollback && err == nil:
						errc <- fmt.Errorf("direct writer %d op %d: no error", w, i)
					case !rollback && err != nil:
						errc <- fmt.Errorf("direct writer %d op %d: %v", w, i, err)
					case !rollback:
						committed <- 1
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()

		// The reader pages by cursor until the writers are done and it has caught up.
		reader := &client{t: t, env: env, token: admin.token}
		var seen []change
		var after any
		finished := false
		pagesWhileWriting := 0
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			select {
			case <-done:
				finished = true
			default:
			}
			var page struct {
				Changes struct {
					Edges    []struct{ Node change }
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
			reader.do("", `query($after: Cursor) {
				changes(first: 7, after: $after) { edges { node { id seq entityType entityID operation } } pageInfo { hasNextPage endCursor } }
			}`, map[string]any{"after": after}).MustOK(t, &page)
			for _, e := range page.Changes.Edges {
				seen = append(seen, e.Node)
			}
			if !finished {
				pagesWhileWriting++
			}
			if page.Changes.PageInfo.EndCursor != nil {
				after = *page.Changes.PageInfo.EndCursor
			}
			if finished && len(page.Changes.Edges) == 0 {
				break
			}
		}
		if !finished {
			t.Fatal("the writers did not finish in time")
		}
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		commits := len(committed)
		t.Logf("%d commits; the reader read %d rows, %d pages of them while the writers wrote", commits, len(seen), pagesWhileWriting)
		if pagesWhileWriting < 2 {
			t.Errorf("the reader read %d pages while the writers wrote: the test did not interleave", pagesWhileWriting)
		}

		all := admin.since(0)
		if len(all) == 0 {
			t.Fatal("no journal")
		}
		seenIDs := map[string]bool{}
		for i, c := range seen {
			if c.Seq != i+1 {
				t.Fatalf("the reader's row %d has seq %d (rows seen: %d, journal: %d): it skipped or repeated a row",
					i, c.Seq, len(seen), len(all))
			}
			if seenIDs[c.ID] {
				t.Fatalf("the reader saw %s twice", c.ID)
			}
			seenIDs[c.ID] = true
		}
		if len(seen) != len(all) {
			t.Fatalf("the reader saw %d rows, the journal holds %d", len(seen), len(all))
		}
		checkDense(t, all, 0)
		for i := range all {
			if all[i].ID != seen[i].ID {
				t.Fatalf("row %d: the reader saw %s, the journal holds %s", i, seen[i].ID, all[i].ID)
			}
		}
		d = admin.ok("", `{ accounts(where: {nameContains: "rolled-back"}) { totalCount } }`, nil)
		if get(d, "accounts", "totalCount") != float64(0) {
			t.Errorf("rolled-back accounts are visible: %v", d)
		}
		// Every committed write is in the journal: one row per entity written.
		wantWrites := apiWriters*opsPerWriter/4*(2*2+1) + directWriters*(opsPerWriter-opsPerWriter/3)*3
		var writes int
		for _, c := range all {
			if c.EntityType == "Account" && c.EntityID == shared && c.Operation == "UPDATE" ||
				(c.Operation == "CREATE" && (c.EntityType == "Account" || c.EntityType == "Person") && c.EntityID != shared) {
				writes++
			}
		}
		if writes != wantWrites {
			t.Errorf("the journal holds %d rows of the writers' %d commits, want %d", writes, commits, wantWrites)
		}
	})
}
