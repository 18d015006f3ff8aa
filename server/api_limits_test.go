package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// limitCase is an operation the server must refuse quickly.
type limitCase struct {
	name   string
	body   []byte // the raw request body
	status int    // the HTTP status of the refusal
	code   string // extensions.code of the refusal
	words  string // what the message says
	field  string // extensions.field of the refusal, when it names one
}

func operation(t testing.TB, query string) []byte {
	return operationWith(t, query, nil)
}

func operationWith(t testing.TB, query string, vars map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// doublingFragments is a query whose fragments each spread the one before twice: a document of
// some 40 bytes a level that expands to 2^levels selections.
func doublingFragments(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d } fragment F0 on Query { __typename }", levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i-1, i-1)
	}
	return b.String()
}

// doublingAcrossLevels doubles at every level of nesting instead: each fragment selects the
// parent account twice, under two aliases, with the fragment before inside.
func doublingAcrossLevels(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `query { node(id: "acc_0") { ...F%d } } fragment F0 on Account { id }`, levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, " fragment F%d on Account { a: parent { ...F%d } b: parent { ...F%d } }", i, i-1, i-1)
	}
	return b.String()
}

// repeatedField selects __typename n times in one selection set.
func repeatedField(n int) string {
	return "query {" + strings.Repeat(" __typename", n) + " }"
}

// spreadFragments spreads n different fragments into one selection set.
func spreadFragments(n int) string {
	var b strings.Builder
	b.WriteString("query {")
	for i := range n {
		fmt.Fprintf(&b, " ...F%d", i)
	}
	b.WriteString(" }")
	for i := range n {
		fmt.Fprintf(&b, " fragment F%d on Query { f%d: __typename }", i, i)
	}
	return b.String()
}

// aliases repeats a selection n times under different aliases.
func aliases(n int, selection string) string {
	var b strings.Builder
	b.WriteString("query {")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, selection)
	}
	b.WriteString(" }")
	return b.String()
}

func limitCases(t *testing.T) []limitCase {
	deep := "{ accounts(first: 1) { edges { node { " + strings.Repeat("parent { ", 20) + "id" +
		strings.Repeat(" }", 20) + " } } } }"
	// A page of 100 × 100 × 100: a million rows.
	complex := `{ accounts(first: 100) { edges { node { buyingContacts(first: 100) { edges { node { id
		person { feedback(first: 100) { edges { node { id } } } } } } } } } } }`
	bomb := func(n int) string {
		return "{ viewer { subject " + strings.Repeat("@include(if: true) ", n) + "} }"
	}
	huge := operation(t, "{ viewer { subject } }  #"+strings.Repeat("x", 5<<20))
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("acc_%026d", i)
	}
	unused := "query { __typename } fragment Unused on Query {" + strings.Repeat(" __typename", 2000) + " }"
	nestedRepeats := "query {" + strings.Repeat(" viewer { "+strings.Repeat("tenant { id } ", 5)+"}", 5) + " }"
	cyclic := "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
	cyclicAcrossLevels := "query { accounts(first: 1) { edges { node { ...A } } } } fragment A on Account { parent { ...A } }"
	return []limitCase{
		// Refused before anything runs: with application/json (the test client sends no
		// Accept header) the answer is 200 with the errors, as for any invalid document.
		{name: "too deep", body: operation(t, deep), status: http.StatusOK, code: "BAD_USER_INPUT", words: "deeper than the limit"},
		{name: "too complex", body: operation(t, complex), status: http.StatusOK, code: "BAD_USER_INPUT", words: "complexity"},
		{name: "10000 aliases", body: operation(t, aliases(10000, "viewer { subject }")), status: http.StatusOK, code: "BAD_USER_INPUT", words: "token limit"},
		{name: "5 MB body", body: huge, status: http.StatusRequestEntityTooLarge, code: "BAD_USER_INPUT", words: "exceeds the limit"},
		{name: "directive bomb", body: operation(t, bomb(10000)), status: http.StatusOK, code: "BAD_USER_INPUT", words: "token limit"},
		{name: "directive bomb under the token limit", body: operation(t, bomb(2500)), status: http.StatusOK, code: "BAD_USER_INPUT", words: "include"},

		// Refused before validation, in time proportional to the document.
		{name: "fragments doubling 20 times", body: operation(t, doublingFragments(20)), status: http.StatusOK, code: "BAD_USER_INPUT", words: "spreads more than 20 fragments"},
		{name: "fragments doubling at 13 levels", body: operation(t, doublingAcrossLevels(13)), status: http.StatusOK, code: "BAD_USER_INPUT", words: "selects more than 5000 fields"},
		{name: "one field 2000 times", body: operation(t, repeatedField(2000)), status: http.StatusOK, code: "BAD_USER_INPUT", words: `"__typename" is selected more than 20 times`},
		{name: "one field 2000 times in an unused fragment", body: operation(t, unused), status: http.StatusOK, code: "BAD_USER_INPUT", words: `"__typename" is selected more than 20 times`},
		{name: "5 × 5 nested repeats", body: operation(t, nestedRepeats), status: http.StatusOK, code: "BAD_USER_INPUT", words: `"tenant" is selected more than 20 times`},
		{name: "1000 fragments in one selection set", body: operation(t, spreadFragments(1000)), status: http.StatusOK, code: "BAD_USER_INPUT", words: "spreads more than 20 fragments"},
		{name: "fragments that spread each other", body: operation(t, cyclic), status: http.StatusOK, code: "BAD_USER_INPUT", words: "within itself"},
		{name: "a fragment inside itself", body: operation(t, cyclicAcrossLevels), status: http.StatusOK, code: "BAD_USER_INPUT", words: "deeper than the limit"},

		// Priced by the work they do.
		{name: "150 at-risk rankings", body: operation(t, aliases(150, "atRiskAccounts(first: 1) { totalCount }")), status: http.StatusOK, code: "BAD_USER_INPUT", words: "complexity"},
		{name: "150 counts of the tenant's feedback", body: operation(t, aliases(150, "feedback(first: 0) { totalCount }")), status: http.StatusOK, code: "BAD_USER_INPUT", words: "complexity"},

		// Input sizes, named in the API's words.
		{name: "100,000 ids", body: operationWith(t, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}),
			status: http.StatusOK, code: "BAD_USER_INPUT", words: "ids holds 100000 items, over the limit of 1000", field: "ids"},
		{name: "3.5 MB name filter", body: operationWith(t, `query ($s: String!) { accounts(where: {nameContains: $s}) { totalCount } }`,
			map[string]any{"s": strings.Repeat("%a", 1750<<10)}),
			status: http.StatusOK, code: "BAD_USER_INPUT", words: "where.nameContains is 3584000 characters long, over the limit of 1000", field: "where.nameContains"},
	}
}

