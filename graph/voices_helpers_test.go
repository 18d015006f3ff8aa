package graph_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// client is a caller of the API with one token.
type client struct {
	t         *testing.T
	env       *apitest.Env
	tok       string
	api       graphql.Client // the typed client with the token, which fails the test on any error
	contracts int            // contracts created, for their numbers
}

func newClient(t *testing.T, env *apitest.Env, role, subject string) *client {
	return &client{t: t, env: env, tok: env.Token("acme", role, subject), api: gqltest.Must(t, env, "acme", role, subject)}
}

// asNode returns the node an operation read by id as the type its fragment selects, failing
// the test when the node is null (not found or not visible) or of another type.
func asNode[T, N any](t testing.TB, node *N, id string) T {
	t.Helper()
	if node != nil {
		if v, ok := any(*node).(T); ok {
			return v
		}
	}
	t.Fatalf("%s not found", id)
	var zero T
	return zero
}

// ok runs the operation, fails the test on any error and decodes the data into into.
func (c *client) ok(query string, vars map[string]any, into any) {
	c.t.Helper()
	c.env.Do(c.tok, query, vars).MustOK(c.t, into)
}

// fail runs the operation and returns its error with the code, failing the test without one.
func (c *client) fail(code, query string, vars map[string]any) apitest.Error {
	c.t.Helper()
	return c.env.Do(c.tok, query, vars).MustFail(c.t, code)
}

// memberID returns the caller's member id (the member exists after a first request).
func (c *client) memberID() string {
	c.t.Helper()
	var out struct {
		Viewer struct{ Member struct{ ID string } }
	}
	c.ok(`{ viewer { member { id } } }`, nil, &out)
	if out.Viewer.Member.ID == "" {
		c.t.Fatal("the caller has no member")
	}
	return out.Viewer.Member.ID
}

// createAccount creates an account; input adds fields (tier, stage, ownerID …).
func (c *client) createAccount(name string, input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"name": name}
	for k, v := range input {
		in[k] = v
	}
	var out struct{ CreateAccount struct{ ID string } }
	c.ok(`mutation($in: CreateAccountInput!) { createAccount(input: $in) { id } }`, map[string]any{"in": in}, &out)
	return out.CreateAccount.ID
}

func email(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@customer.example"
}

// buyer adds a buying contact by email (the person is created on first use) and returns the
// person's id.
func (c *client) buyer(accountID, name string) string {
	c.t.Helper()
	var out struct{ AddBuyingContact struct{ PersonID string } }
	c.ok(`mutation($in: AddBuyingContactInput!) { addBuyingContact(input: $in) { personID } }`,
		map[string]any{"in": map[string]any{"accountID": accountID, "email": email(name), "name": name}}, &out)
	return out.AddBuyingContact.PersonID
}

// endUser adds an end user by email and returns the person's id; input adds fields (status,
// licensed …).
func (c *client) endUser(accountID, name string, input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"accountID": accountID, "email": email(name), "name": name}
	for k, v := range input {
		in[k] = v
	}
	var out struct{ AddEndUser struct{ PersonID string } }
	c.ok(`mutation($in: AddEndUserInput!) { addEndUser(input: $in) { personID } }`, map[string]any{"in": in}, &out)
	return out.AddEndUser.PersonID
}

// feedback captures feedback and returns its id.
func (c *client) feedback(input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"channel": "SURVEY"}
	for k, v := range input {
		in[k] = v
	}
	var out struct{ CaptureFeedback struct{ ID string } }
	c.ok(`mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id } }`, map[string]any{"in": in}, &out)
	return out.CaptureFeedback.ID
}

// nps captures an NPS response, the persona inferred, and returns its id.
func (c *client) nps(accountID, personID string, score int, at time.Time) string {
	c.t.Helper()
	return c.feedback(map[string]any{"accountID": accountID, "authorID": personID, "kind": "NPS",
		"score": score, "receivedAt": ts(at)})
}

// voices adds one buyer per purchaser score and one end user per end-user score, each
// answering an NPS survey at the time.
func (c *client) voices(accountID, prefix string, at time.Time, purchasers, endUsers []int) {
	c.t.Helper()
	for i, s := range purchasers {
		c.nps(accountID, c.buyer(accountID, fmt.Sprintf("%s buyer %d", prefix, i)), s, at)
	}
	for i, s := range endUsers {
		c.nps(accountID, c.endUser(accountID, fmt.Sprintf("%s user %d", prefix, i), nil), s, at)
	}
}

// deleteNode deletes an entity through its delete mutation (deleteAccount, deleteFeedback …).
func (c *client) delete(mutation, id string) {
	c.t.Helper()
	c.ok(fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { deletedID } }`, mutation), map[string]any{"id": id}, nil)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTS(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v
}

const eps = 1e-9

func ptr[T any](v T) *T { return &v }

func show(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

// sameFloat reports whether got is want (both null, or within eps).
func sameFloat(got, want *float64) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return math.Abs(*got-*want) < eps
}

func expectFloat(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if !sameFloat(got, want) {
		t.Errorf("%s = %s, want %s", what, show(got), show(want))
	}
}

func jsonUnmarshal(data []byte, into any) error { return json.Unmarshal(data, into) }

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// day is a UTC date at midnight.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// days is a duration of d days.
func days(d float64) time.Duration { return time.Duration(d * 24 * float64(time.Hour)) }
