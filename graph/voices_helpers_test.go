package graph_test

import (
	"context"
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
	id := gqltest.Data(gqltest.ViewerMember(context.Background(), c.api)).Viewer.Member.Id
	if id == "" {
		c.t.Fatal("the caller has no member")
	}
	return id
}

// typedInput decodes the fields of an input, as a test writes them (camelCase names, enums
// and times as strings), into the typed input of the operation; a field the input does not
// have fails the test.
func typedInput[T any](t *testing.T, fields map[string]any) T {
	t.Helper()
	var in T
	dec := json.NewDecoder(strings.NewReader(dump(fields)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		t.Fatalf("input %s: %v", dump(fields), err)
	}
	return in
}

// createAccount creates an account; input adds fields (tier, stage, ownerID …).
func (c *client) createAccount(name string, input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"name": name}
	for k, v := range input {
		in[k] = v
	}
	return gqltest.Data(gqltest.CreateAccount(context.Background(), c.api, typedInput[gqltest.CreateAccountInput](c.t, in))).CreateAccount.Id
}

func email(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@customer.example"
}

// buyer adds a buying contact by email (the person is created on first use) and returns the
// person's id.
func (c *client) buyer(accountID, name string) string {
	c.t.Helper()
	return gqltest.Data(gqltest.AddBuyingContact(context.Background(), c.api,
		gqltest.AddBuyingContactInput{AccountID: accountID, Email: email(name), Name: &name})).AddBuyingContact.PersonID
}

// endUser adds an end user by email and returns the person's id; input adds fields (status,
// licensed …).
func (c *client) endUser(accountID, name string, input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"accountID": accountID, "email": email(name), "name": name}
	for k, v := range input {
		in[k] = v
	}
	return gqltest.Data(gqltest.AddEndUser(context.Background(), c.api, typedInput[gqltest.AddEndUserInput](c.t, in))).AddEndUser.PersonID
}

// feedback captures feedback and returns its id.
func (c *client) feedback(input map[string]any) string {
	c.t.Helper()
	in := map[string]any{"channel": "SURVEY"}
	for k, v := range input {
		in[k] = v
	}
	return gqltest.Data(gqltest.CaptureFeedback(context.Background(), c.api, typedInput[gqltest.CaptureFeedbackInput](c.t, in))).CaptureFeedback.Id
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
