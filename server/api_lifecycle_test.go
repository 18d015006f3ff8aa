package server_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/server"
)

// get sends a GET to the server and returns its status, headers and body.
func get(t *testing.T, rawURL, token string, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	header = header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	x := call(t, http.MethodGet, rawURL, header, "")
	return x.status, x.header, x.body
}

func decode(t *testing.T, body []byte) apitest.Response {
	t.Helper()
	var r apitest.Response
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	r.Body = body
	return r
}

func TestAPIHealthAndReadiness(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		if status, _, body := get(t, env.URL+"/healthz", "", nil); status != http.StatusOK || !strings.Contains(string(body), `"ok"`) {
			t.Errorf("/healthz: %d %s", status, body)
		}
		if status, _, body := get(t, env.URL+"/readyz", "", nil); status != http.StatusOK || !strings.Contains(string(body), `"database":"ok"`) {
			t.Errorf("/readyz with the database up: %d %s", status, body)
		}
		if err := env.DB.Close(); err != nil {
			t.Fatal(err)
		}
		// /readyz answers from a probe up to a second old: hammering it makes no more pings.
		eventually(t, 5*time.Second, func() string {
			if status, _, body := get(t, env.URL+"/readyz", "", nil); status != http.StatusServiceUnavailable ||
				!strings.Contains(string(body), "unreachable") {
				return fmt.Sprintf("/readyz with the database closed: %d %s", status, body)
			}
			return ""
		})
		// The process is still alive: an orchestrator must not restart it for the database.
		if status, _, _ := get(t, env.URL+"/healthz", "", nil); status != http.StatusOK {
			t.Errorf("/healthz with the database closed: %d", status)
		}
	})
}

func TestAPIGetTransport(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		q := url.Values{"query": {`{ viewer { subject role } accounts(first: 1) { totalCount } }`}}
		status, _, body := get(t, env.URL+"/graphql?"+q.Encode(), tok, nil)
		r := decode(t, body)
		var out struct {
			Viewer   struct{ Subject, Role string }
			Accounts struct{ TotalCount int }
		}
		r.Status = status
		r.MustOK(t, &out)
		if out.Viewer.Subject != "alice" || out.Viewer.Role != "ADMIN" {
			t.Errorf("viewer over GET: %s", body)
		}

		q = url.Values{"query": {`mutation { createAccount(input: {name: "Over GET"}) { id } }`}}
		status, _, body = get(t, env.URL+"/graphql?"+q.Encode(), tok, nil)
		t.Logf("mutation over GET: %d %s", status, body)
		if status == http.StatusOK && !strings.Contains(string(body), `"errors"`) {
			t.Errorf("a mutation over GET was accepted: %d %s", status, body)
		}
		if strings.Contains(string(body), `"createAccount":{`) {
			t.Errorf("a mutation over GET ran: %s", body)
		}
		var n int
		if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM accounts").Scan(&n); err != nil || n != 0 {
			t.Errorf("accounts after a mutation over GET: %d (%v)", n, err)
		}

		// Without a token, GET is refused like POST.
		q = url.Values{"query": {`{ viewer { subject } }`}}
		if status, _, body := get(t, env.URL+"/graphql?"+q.Encode(), "", nil); status != http.StatusUnauthorized {
			t.Errorf("GET without a token: %d %s", status, body)
		}
	})
}

func TestAPIPersistedQueries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		query := `{ viewer { subject } }`
		sum := sha256.Sum256([]byte(query))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		post := func(withQuery bool) *apitest.Response {
			payload := map[string]any{"extensions": ext}
			if withQuery {
				payload["query"] = query
			}
			body, err := json.Marshal(payload)
			if err != nil {
				t.Fatal(err)
			}
			return env.Post(tok, "application/json", body, nil)
		}
		r := post(false)
		if len(r.Errors) == 0 || r.Errors[0].Message != "PersistedQueryNotFound" || r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("hash of an unknown query: %s", r)
		}
		t.Logf("hash first: %s", r)
		var out struct{ Viewer struct{ Subject string } }
		post(true).MustOK(t, &out)
		if out.Viewer.Subject != "alice" {
			t.Errorf("hash with the query: %+v", out)
		}
		out.Viewer.Subject = ""
		post(false).MustOK(t, &out)
		if out.Viewer.Subject != "alice" {
			t.Errorf("hash only, once known: %+v", out)
		}
		// Over GET too, as Apollo clients send it.
		raw, _ := json.Marshal(ext)
		status, _, body := get(t, env.URL+"/graphql?"+url.Values{"extensions": {string(raw)}}.Encode(), tok, nil)
		gr := decode(t, body)
		gr.Status = status
		gr.MustOK(t, nil)

		// A query that does not match its hash is refused.
		body, _ = json.Marshal(map[string]any{"query": `{ viewer { role } }`, "extensions": ext})
		if r := env.Post(tok, "application/json", body, nil); len(r.Errors) == 0 {
			t.Errorf("a query under another's hash: %s", r)
		}
	})
}

