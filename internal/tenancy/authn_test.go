package tenancy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/server"
)

// audience is what the test issuer's tokens are for.
const audience = "stakegraph-api"

// signingKey is a private key the test issuer may sign with, under a key id.
type signingKey struct {
	kid string
	alg jose.SignatureAlgorithm
	key any // *rsa.PrivateKey or *ecdsa.PrivateKey
}

func (k signingKey) public() jose.JSONWebKey {
	var pub any
	switch p := k.key.(type) {
	case *rsa.PrivateKey:
		pub = &p.PublicKey
	case *ecdsa.PrivateKey:
		pub = &p.PublicKey
	}
	return jose.JSONWebKey{Key: pub, KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

// testIssuer is an OIDC issuer served over real HTTP: a discovery document and a JWKS that
// counts how often it is fetched.
type testIssuer struct {
	t   *testing.T
	srv *httptest.Server
	rsa signingKey
	ec  signingKey

	mu        sync.Mutex
	published []signingKey
	jwksHits  atomic.Int64
}

func newRSA(t *testing.T, kid string) signingKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid: kid, alg: jose.RS256, key: k}
}

func newEC(t *testing.T, kid string) signingKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signingKey{kid: kid, alg: jose.ES256, key: k}
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	iss := &testIssuer{t: t, rsa: newRSA(t, "rsa-1"), ec: newEC(t, "ec-1")}
	iss.published = []signingKey{iss.rsa, iss.ec}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                iss.srv.URL,
			"jwks_uri":                              iss.srv.URL + "/jwks",
			"authorization_endpoint":                iss.srv.URL + "/authorize",
			"token_endpoint":                        iss.srv.URL + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, _ *http.Request) {
		iss.jwksHits.Add(1)
		iss.mu.Lock()
		set := jose.JSONWebKeySet{}
		for _, k := range iss.published {
			set.Keys = append(set.Keys, k.public())
		}
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})
	iss.srv = httptest.NewServer(mux)
	t.Cleanup(iss.srv.Close)
	return iss
}

// publish replaces the keys the JWKS serves.
func (iss *testIssuer) publish(keys ...signingKey) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.published = keys
}

// claims returns valid claims for a KAM of tenant acme; tests change them.
func (iss *testIssuer) claims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":    iss.srv.URL,
		"sub":    "user-1",
		"aud":    []string{audience},
		"iat":    now.Unix(),
		"nbf":    now.Add(-time.Second).Unix(),
		"exp":    now.Add(time.Hour).Unix(),
		"tenant": "acme",
		"roles":  []string{"key-account-manager"},
		"email":  "user-1@seller.example",
		"name":   "User One",
	}
}

// sign serialises claims signed with the key under the key's id.
func (iss *testIssuer) sign(k signingKey, claims map[string]any) string {
	iss.t.Helper()
	return signWith(iss.t, k.alg, k.key, k.kid, claims)
}

func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// unsigned hand-crafts a token with the header and the claims and the signature given.
func unsigned(t *testing.T, header map[string]any, claims map[string]any, sig []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc(sig)
}

// api is the real API server over a database, with authentication by the test issuer.
type api struct {
	t   *testing.T
	url string
}

func newAPI(t *testing.T, db *storage.DB, cfg auth.VerifierConfig, opts ...tenancy.Option) *api {
	t.Helper()
	authn := tenancy.NewAuthenticator(auth.NewTokenVerifier(cfg), db.Client, false, opts...)
	srv := httptest.NewServer(server.New(server.DefaultConfig(), db.Client, server.WithAuthenticator(authn)))
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL}
}

type response struct {
	status int
	raw    []byte
	body   struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
}

func (r *response) code() string {
	if len(r.body.Errors) == 0 {
		return ""
	}
	c, _ := r.body.Errors[0].Extensions["code"].(string)
	return c
}

func (r *response) hasData() bool {
	d := bytes.TrimSpace(r.body.Data)
	return len(d) > 0 && !bytes.Equal(d, []byte("null"))
}

const viewerQuery = `{ viewer { role subject tenant { slug } member { email name } } }`

