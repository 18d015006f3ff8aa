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

	"github.com/stakegraph/stakegraph/apitest"
)

// limitCase is an operation the server must refuse quickly.
type limitCase struct {
	name   string
	body   []byte // the raw request body
	status int    // the HTTP status of the refusal
	code   string // extensions.code of the refusal
	words  string // what the message says
}

func operation(t *testing.T, query string) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func limitCases(t *testing.T) []limitCase {
	deep := "{ accounts(first: 1) { edges { node { " + strings.Repeat("parent { ", 20) + "id" +
		strings.Repeat(" }", 20) + " } } } }"
	complex := `{ accounts(first: 100) { edges { node { buyingContacts(first: 100) { edges { node { id person { id name } } } } } } } }`
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 10000 {
		fmt.Fprintf(&aliases, " a%d: viewer { subject }", i)
	}
	aliases.WriteString(" }")
	bomb := func(n int) string {
		return "{ viewer { subject " + strings.Repeat("@include(if: true) ", n) + "} }"
	}
	huge := operation(t, "{ viewer { subject } }  #"+strings.Repeat("x", 5<<20))
	return []limitCase{
		// Refused before anything runs: with application/json (the test client sends no
		// Accept header) the answer is 200 with the errors, as for any invalid document.
		{"too deep", operation(t, deep), http.StatusOK, "BAD_USER_INPUT", "deeper than the limit"},
		{"too complex", operation(t, complex), http.StatusOK, "BAD_USER_INPUT", "complexity"},
		{"10000 aliases", operation(t, aliases.String()), http.StatusOK, "BAD_USER_INPUT", "token limit"},
		{"5 MB body", huge, http.StatusRequestEntityTooLarge, "BAD_USER_INPUT", "exceeds the limit"},
		{"directive bomb", operation(t, bomb(10000)), http.StatusOK, "BAD_USER_INPUT", "token limit"},
		{"directive bomb under the token limit", operation(t, bomb(2500)), http.StatusOK, "BAD_USER_INPUT", "include"},
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

// TestAPILimits: operations past the limits are refused with a clear error, fast, and the
// server keeps answering normal queries, during and after.
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
				t.Logf("%s: %d in %v (%d normal queries meanwhile): %.300s", tc.name, r.Status, elapsed, served.Load(), r.Body)
				if elapsed >= time.Second {
					t.Errorf("refused after %v, want under a second", elapsed)
				}
				if r.Status != tc.status {
					t.Errorf("status %d, want %d", r.Status, tc.status)
				}
				e := r.MustFail(t, tc.code)
				if !strings.Contains(e.Message, tc.words) {
					t.Errorf("message %q does not say %q", e.Message, tc.words)
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