func TestAPIRequestID(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		q := url.Values{"query": {`{ viewer { subject } }`}}
		_, h, _ := get(t, env.URL+"/graphql?"+q.Encode(), tok, http.Header{"X-Request-Id": {"req-42.a:b"}})
		if got := h.Get("X-Request-Id"); got != "req-42.a:b" {
			t.Errorf("echoed request id %q", got)
		}
		_, h, _ = get(t, env.URL+"/healthz", "", http.Header{"X-Request-Id": {"bad id\twith\"quotes"}})
		if got := h.Get("X-Request-Id"); len(got) != 24 || strings.Contains(got, "bad") {
			t.Errorf("a malformed request id was replaced by %q", got)
		}
		_, h1, _ := get(t, env.URL+"/healthz", "", nil)
		_, h2, _ := get(t, env.URL+"/healthz", "", nil)
		if a, b := h1.Get("X-Request-Id"), h2.Get("X-Request-Id"); a == "" || a == b {
			t.Errorf("generated request ids %q and %q", a, b)
		}
		// The change journal records the request id of a mutation.
		body, _ := json.Marshal(map[string]any{"query": `mutation { createAccount(input: {name: "Traced"}) { id } }`})
		env.Post(tok, "application/json", body, http.Header{"X-Request-Id": {"trace-7"}}).MustOK(t, nil)
		var n int
		if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM changes WHERE request_id = 'trace-7'").Scan(&n); err != nil || n == 0 {
			t.Errorf("journal rows with the request id: %d (%v)", n, err)
		}
	})
}

// hookDriver calls hook with every statement before running it.
type hookDriver struct {
	dialect.Driver
	hook func(query string)
}

type rawSQL interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func (d hookDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.hook(query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d hookDriver) Query(ctx context.Context, query string, args, v any) error {
	d.hook(query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d hookDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.hook(query)
	return d.Driver.(rawSQL).ExecContext(ctx, query, args...)
}

func (d hookDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	d.hook(query)
	return d.Driver.(rawSQL).QueryContext(ctx, query, args...)
}

// TestAPIPanicInResolver: a panic while resolving a field (here, in the data layer under a
// resolver) reaches the client as INTERNAL "internal error" with a request id, never as a
// stack, and the server goes on serving.
func TestAPIPanicInResolver(t *testing.T) {
	var armed atomic.Bool
	hook := func(query string) {
		if strings.Contains(query, "`accounts`") && armed.CompareAndSwap(true, false) {
			panic("boom: SELECT * FROM accounts at resolver.go:42")
		}
	}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		env.Do(tok, `{ viewer { subject } }`, nil).MustOK(t, nil)
		armed.Store(true)
		r := env.Do(tok, `{ viewer { subject } accounts(first: 5) { totalCount } }`, nil)
		e := r.MustFail(t, "INTERNAL")
		if e.Message != "internal error" || strings.Contains(string(r.Body), "boom") ||
			strings.Contains(string(r.Body), "goroutine") || strings.Contains(string(r.Body), ".go:") {
			t.Errorf("the panic shows: %s", r.Body)
		}
		if id, _ := e.Extensions["requestId"].(string); id == "" {
			t.Errorf("no request id to quote: %s", r.Body)
		}
		t.Logf("panic in a resolver: %s", r)
		env.Do(tok, `{ viewer { subject } accounts(first: 5) { totalCount } }`, nil).MustOK(t, nil)
	}, apitest.WithDriver(func(d dialect.Driver) dialect.Driver { return hookDriver{d, hook} }))
}