// do sends the viewer query with the Authorization header (none when empty).
func (a *api) do(authorization string) *response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": viewerQuery})
	req, err := http.NewRequest(http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &response{status: resp.StatusCode}
	out.raw, err = io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := json.Unmarshal(out.raw, &out.body); err != nil {
		a.t.Fatalf("response is not JSON: %v: %s", err, out.raw)
	}
	return out
}

func (a *api) bearer(token string) *response {
	a.t.Helper()
	return a.do("Bearer " + token)
}

func mustUnauthenticated(t *testing.T, r *response) {
	t.Helper()
	if r.status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || r.hasData() {
		t.Errorf("want 401 UNAUTHENTICATED without data, got %d %s", r.status, r.raw)
	}
}

// viewerData is what the viewer query returns.
type viewerData struct {
	Viewer struct {
		Role    string
		Subject string
		Tenant  struct{ Slug string }
		Member  *struct {
			Email *string
			Name  *string
		}
	}
}

func mustOK(t *testing.T, r *response) viewerData {
	t.Helper()
	var v viewerData
	if r.status != http.StatusOK || len(r.body.Errors) > 0 || !r.hasData() {
		t.Fatalf("want 200 with data, got %d %s", r.status, r.raw)
	}
	if err := json.Unmarshal(r.body.Data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// createTenant provisions a tenant as the platform would; the authenticator may not.
func createTenant(t *testing.T, db *storage.DB, slug string) {
	t.Helper()
	if _, err := tenancy.CreateTenant(viewer.AsSystem(context.Background(), "test"), db.Client, slug, slug); err != nil {
		t.Fatal(err)
	}
}

func TestTokenMatrix(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		iss := newTestIssuer(t)
		createTenant(t, db, "acme")
		a := newAPI(t, db, auth.VerifierConfig{Issuer: iss.srv.URL, Audience: audience})

		with := func(change func(c map[string]any)) map[string]any {
			c := iss.claims()
			change(c)
			return c
		}
		now := time.Now()
		rsaPub := &iss.rsa.key.(*rsa.PrivateKey).PublicKey
		pubDER, err := x509.MarshalPKIXPublicKey(rsaPub)
		if err != nil {
			t.Fatal(err)
		}
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
		pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(rsaPub)})
		otherRSA := newRSA(t, "rsa-1") // same kid, another key
		otherEC := newEC(t, "ec-1")
		valid := iss.sign(iss.rsa, iss.claims())

		const (
			notJWT      = "is not a signed JWT"
			notBearer   = "is not a bearer token"
			noSignature = "signature does not verify"
			notAccepted = "an algorithm this server does not accept"
		)
		refused := []struct {
			name          string
			authorization string
			message       string
		}{
			{"no token", "", "no bearer token"},
			{"empty bearer", "Bearer ", notBearer},
			{"not a JWT", "Bearer not-a-jwt", notJWT},
			{"garbage segments", "Bearer " + "eyJhbGciOiJSUzI1NiJ9.%%%%.AAAA", notJWT},
			{"random bytes", "Bearer " + base64.RawURLEncoding.EncodeToString([]byte("\x00\x01garbage\xff")) + ".." + "x", notJWT},
			{"header only", "Bearer " + strings.SplitN(valid, ".", 2)[0], notJWT},
			{"wrong scheme Basic", "Basic " + base64.StdEncoding.EncodeToString([]byte("user:password")), notBearer},
			{"valid token under the Basic scheme", "Basic " + valid, notBearer},
			{"valid token without a scheme", valid, notBearer},
			{"truncated signature", "Bearer " + valid[:len(valid)-8], noSignature},
			{"RSA: signed by another key with the same kid", "Bearer " + iss.sign(otherRSA, iss.claims()), noSignature},
			{"EC: signed by another key with the same kid", "Bearer " + iss.sign(otherEC, iss.claims()), noSignature},
			{"payload swapped under a valid signature", func() string {
				parts := strings.Split(valid, ".")
				forged := strings.Split(unsigned(t, map[string]any{}, with(func(c map[string]any) {
					c["roles"] = []string{"admin"}
				}), nil), ".")
				return "Bearer " + parts[0] + "." + forged[1] + "." + parts[2]
			}(), noSignature},
			{"expired beyond the leeway", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) {
				c["iat"] = now.Add(-time.Hour).Unix()
				c["nbf"] = now.Add(-time.Hour).Unix()
				c["exp"] = now.Add(-2 * time.Minute).Unix()
			})), "the token expired at"},
			{"not yet valid beyond the leeway", "Bearer " + iss.sign(iss.ec, with(func(c map[string]any) {
				c["nbf"] = now.Add(3 * time.Minute).Unix()
			})), "the token is not valid before"},
			{"no expiry", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { delete(c, "exp") })), "no expiry"},
			{"wrong issuer", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { c["iss"] = "https://evil.example" })), "comes from another issuer"},
			{"issuer with a trailing slash", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { c["iss"] = iss.srv.URL + "/" })), "comes from another issuer"},
			{"wrong audience", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { c["aud"] = []string{"another-api"} })), "meant for another audience"},
			{"no audience", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { delete(c, "aud") })), "names no audience"},
			{"no subject", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { delete(c, "sub") })), "no subject"},
			{"no tenant claim", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { delete(c, "tenant") })), `no "tenant" claim`},
			{"alg none", "Bearer " + unsigned(t, map[string]any{"alg": "none", "typ": "JWT"}, iss.claims(), nil), "is not signed"},
			{"alg none with a known kid", "Bearer " + unsigned(t, map[string]any{"alg": "none", "typ": "JWT", "kid": "rsa-1"}, iss.claims(), nil), "is not signed"},
			{"alg None (odd case)", "Bearer " + unsigned(t, map[string]any{"alg": "None", "typ": "JWT", "kid": "rsa-1"}, iss.claims(), nil), "is not signed"},
			{"HS256 keyed with the RSA public key (PKIX PEM)", "Bearer " + signWith(t, jose.HS256, pubPEM, "rsa-1", iss.claims()), notAccepted},
			{"HS256 keyed with the RSA public key (PKCS1 PEM)", "Bearer " + signWith(t, jose.HS256, pkcs1PEM, "rsa-1", iss.claims()), notAccepted},
			{"HS256 keyed with the RSA public key (DER)", "Bearer " + signWith(t, jose.HS256, pubDER, "rsa-1", iss.claims()), notAccepted},
			{"HS256 keyed with the RSA modulus", "Bearer " + signWith(t, jose.HS256, rsaPub.N.Bytes(), "rsa-1", iss.claims()), notAccepted},
			{"HS256 without a kid", "Bearer " + signWith(t, jose.HS256, pubPEM, "", iss.claims()), notAccepted},
			{"RS512: an algorithm outside the allow-list", "Bearer " + signWith(t, jose.RS512, iss.rsa.key, "rsa-1", iss.claims()), notAccepted},
			{"PS256: an algorithm outside the allow-list", "Bearer " + signWith(t, jose.PS256, iss.rsa.key, "rsa-1", iss.claims()), notAccepted},
			{"RS256 header on the EC key's kid", "Bearer " + signWith(t, jose.RS256, iss.rsa.key, "ec-1", iss.claims()), noSignature},
			{"unknown key id", "Bearer " + iss.sign(newRSA(t, "rsa-unknown"), iss.claims()), "comes from another issuer key"},
			{"no key id, unknown key", "Bearer " + signWith(t, jose.ES256, newEC(t, "").key, "", iss.claims()), "comes from another issuer key"},
			{"tenant unknown while creation is off", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { c["tenant"] = "ghost" })), "unknown tenant"},
			{"tenant claim that is no valid slug", "Bearer " + iss.sign(iss.rsa, with(func(c map[string]any) { c["tenant"] = "Not A Slug!" })), "unknown tenant"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				r := a.do(tc.authorization)
				mustUnauthenticated(t, r)
				if len(r.body.Errors) == 0 {
					return
				}
				msg := r.body.Errors[0].Message
				if !strings.Contains(msg, tc.message) {
					t.Errorf("message %q, want it to say %q", msg, tc.message)
				}
				// In the API's words: no JWT library, and nothing of what the server expects.
				for _, word := range []string{"jose", "oidc", "jwt:", iss.srv.URL, strings.TrimPrefix(iss.srv.URL, "http://"), audience} {
					if strings.Contains(strings.ToLower(msg), strings.ToLower(word)) {
						t.Errorf("message %q shows %q", msg, word)
					}
				}
			})
		}

		t.Run("valid RSA token", func(t *testing.T) {
			v := mustOK(t, a.bearer(valid))
			if v.Viewer.Role != "KEY_ACCOUNT_MANAGER" || v.Viewer.Subject != "user-1" || v.Viewer.Tenant.Slug != "acme" {
				t.Errorf("viewer %+v", v.Viewer)
			}
			if v.Viewer.Member == nil || v.Viewer.Member.Email == nil || *v.Viewer.Member.Email != "user-1@seller.example" {
				t.Errorf("member not provisioned from the token's claims: %+v", v.Viewer.Member)
			}
		})
		t.Run("valid EC token", func(t *testing.T) {
			v := mustOK(t, a.bearer(iss.sign(iss.ec, with(func(c map[string]any) {
				c["sub"] = "user-2"
				c["roles"] = []string{"ADMIN", "analyst"}
			}))))
			if v.Viewer.Role != "ADMIN" || v.Viewer.Subject != "user-2" {
				t.Errorf("viewer %+v", v.Viewer)
			}
		})
		t.Run("a later token without name or email keeps them; its role wins", func(t *testing.T) {
			v := mustOK(t, a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) {
				delete(c, "name")
				delete(c, "email")
				c["roles"] = []string{"MANAGER"}
			}))))
			m := v.Viewer.Member
			if v.Viewer.Role != "MANAGER" || m == nil || m.Name == nil || *m.Name != "User One" ||
				m.Email == nil || *m.Email != "user-1@seller.example" {
				t.Errorf("viewer %+v, member %+v", v.Viewer, m)
			}
		})
		t.Run("valid token without a kid", func(t *testing.T) {
			mustOK(t, a.bearer(signWith(t, jose.ES256, iss.ec.key, "", iss.claims())))
		})
		t.Run("expired within the leeway", func(t *testing.T) {
			mustOK(t, a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) {
				c["iat"] = now.Add(-time.Hour).Unix()
				c["nbf"] = now.Add(-time.Hour).Unix()
				c["exp"] = now.Add(-20 * time.Second).Unix()
			}))))
		})
		t.Run("not yet valid within the leeway", func(t *testing.T) {
			mustOK(t, a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) {
				c["nbf"] = now.Add(20 * time.Second).Unix()
			}))))
		})
		t.Run("audience among several", func(t *testing.T) {
			mustOK(t, a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) {
				c["aud"] = []string{"another-api", audience}
			}))))
		})
		t.Run("no stakegraph role", func(t *testing.T) {
			r := a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) {
				c["sub"] = "user-3"
				c["roles"] = []string{"offline_access", "uma_authorization", "superuser"}
			})))
			if r.status != http.StatusForbidden || r.code() != "FORBIDDEN" || r.hasData() {
				t.Errorf("want 403 FORBIDDEN without data, got %d %s", r.status, r.raw)
			}
		})
		t.Run("no roles claim", func(t *testing.T) {
			r := a.bearer(iss.sign(iss.rsa, with(func(c map[string]any) { delete(c, "roles") })))
			if r.status != http.StatusForbidden || r.code() != "FORBIDDEN" || r.hasData() {
				t.Errorf("want 403 FORBIDDEN without data, got %d %s", r.status, r.raw)
			}
		})
	})
}

