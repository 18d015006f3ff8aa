package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// devServer serves a development issuer's routes over real HTTP; the issuer behind it can be
// swapped, as when the server restarts on the same data directory.
type devServer struct {
	srv     *httptest.Server
	handler atomic.Pointer[http.ServeMux]
}

func newDevServer(t *testing.T) *devServer {
	t.Helper()
	d := &devServer{}
	d.handler.Store(http.NewServeMux())
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.handler.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *devServer) serve(iss *auth.DevIssuer) {
	mux := http.NewServeMux()
	for pattern, h := range iss.Routes() {
		mux.Handle(pattern, h)
	}
	d.handler.Store(mux)
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: content type %q", url, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func devToken(t *testing.T, iss *auth.DevIssuer, req auth.TokenRequest) string {
	t.Helper()
	tok, err := iss.Token(req)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

func TestDevIssuerDiscoveryAndKeys(t *testing.T) {
	dir := t.TempDir()
	d := newDevServer(t)
	issuerURL := d.srv.URL + "/dev"
	iss, err := auth.OpenDevIssuer(dir, issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	d.serve(iss)
	if iss.Issuer() != issuerURL {
		t.Errorf("Issuer() = %q, want %q", iss.Issuer(), issuerURL)
	}

	var discovery struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, issuerURL+"/.well-known/openid-configuration", &discovery)
	if discovery.Issuer != issuerURL || discovery.JWKSURI != issuerURL+"/jwks.json" || !slices.Equal(discovery.Algs, []string{"ES256"}) {
		t.Errorf("discovery document %+v", discovery)
	}
	var set jose.JSONWebKeySet
	getJSON(t, discovery.JWKSURI, &set)
	if len(set.Keys) != 1 || set.Keys[0].Algorithm != "ES256" || set.Keys[0].Use != "sig" || !set.Keys[0].IsPublic() {
		t.Fatalf("JWKS %+v", set)
	}
	// Only the public half is published.
	raw, _ := json.Marshal(set)
	var generic struct{ Keys []map[string]any }
	_ = json.Unmarshal(raw, &generic)
	if _, private := generic.Keys[0]["d"]; private {
		t.Fatal("the JWKS publishes the private key")
	}

	tok := devToken(t, iss, auth.TokenRequest{
		Subject: "dev-1", Tenant: "acme", Roles: []string{"ADMIN"}, Email: "dev-1@seller.example", Name: "Dev One",
	})
	if kid := kidOf(t, tok); kid != set.Keys[0].KeyID || kid == "" {
		t.Errorf("token kid %q, JWKS kid %q", kid, set.Keys[0].KeyID)
	}
	v := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: auth.DevAudience, Algorithms: []string{"ES256"}})
	c, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	want := auth.Claims{Subject: "dev-1", Tenant: "acme", Roles: []string{"ADMIN"}, Email: "dev-1@seller.example", Name: "Dev One"}
	if c.Subject != want.Subject || c.Tenant != want.Tenant || !slices.Equal(c.Roles, want.Roles) ||
		c.Email != want.Email || c.Name != want.Name {
		t.Errorf("claims %+v, want %+v", c, want)
	}

	// Claim names follow the request, so the dev issuer can stand in for a configured IdP.
	names := auth.ClaimNames{Tenant: "org", Roles: "groups", Email: "mail", Name: "display"}
	custom := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: auth.DevAudience, Claims: names})
	c, err = custom.Verify(context.Background(), devToken(t, iss, auth.TokenRequest{
		Subject: "dev-2", Tenant: "acme", Roles: []string{"ANALYST"}, Claims: names,
	}))
	if err != nil || c.Tenant != "acme" || !slices.Equal(c.Roles, []string{"ANALYST"}) {
		t.Errorf("custom claim names: %+v, %v", c, err)
	}

	// An expired development token is refused like any other.
	expired := devToken(t, iss, auth.TokenRequest{Subject: "dev-3", Tenant: "acme", Roles: []string{"ADMIN"}, TTL: time.Nanosecond})
	time.Sleep(1100 * time.Millisecond) // exp has one-second resolution
	short := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: auth.DevAudience, Leeway: time.Nanosecond})
	if _, err := short.Verify(context.Background(), expired); !isUnauthenticated(err) {
		t.Errorf("expired development token: %v", err)
	}
	// A verifier for another audience refuses development tokens.
	other := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: "production-api"})
	if _, err := other.Verify(context.Background(), tok); !isUnauthenticated(err) {
		t.Errorf("development token for another audience: %v", err)
	}
}