// TestAPIPanicInHandler: a panic outside the GraphQL executor answers 500 "internal error".
func TestAPIPanicInHandler(t *testing.T) {
	boom := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom at handler.go:7") })
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		status, _, body := get(t, env.URL+"/boom", "", nil)
		r := decode(t, body)
		if status != http.StatusInternalServerError || len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL" ||
			r.Errors[0].Message != "internal error" || strings.Contains(string(body), "boom") {
			t.Errorf("panic in a handler: %d %s", status, body)
		}
		if status, _, _ := get(t, env.URL+"/healthz", "", nil); status != http.StatusOK {
			t.Errorf("after the panic: %d", status)
		}
	}, apitest.WithServerOption(server.WithRoute("GET /boom", boom)))
}

// TestAPIGracefulShutdown: cancelling Serve's context refuses new connections and lets the
// request in flight finish.
func TestAPIGracefulShutdown(t *testing.T) {
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			db := storagetest.Open(t, kind)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			issuer, err := auth.OpenDevIssuer(t.TempDir(), base+"/dev")
			if err != nil {
				t.Fatal(err)
			}
			verifier := auth.NewTokenVerifier(auth.VerifierConfig{
				Issuer: issuer.Issuer(), Audience: auth.DevAudience, Algorithms: []string{"ES256"},
			})
			entered, release := make(chan struct{}), make(chan struct{})
			var slow atomic.Bool
			hook := func(query string) {
				if strings.Contains(query, "`accounts`") && slow.CompareAndSwap(true, false) {
					close(entered)
					<-release
				}
			}
			client := ent.NewClient(ent.Driver(hookDriver{db.Driver(), hook}))
			opts := []server.Option{server.WithAuthenticator(tenancy.NewAuthenticator(verifier, db.Client, true))}
			for pattern, h := range issuer.Routes() {
				opts = append(opts, server.WithRoute(pattern, h))
			}
			cfg := server.DefaultConfig()
			cfg.Dialect = db.Dialect
			cfg.ShutdownTimeout = 10 * time.Second
			srv := server.New(cfg, client, opts...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ctx, ln) }()

			tok, err := issuer.Token(auth.TokenRequest{Subject: "alice", Tenant: "acme", Roles: []string{"ADMIN"},
				Email: "alice@seller.example", Name: "alice", TTL: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			env := &apitest.Env{URL: base}
			if r, err := env.Try(tok, `{ viewer { subject } }`, nil, nil); err != nil || r.Status != http.StatusOK {
				t.Fatalf("warming up: %v %v", r, err)
			}

			slow.Store(true)
			type result struct {
				r   *apitest.Response
				err error
			}
			inFlight := make(chan result, 1)
			go func() {
				// A connection of its own: Shutdown closes idle keep-alive connections.
				r, err := env.Try(tok, `{ accounts(first: 5) { totalCount } }`, nil, http.Header{"Connection": {"close"}})
				inFlight <- result{r, err}
			}()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the slow request never reached the database")
			}
			cancel() // as on SIGTERM
			deadline := time.Now().Add(5 * time.Second)
			for {
				conn, err := net.DialTimeout("tcp", ln.Addr().String(), 200*time.Millisecond)
				if err != nil {
					break // the listener is closed: new connections are refused
				}
				conn.Close()
				if time.Now().After(deadline) {
					t.Fatal("new connections are still accepted after shutdown began")
				}
				time.Sleep(10 * time.Millisecond)
			}
			select {
			case err := <-served:
				t.Fatalf("Serve returned before the in-flight request finished: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
			close(release)
			res := <-inFlight
			if res.err != nil {
				t.Fatalf("the in-flight request: %v", res.err)
			}
			var out struct{ Accounts struct{ TotalCount int } }
			res.r.MustOK(t, &out)
			select {
			case err := <-served:
				if err != nil {
					t.Errorf("Serve: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Serve did not return after draining")
			}
			if resp, err := http.Get(base + "/healthz"); err == nil {
				resp.Body.Close()
				t.Errorf("a request after shutdown got through: %d", resp.StatusCode)
			}
		})
	}
}