// TestAlgorithmAllowList: an issuer configured for ES256 only refuses RS256 tokens, even
// signed by a key of its JWKS.
func TestAlgorithmAllowList(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	iss := newTestIssuer(t)
	createTenant(t, db, "acme")
	a := newAPI(t, db, auth.VerifierConfig{Issuer: iss.srv.URL, Audience: audience, Algorithms: []string{"ES256"}})
	mustUnauthenticated(t, a.bearer(iss.sign(iss.rsa, iss.claims())))
	mustOK(t, a.bearer(iss.sign(iss.ec, iss.claims())))
}

// TestCustomClaimNames: tenant, roles, email and name come from the configured claims, roles
// from a dotted path into a nested claim as Keycloak issues them.
func TestCustomClaimNames(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	iss := newTestIssuer(t)
	createTenant(t, db, "acme")
	a := newAPI(t, db, auth.VerifierConfig{
		Issuer: iss.srv.URL, Audience: audience,
		Claims: auth.ClaimNames{Tenant: "org.slug", Roles: "realm_access.roles", Email: "mail", Name: "display_name"},
	})
	claims := func(sub string) map[string]any {
		c := iss.claims()
		c["sub"] = sub
		delete(c, "tenant")
		delete(c, "roles")
		delete(c, "email")
		delete(c, "name")
		c["org"] = map[string]any{"slug": "acme"}
		c["realm_access"] = map[string]any{"roles": []string{"offline_access", "manager"}}
		c["mail"] = sub + "@custom.example"
		c["display_name"] = "Custom " + sub
		return c
	}
	v := mustOK(t, a.bearer(iss.sign(iss.rsa, claims("kc-1"))))
	if v.Viewer.Role != "MANAGER" || v.Viewer.Tenant.Slug != "acme" {
		t.Errorf("viewer %+v", v.Viewer)
	}
	if m := v.Viewer.Member; m == nil || m.Email == nil || *m.Email != "kc-1@custom.example" ||
		m.Name == nil || *m.Name != "Custom kc-1" {
		t.Errorf("member not provisioned from the configured claims: %+v", m)
	}

	// The default claim names mean nothing to this verifier.
	c := iss.claims()
	c["sub"] = "kc-2"
	c["org"] = map[string]any{"slug": "acme"}
	if r := a.bearer(iss.sign(iss.rsa, c)); r.status != http.StatusForbidden || r.code() != "FORBIDDEN" {
		t.Errorf("roles in the default claim: want 403 FORBIDDEN, got %d %s", r.status, r.raw)
	}
	c = claims("kc-3")
	delete(c, "org")
	c["tenant"] = "acme"
	mustUnauthenticated(t, a.bearer(iss.sign(iss.rsa, c)))
	// A path that runs into a non-object finds nothing.
	c = claims("kc-4")
	c["realm_access"] = "admin"
	if r := a.bearer(iss.sign(iss.rsa, c)); r.status != http.StatusForbidden {
		t.Errorf("realm_access not an object: want 403, got %d %s", r.status, r.raw)
	}
	// Roles as one space separated string count too.
	c = claims("kc-5")
	c["realm_access"] = map[string]any{"roles": "offline_access analyst"}
	if v := mustOK(t, a.bearer(iss.sign(iss.rsa, c))); v.Viewer.Role != "ANALYST" {
		t.Errorf("roles as a string: got %s", v.Viewer.Role)
	}
}