const normalQuery = `{ viewer { subject role } accounts(first: 5) { totalCount } }`

func normalOK(env *apitest.Env, tok string) error {
	r, err := env.Try(tok, normalQuery, nil, nil)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"subject":"alice"`) {
		return fmt.Errorf("normal query: %s", r)
	}
	return nil
}

// TestAPILimits: operations past the limits are refused with a clear error, and the server
// keeps answering normal queries, during and after.
func TestAPILimits(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		if err := normalOK(env, tok); err != nil {
			t.Fatal(err)
		}
		for _, tc := range limitCases(t) {
			t.Run(tc.name, func(t *testing.T) {
				// Normal queries run while the refused one is sent, and all succeed.
				stop := make(chan struct{})
				var wg sync.WaitGroup
				var served atomic.Int64
				var failure atomic.Value
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						if err := normalOK(env, tok); err != nil {
							failure.Store(err)
							return
						}
						served.Add(1)
					}
				}()
				start := time.Now()
				r := env.Post(tok, "application/json", tc.body, nil)
				elapsed := time.Since(start)
				close(stop)
				wg.Wait()
				if err, _ := failure.Load().(error); err != nil {
					t.Errorf("while refusing: %v", err)
				}
				// How fast a refusal is, BenchmarkRefusal measures; the time is only shown here.
				t.Logf("%s: %d in %v (%d normal queries meanwhile): %.300s", tc.name, r.Status, elapsed, served.Load(), r.Body)
				if r.Status != tc.status {
					t.Errorf("status %d, want %d", r.Status, tc.status)
				}
				e := r.MustFail(t, tc.code)
				if !strings.Contains(e.Message, tc.words) {
					t.Errorf("message %q does not say %q", e.Message, tc.words)
				}
				if e.Field() != tc.field {
					t.Errorf("field %q, want %q", e.Field(), tc.field)
				}
				if len(r.Errors) > 21 {
					t.Errorf("%d errors, want at most 20 and a count of the rest", len(r.Errors))
				}
				for _, e := range r.Errors {
					if e.Code() != tc.code {
						t.Errorf("an error with code %q: %s", e.Code(), e.Message)
						break
					}
				}
				if r.Data != nil && string(r.Data) != "null" {
					t.Errorf("data with a refusal: %.200s", r.Data)
				}
				if err := normalOK(env, tok); err != nil {
					t.Errorf("after: %v", err)
				}
			})
		}
	})
}
