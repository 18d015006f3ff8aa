// Package apitest runs the real API in-process for tests: a fresh database of each available
// kind, the real HTTP handler on a real listener, and tokens from the development issuer,
// which the server verifies over HTTP through go-oidc like any other issuer's.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/server"
)

// Env is a running API over a fresh database.
type Env struct {
	t      testing.TB
	DB     *storage.DB
	URL    string // the server's base URL
	Issuer *auth.DevIssuer
	Authn  *tenancy.Authenticator
	// Handler is the server itself, for benchmarks that time it without a client and a
	// network in the way.
	Handler http.Handler
}

type settings struct {
	cfg     server.Config
	options []server.Option
	driver  func(dialect.Driver) dialect.Driver
}

// Option adjusts an Env's server.
type Option func(*settings)

// WithConfig changes the server configuration.
func WithConfig(change func(*server.Config)) Option {
	return func(s *settings) { change(&s.cfg) }
}

// WithDriver wraps the database driver the server's client uses, to observe its statements.
func WithDriver(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(s *settings) { s.driver = wrap }
}

// WithServerOption passes an option to server.New.
func WithServerOption(opt server.Option) Option {
	return func(s *settings) { s.options = append(s.options, opt) }
}

// Each runs fn as a subtest against an API on every available kind of database.
func Each(t *testing.T, fn func(t *testing.T, env *Env), opts ...Option) {
	t.Helper()
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			fn(t, New(t, kind, opts...))
		})
	}
}

// New starts an API on a fresh database of the kind; it stops when the test ends.
func New(t testing.TB, kind string, opts ...Option) *Env {
	t.Helper()
	return Serve(t, storagetest.Open(t, kind), opts...)
}

// Serve starts an API on the database; it stops when the test ends.
func Serve(t testing.TB, db *storage.DB, opts ...Option) *Env {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	issuer, err := auth.OpenDevIssuer(t.TempDir(), base+"/dev")
	if err != nil {
		t.Fatal(err)
	}
	authn := newAuthenticator(issuer, db)
	s := settings{cfg: server.DefaultConfig()}
	s.cfg.Dialect = db.Dialect
	s.options = append(s.options, server.WithAuthenticator(authn), server.WithReadiness(db.Ping),
		server.WithLogger(Logger(t)))
	for pattern, h := range issuer.Routes() {
		s.options = append(s.options, server.WithRoute(pattern, h))
	}
	for _, opt := range opts {
		opt(&s)
	}
	client := db.Client
	if s.driver != nil {
		client = ent.NewClient(ent.Driver(s.driver(db.Driver())))
	}
	srv := server.New(s.cfg, client, s.options...)
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)
	return &Env{t: t, DB: db, URL: base, Issuer: issuer, Authn: authn, Handler: srv}
}

// newAuthenticator verifies the issuer's tokens through go-oidc and provisions their tenants
// and members in the database.
func newAuthenticator(issuer *auth.DevIssuer, db *storage.DB) *tenancy.Authenticator {
	verifier := auth.NewTokenVerifier(auth.VerifierConfig{
		Issuer: issuer.Issuer(), Audience: auth.DevAudience, Algorithms: []string{"ES256"},
	})
	return tenancy.NewAuthenticator(verifier, db.Client, true)
}

// NewAuthenticator returns an authenticator built as the server's, with caches of its own: for
// another handler that must authenticate exactly as the server does.
func (e *Env) NewAuthenticator() *tenancy.Authenticator { return newAuthenticator(e.Issuer, e.DB) }

// Viewer provisions the tenant and member as a request with such a token would, and returns a
// context that carries the viewer, for tests that use the ent client directly.
func (e *Env) Viewer(tenant, role, subject string) context.Context {
	e.t.Helper()
	v, err := e.Authn.Viewer(context.Background(), auth.Claims{
		Subject: subject, Tenant: tenant, Roles: []string{role}, Email: subject + "@seller.example", Name: subject,
	})
	if err != nil {
		e.t.Fatalf("provisioning %s/%s: %v", tenant, subject, err)
	}
	return viewer.NewContext(context.Background(), v)
}

// Token returns a token for the subject with the role in the tenant (created on first use).
func (e *Env) Token(tenant, role, subject string) string {
	e.t.Helper()
	tok, err := e.Issuer.Token(auth.TokenRequest{
		Subject: subject, Tenant: tenant, Roles: []string{role},
		Email: subject + "@seller.example", Name: subject, TTL: time.Hour,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// Response is a GraphQL response with its HTTP status and headers. Data is nil when the
// response has no data entry, and "null" when it has one that is null.
type Response struct {
	Status int
	Header http.Header     `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
	Body   []byte          `json:"-"`
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field returns the error's extensions.field.
func (e Error) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Do posts a GraphQL operation with the token (none when empty).
func (e *Env) Do(token, query string, vars map[string]any) *Response {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.Post(token, "application/json", body, nil)
}

// Post sends a raw body to /graphql.
func (e *Env) Post(token, contentType string, body []byte, header http.Header) *Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.send(req)
}

// Get sends a GET for the path (e.g. "/healthz") with the headers.
func (e *Env) Get(path string, header http.Header) *Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return e.send(req)
}

func (e *Env) send(req *http.Request) *Response {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("response is not JSON: %v: %s", err, raw)
		}
	}
	return out
}

// MustOK fails the test unless the response has data and no errors, and decodes the data.
func (r *Response) MustOK(t testing.TB, into any) {
	t.Helper()
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("status %d, errors: %s", r.Status, r.Body)
	}
	if into != nil {
		if err := json.Unmarshal(r.Data, into); err != nil {
			t.Fatalf("decoding data: %v: %s", err, r.Data)
		}
	}
}

// MustFail fails the test unless the response has an error with the code, and returns it.
func (r *Response) MustFail(t testing.TB, code string) Error {
	t.Helper()
	for _, e := range r.Errors {
		if e.Code() == code {
			return e
		}
	}
	t.Fatalf("expected an error with code %s, got status %d: %s", code, r.Status, r.Body)
	return Error{}
}

// At follows a path of keys into decoded JSON: nil where the path leads nowhere.
func At(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// String shows the response for messages.
func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Logger puts a server's warnings and errors into the test's log, where a failing test shows
// what the client only saw as "internal error".
func Logger(t testing.TB) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.stop) // registered before the server's: runs after it has closed
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct {
	t       testing.TB
	mu      sync.Mutex
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log("server: " + strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}