// TestKeyRotation: a token with a new key id makes the verifier fetch the issuer's keys again,
// once; tokens with made-up key ids make it fetch at most once per refresh interval.
func TestKeyRotation(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	iss := newTestIssuer(t)
	createTenant(t, db, "acme")
	const interval = 400 * time.Millisecond
	a := newAPI(t, db, auth.VerifierConfig{Issuer: iss.srv.URL, Audience: audience, KeyRefreshInterval: interval})

	mustOK(t, a.bearer(iss.sign(iss.rsa, iss.claims())))
	mustOK(t, a.bearer(iss.sign(iss.ec, iss.claims())))
	if n := iss.jwksHits.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times for two tokens of known keys, want 1", n)
	}

	// Rotate: the issuer now signs with a new RSA key and no longer publishes the old one.
	time.Sleep(interval + 50*time.Millisecond)
	rotated := newRSA(t, "rsa-2")
	iss.publish(rotated, iss.ec)
	mustOK(t, a.bearer(iss.sign(rotated, iss.claims())))
	if n := iss.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times after the first token of a rotated key, want 2", n)
	}
	mustOK(t, a.bearer(iss.sign(rotated, iss.claims())))
	mustOK(t, a.bearer(iss.sign(iss.ec, iss.claims())))
	mustUnauthenticated(t, a.bearer(iss.sign(iss.rsa, iss.claims()))) // retired key
	if n := iss.jwksHits.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times, want still 2: known keys need no fetch", n)
	}

	// A flood of made-up key ids, right after a refresh: no fetch at all; after the
	// interval: one fetch for the whole flood.
	flood := func() {
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var b [8]byte
				_, _ = rand.Read(b[:])
				k := newEC(t, fmt.Sprintf("made-up-%d-%s", i, hex.EncodeToString(b[:])))
				mustUnauthenticated(t, a.bearer(iss.sign(k, iss.claims())))
			}()
		}
		wg.Wait()
	}
	before := iss.jwksHits.Load()
	flood()
	if n := iss.jwksHits.Load() - before; n > 1 {
		t.Errorf("a flood of unknown key ids fetched the JWKS %d times within one interval, want at most 1", n)
	}
	time.Sleep(interval + 50*time.Millisecond)
	before = iss.jwksHits.Load()
	start := time.Now()
	flood()
	elapsed := time.Since(start)
	allowed := int64(elapsed/interval) + 1
	if n := iss.jwksHits.Load() - before; n < 1 || n > allowed {
		t.Errorf("a flood of unknown key ids over %v fetched the JWKS %d times, want 1..%d", elapsed, n, allowed)
	}

	// The rate limit does not stop a legitimate rotation for longer than the interval.
	time.Sleep(interval + 50*time.Millisecond)
	third := newEC(t, "ec-2")
	iss.publish(rotated, third)
	mustOK(t, a.bearer(iss.sign(third, iss.claims())))
}

