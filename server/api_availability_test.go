package server_test

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/server"
)

// eventually calls check until it returns "" or the deadline passes, and fails the test with
// its last word then.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// statementCounter counts the statements the server's client sends.
func statementCounter() (apitest.Option, *atomic.Int64) {
	var n atomic.Int64
	return apitest.WithDriver(func(d dialect.Driver) dialect.Driver {
		return hookDriver{d, func(string) { n.Add(1) }}
	}), &n
}

// mustBeUnavailable fails the test unless r is a 503 with UNAVAILABLE, Retry-After, no data,
// and the request id of the response in the error. Goroutines other than the test's may call
// it.
func mustBeUnavailable(t *testing.T, what string, r *apitest.Response) {
	t.Helper()
	header := r.Header
	if r.Status != http.StatusServiceUnavailable || r.Code() != "UNAVAILABLE" || len(r.Errors) != 1 || r.Data != nil {
		t.Errorf("%s: want 503 UNAVAILABLE and no data, got %s", what, r)
		return
	}
	if header.Get("Retry-After") == "" {
		t.Errorf("%s: no Retry-After", what)
	}
	if id, _ := r.Errors[0].Extensions["requestId"].(string); id == "" || id != header.Get("X-Request-Id") {
		t.Errorf("%s: request id %q, header %q", what, id, header.Get("X-Request-Id"))
	}
	if strings.Contains(strings.ToLower(string(r.Body)), "sql") || strings.Contains(string(r.Body), "tcp") {
		t.Errorf("%s: the database's words reach the client: %s", what, r.Body)
	}
}

// servesAgain waits until a query succeeds once the database is back.
func servesAgain(t *testing.T, env *apitest.Env, token string) {
	t.Helper()
	eventually(t, 30*time.Second, func() string {
		r, err := env.Try(token, `{ accounts(first: 1) { totalCount } }`, nil, nil)
		if err != nil {
			return err.Error()
		}
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			return "with the database back: " + r.String()
		}
		return ""
	})
}

// TestAPIDatabaseDown: with the database gone, requests answer 503 UNAVAILABLE with
// Retry-After and a request id, on the authentication path as on the GraphQL one; once the
// replica knows, it refuses requests without touching the database; when the database is
// back, it serves again.
func TestAPIDatabaseDown(t *testing.T) {
	count, statements := statementCounter()
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			var (
				db            *storage.DB
				down, restore func()
			)
			if kind == "mysql" {
				var proxy *apitest.DBProxy
				db, proxy = apitest.OpenBehindProxy(t)
				down = proxy.Cut
				restore = func() {
					if err := proxy.Restore(); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				db = storagetest.Open(t, kind)
				down = func() { db.Close() } // SQLite has no server to lose: its file is closed
			}
			env := apitest.Serve(t, db, count)
			tok := env.Token("acme", "ADMIN", "alice")
			env.Do(tok, `{ accounts(first: 1) { totalCount } }`, nil).MustOK(t, nil)

			down()
			// A member not seen before needs the database to be authenticated.
			mustBeUnavailable(t, "authenticating", env.Do(env.Token("acme", "ANALYST", "newcomer"), `{ viewer { subject } }`, nil))
			mustBeUnavailable(t, "querying", env.Do(tok, `{ accounts(first: 1) { totalCount } }`, nil))
			mustBeUnavailable(t, "mutating", env.Do(tok, `mutation { createAccount(input: {name: "While down"}) { id } }`, nil))

			eventually(t, 10*time.Second, func() string {
				if status, _, body := get(t, env.URL+"/readyz", "", nil); status != http.StatusServiceUnavailable {
					return "/readyz: " + string(body)
				}
				return ""
			})
			before := statements.Load()
			for range 5 {
				mustBeUnavailable(t, "known down", env.Do(tok, `{ accounts(first: 1) { totalCount } }`, nil))
			}
			if n := statements.Load() - before; n != 0 {
				t.Errorf("%d statements sent to a database known to be down", n)
			}
			if restore == nil {
				return
			}

			restore()
			servesAgain(t, env, tok)
			if status, _, body := get(t, env.URL+"/readyz", "", nil); status != http.StatusOK {
				t.Errorf("/readyz once the database is back: %d %s", status, body)
			}
			env.Do(tok, `mutation { createAccount(input: {name: "After"}) { id } }`, nil).MustOK(t, nil)
			var n int
			if err := db.SQL.QueryRow("SELECT COUNT(*) FROM accounts WHERE name = 'While down'").Scan(&n); err != nil || n != 0 {
				t.Errorf("accounts created while down: %d (%v)", n, err)
			}
		})
	}
}

// TestAPIDatabaseHung: a database that accepts and never answers holds no request until its
// timeout: the replica finds it hung with a probe, answers the requests that wait on it and
// those that follow with 503 UNAVAILABLE, and serves again when the database answers.
func TestAPIDatabaseHung(t *testing.T) {
	db, proxy := apitest.OpenBehindProxy(t)
	count, statements := statementCounter()
	const timeout = 2 * time.Minute
	env := apitest.Serve(t, db, count, apitest.WithConfig(func(c *server.Config) { c.RequestTimeout = timeout }))
	tok := env.Token("acme", "ADMIN", "alice")
	env.Do(tok, `{ accounts(first: 1) { totalCount } }`, nil).MustOK(t, nil)

	proxy.Hang()
	start := time.Now()
	var wg sync.WaitGroup
	for i, query := range []string{
		`{ accounts(first: 5) { totalCount edges { node { name } } } }`,
		`{ accounts(first: 1) { totalCount } }`,
		`mutation { createAccount(input: {name: "Hung"}) { id } }`,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := env.Try(tok, query, nil, nil) // gives up after a minute, half the request timeout
			if err != nil {
				t.Errorf("request %d while hung: %v (the server held it)", i, err)
				return
			}
			mustBeUnavailable(t, query, r)
		}()
	}
	wg.Wait()
	t.Logf("requests waiting on a hung database answered after %v (request timeout %v)", time.Since(start).Round(time.Millisecond), timeout)

	if status, _, body := get(t, env.URL+"/readyz", "", nil); status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the database hung: %d %s", status, body)
	}
	before := statements.Load()
	mustBeUnavailable(t, "known hung", env.Do(tok, `{ accounts(first: 1) { totalCount } }`, nil))
	if n := statements.Load() - before; n != 0 {
		t.Errorf("%d statements sent to a database known to be hung", n)
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	servesAgain(t, env, tok)
	var n int
	if err := db.SQL.QueryRow("SELECT COUNT(*) FROM accounts WHERE name = 'Hung'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the mutation answered UNAVAILABLE committed: %d (%v)", n, err)
	}
}