func isUnauthenticated(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == errs.Unauthenticated
}

func TestDevIssuerKeyPersists(t *testing.T) {
	dir := t.TempDir()
	d := newDevServer(t)
	issuerURL := d.srv.URL + "/dev"
	first, err := auth.OpenDevIssuer(dir, issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "dev-issuer-key.pem"))
	if err != nil {
		t.Fatalf("the key is not kept in the data directory: %v", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("the key file is readable by others: %v", perm)
	}
	d.serve(first)
	before := devToken(t, first, auth.TokenRequest{Subject: "s", Tenant: "acme", Roles: []string{"ADMIN"}})
	cached := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: auth.DevAudience})
	if _, err := cached.Verify(context.Background(), before); err != nil {
		t.Fatal(err)
	}

	// "Restart": open the issuer again on the same data directory.
	second, err := auth.OpenDevIssuer(dir, issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	d.serve(second)
	after := devToken(t, second, auth.TokenRequest{Subject: "s", Tenant: "acme", Roles: []string{"ADMIN"}})
	if kidOf(t, before) != kidOf(t, after) {
		t.Errorf("key id changed across restarts: %s, %s", kidOf(t, before), kidOf(t, after))
	}
	fresh := auth.NewTokenVerifier(auth.VerifierConfig{Issuer: issuerURL, Audience: auth.DevAudience})
	for name, v := range map[string]*auth.TokenVerifier{"fresh verifier": fresh, "verifier with cached keys": cached} {
		for tokName, tok := range map[string]string{"token from before": before, "token from after": after} {
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Errorf("%s, %s: %v", name, tokName, err)
			}
		}
	}

	// Another data directory is another key: its tokens do not verify here.
	stranger, err := auth.OpenDevIssuer(t.TempDir(), issuerURL)
	if err != nil {
		t.Fatal(err)
	}
	forged := devToken(t, stranger, auth.TokenRequest{Subject: "s", Tenant: "acme", Roles: []string{"ADMIN"}})
	if _, err := fresh.Verify(context.Background(), forged); !isUnauthenticated(err) || !strings.Contains(err.Error(), "another issuer key") {
		t.Errorf("token of another data directory's key: %v", err)
	}
}

// TestLoadDevIssuer: the token command's issuer signs with the server's key, and never makes
// one of its own, whose tokens the server would refuse.
func TestLoadDevIssuer(t *testing.T) {
	empty := t.TempDir()
	if _, err := auth.LoadDevIssuer(empty, "http://127.0.0.1:1/dev"); err == nil || !strings.Contains(err.Error(), "stakegraph serve") {
		t.Errorf("loading from a directory without a key: %v", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) > 0 {
		t.Errorf("loading wrote %s into the data directory", entries[0].Name())
	}
	dir := t.TempDir()
	served, err := auth.OpenDevIssuer(dir, "http://127.0.0.1:1/dev")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := auth.LoadDevIssuer(dir, "http://127.0.0.1:1/dev")
	if err != nil {
		t.Fatal(err)
	}
	req := auth.TokenRequest{Subject: "s", Tenant: "acme", Roles: []string{"ADMIN"}}
	if a, b := kidOf(t, devToken(t, served, req)), kidOf(t, devToken(t, loaded, req)); a != b {
		t.Errorf("the loaded issuer signs under key id %s, the server's under %s", b, a)
	}
}

func TestDevIssuerRefusals(t *testing.T) {
	if _, err := auth.OpenDevIssuer(t.TempDir(), "http://127.0.0.1:1"); err == nil {
		t.Error("an issuer URL without a path was accepted")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dev-issuer-key.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.OpenDevIssuer(dir, "http://127.0.0.1:1/dev"); err == nil {
		t.Error("a corrupt key file was accepted")
	}
	iss, err := auth.OpenDevIssuer(t.TempDir(), "http://127.0.0.1:1/dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Token(auth.TokenRequest{Tenant: "acme"}); err == nil {
		t.Error("a token without a subject was signed")
	}
	if _, err := iss.Token(auth.TokenRequest{Subject: "s"}); err == nil {
		t.Error("a token without a tenant was signed")
	}
}