// TestRoleNames: a role value names a stakegraph role by its whole name, so that roles other
// applications share in the identity provider ("x:admin", "evil/ADMIN") are no role here;
// with a role map, only the names it maps count.
func TestRoleNames(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	iss := newTestIssuer(t)
	createTenant(t, db, "acme")
	token := func(sub string, roles ...string) string {
		c := iss.claims()
		c["sub"] = sub
		c["roles"] = roles
		return iss.sign(iss.rsa, c)
	}
	forbidden := func(t *testing.T, r *response) {
		t.Helper()
		if r.status != http.StatusForbidden || r.code() != "FORBIDDEN" || r.hasData() {
			t.Errorf("want 403 FORBIDDEN without data, got %d %s", r.status, r.raw)
		}
	}
	byName := newAPI(t, db, auth.VerifierConfig{Issuer: iss.srv.URL, Audience: audience})
	for _, roles := range [][]string{{"x:admin"}, {"evil/ADMIN"}, {"stakegraph:admin", "realm/Manager"}, {"administrator"}} {
		forbidden(t, byName.bearer(token("user-1", roles...)))
	}
	if v := mustOK(t, byName.bearer(token("user-1", "x:admin", "Key-Account_Manager"))); v.Viewer.Role != "KEY_ACCOUNT_MANAGER" {
		t.Errorf("a whole role name among others: %s", v.Viewer.Role)
	}

	roles, err := auth.ParseRoleMap("/groups/sg-admins=ADMIN,sg-sales=key-account-manager")
	if err != nil {
		t.Fatal(err)
	}
	byMap := newAPI(t, db, auth.VerifierConfig{Issuer: iss.srv.URL, Audience: audience}, tenancy.WithRoleMap(roles))
	if v := mustOK(t, byMap.bearer(token("user-2", "sg-sales", "/groups/sg-admins"))); v.Viewer.Role != "ADMIN" {
		t.Errorf("mapped roles: %s", v.Viewer.Role)
	}
	if v := mustOK(t, byMap.bearer(token("user-2", "sg-sales"))); v.Viewer.Role != "KEY_ACCOUNT_MANAGER" {
		t.Errorf("a mapped role: %s", v.Viewer.Role)
	}
	forbidden(t, byMap.bearer(token("user-3", "ADMIN")))
	forbidden(t, byMap.bearer(token("user-3", "SG-SALES")))
}
