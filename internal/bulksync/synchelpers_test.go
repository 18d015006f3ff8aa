package bulksync_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	entfeedback "github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/apitest"
)

// kind is one sync mutation with its input type, the table it writes and the entity type the
// journal names.
type kind struct {
	mutation string
	input    string
	table    string
	entity   string
}

var (
	syncAccounts       = kind{"syncAccounts", "SyncAccountInput", "accounts", "Account"}
	syncPeople         = kind{"syncPeople", "SyncPersonInput", entPeople, "Person"}
	syncBuyingContacts = kind{"syncBuyingContacts", "SyncBuyingContactInput", "buying_contacts", "BuyingContact"}
	syncEndUsers       = kind{"syncEndUsers", "SyncEndUserInput", "end_users", "EndUser"}
	syncContracts      = kind{"syncContracts", "SyncContractInput", "contracts", "Contract"}
	syncInteractions   = kind{"syncInteractions", "SyncInteractionInput", "interactions", "Interaction"}
	syncFeedback       = kind{"syncFeedback", "SyncFeedbackInput", entfeedback.Table, "Feedback"}
)

func (k kind) query() string {
	return fmt.Sprintf(`mutation($in: [%s!]!, $all: Boolean) { r: %s(input: $in, allOrNone: $all) {
		committed created updated unchanged failed
		items { index outcome id version externalID errors { field code message } } } }`, k.input, k.mutation)
}

type payload struct {
	Committed bool
	Created   int
	Updated   int
	Unchanged int
	Failed    int
	Items     []item
}

type item struct {
	Index      int
	Outcome    string
	ID         *string
	Version    *int
	ExternalID *string
	Errors     []itemError
}

type itemError struct {
	Field   *string
	Code    string
	Message string
}

func (it item) id(t testing.TB) string {
	t.Helper()
	if it.ID == nil {
		t.Fatalf("item %d (%s) has no id", it.Index, it.Outcome)
	}
	return *it.ID
}

func (it item) version(t testing.TB) int {
	t.Helper()
	if it.Version == nil {
		t.Fatalf("item %d (%s) has no version", it.Index, it.Outcome)
	}
	return *it.Version
}

// hasError reports whether the item failed on the field with the code.
func (it item) hasError(field, code string) bool {
	for _, e := range it.Errors {
		if e.Field != nil && *e.Field == field && e.Code == code {
			return true
		}
	}
	return false
}

type object = map[string]any

// sync sends the items through the kind's mutation and returns the payload; the call itself
// must succeed (items may fail).
func doSync(t testing.TB, env *apitest.Env, token string, k kind, items []object, allOrNone bool) payload {
	t.Helper()
	var data struct{ R payload }
	env.Do(token, k.query(), map[string]any{"in": items, "all": allOrNone}).MustOK(t, &data)
	if len(data.R.Items) != len(items) {
		t.Fatalf("%s: %d results for %d items", k.mutation, len(data.R.Items), len(items))
	}
	for i, it := range data.R.Items {
		if it.Index != i {
			t.Fatalf("%s: result %d reports index %d", k.mutation, i, it.Index)
		}
	}
	return data.R
}

// outcomes lists the items' outcomes, for messages and comparisons.
func (p payload) outcomes() []string {
	out := make([]string, len(p.Items))
	for i, it := range p.Items {
		out[i] = it.Outcome
	}
	return out
}

func (p payload) String() string {
	raw, _ := json.Marshal(p)
	return string(raw)
}

// expectOutcomes fails unless the items have these outcomes, in order.
func expectOutcomes(t testing.TB, p payload, want ...string) {
	t.Helper()
	if !reflect.DeepEqual(p.outcomes(), want) {
		t.Fatalf("outcomes %v, want %v: %s", p.outcomes(), want, p)
	}
}

// all repeats an outcome n times.
func all(outcome string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = outcome
	}
	return out
}

// count returns the number of rows of a table.
func count(t testing.TB, env *apitest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("counting %s: %v", table, err)
	}
	return n
}

// storedVersion reads a row's version straight from its table.
func storedVersion(t testing.TB, env *apitest.Env, table, id string) int {
	t.Helper()
	var v int
	if err := env.DB.SQL.QueryRow("SELECT version FROM "+table+" WHERE id = ?", id).Scan(&v); err != nil {
		t.Fatalf("reading the version of %s %s: %v", table, id, err)
	}
	return v
}

// change is a row of the change feed.
type change struct {
	Seq        int
	EntityType string
	EntityID   string
	ExternalID *string
	Operation  string
	Fields     []field
}

type field struct {
	Name string
	Old  any
	New  any
}

// changesSince returns the journal rows after seq, in order, through the change feed.
func changesSince(t testing.TB, env *apitest.Env, token string, seq int) []change {
	t.Helper()
	var data struct {
		Changes struct {
			Edges []struct{ Node change }
		}
	}
	env.Do(token, `query($seq: Int!) { changes(first: 100, where: {seqGT: $seq}) {
		edges { node { seq entityType entityID externalID operation fields { name old new } } } } }`,
		map[string]any{"seq": seq}).MustOK(t, &data)
	out := make([]change, len(data.Changes.Edges))
	for i, e := range data.Changes.Edges {
		out[i] = e.Node
	}
	return out
}

// lastSeq returns the tenant's latest journal sequence number, through the change feed.
func lastSeq(t testing.TB, env *apitest.Env, token string) int {
	t.Helper()
	var data struct {
		Changes struct {
			Edges []struct{ Node struct{ Seq int } }
		}
	}
	env.Do(token, `{ changes(first: 1, orderBy: [{field: SEQ, direction: DESC}]) { edges { node { seq } } } }`, nil).MustOK(t, &data)
	if len(data.Changes.Edges) == 0 {
		return 0
	}
	return data.Changes.Edges[0].Node.Seq
}

// node reads fields of an entity through the API.
func node(t testing.TB, env *apitest.Env, token, id, selection string) object {
	t.Helper()
	var data struct{ Node object }
	env.Do(token, `query($id: ID!) { node(id: $id) { `+selection+` } }`, map[string]any{"id": id}).MustOK(t, &data)
	if data.Node == nil {
		t.Fatalf("no node %s", id)
	}
	return data.Node
}

// warm makes the token's first request, which provisions its tenant and member (and journals
// them), so that later counts see only what the test does.
func warm(t testing.TB, env *apitest.Env, token string) {
	t.Helper()
	env.Do(token, `{ viewer { subject } }`, nil).MustOK(t, nil)
}

// without returns a copy of the object without the keys.
func without(o object, keys ...string) object {
	out := object{}
	for k, v := range o {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// with returns a copy of the object with the keys set.
func with(o object, kv ...any) object {
	out := without(o)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// jsonEqual compares values as their JSON forms decode.
func jsonEqual(a, b any) bool {
	norm := func(v any) any {
		raw, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func describe(v any) string {
	raw, _ := json.Marshal(v)
	return strings.TrimSpace(string(raw))
}

// entPeople is the people table.
const entPeople = person.Table
