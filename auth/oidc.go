package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// ClaimNames says where a token carries what the platform needs. A name may be a dotted path
// into nested claims, such as Keycloak's "realm_access.roles".
type ClaimNames struct {
	Tenant string
	Roles  string
	Email  string
	Name   string
}

// DefaultClaimNames are the claim names used unless configured otherwise.
var DefaultClaimNames = ClaimNames{Tenant: "tenant", Roles: "roles", Email: "email", Name: "name"}

// VerifierConfig configures token verification against an OIDC issuer.
type VerifierConfig struct {
	Issuer             string
	Audience           string
	Algorithms         []string      // accepted signature algorithms; default RS256 and ES256
	Leeway             time.Duration // clock skew allowed on exp and nbf; default 1 minute
	KeyRefreshInterval time.Duration // least time between two fetches of the issuer's keys; default 1 minute
	Claims             ClaimNames
	HTTPClient         *http.Client
}

// DefaultAlgorithms are the signature algorithms accepted unless configured otherwise.
var DefaultAlgorithms = []string{"RS256", "ES256"}

// Claims is what a verified token says about its bearer.
type Claims struct {
	Subject string
	Tenant  string
	Roles   []string
	Email   string
	Name    string
}

// TokenVerifier verifies bearer tokens with go-oidc: the signature against the issuer's keys,
// the issuer, the audience and the algorithm; expiry and not-before with a small leeway.
type TokenVerifier struct {
	cfg VerifierConfig

	mu           sync.Mutex
	verifier     *oidc.IDTokenVerifier
	keys         *keySet
	lastAttempt  time.Time
	discoveryErr error

	verified    *verifiedTokens
	verifyToken func(ctx context.Context, raw string) (Claims, time.Time, error) // verifySigned; tests count its calls
	now         func() time.Time
}

// NewTokenVerifier returns a verifier. It discovers the issuer on first use, so that the API
// starts even when the identity provider is briefly unreachable.
func NewTokenVerifier(cfg VerifierConfig) *TokenVerifier {
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultAlgorithms
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = time.Minute
	}
	if cfg.KeyRefreshInterval == 0 {
		cfg.KeyRefreshInterval = time.Minute
	}
	if cfg.Claims == (ClaimNames{}) {
		cfg.Claims = DefaultClaimNames
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	v := &TokenVerifier{cfg: cfg, verified: newVerifiedTokens(maxVerifiedTokens), now: time.Now}
	v.verifyToken = v.verifySigned
	return v
}

// discover builds the go-oidc verifier from the issuer's discovery document, retrying at most
// every few seconds while the issuer is unreachable.
func (v *TokenVerifier) discover(ctx context.Context) (*oidc.IDTokenVerifier, *keySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, v.keys, nil
	}
	if time.Since(v.lastAttempt) < 5*time.Second && v.discoveryErr != nil {
		return nil, nil, v.discoveryErr
	}
	v.lastAttempt = time.Now()
	ctx = oidc.ClientContext(ctx, v.cfg.HTTPClient)
	provider, err := oidc.NewProvider(ctx, v.cfg.Issuer)
	if err != nil {
		v.discoveryErr = errs.Wrap(err, "the identity provider is unreachable")
		return nil, nil, v.discoveryErr
	}
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURI == "" {
		v.discoveryErr = errs.Wrap(err, "the identity provider's discovery document names no jwks_uri")
		return nil, nil, v.discoveryErr
	}
	algs := make([]jose.SignatureAlgorithm, len(v.cfg.Algorithms))
	for i, a := range v.cfg.Algorithms {
		algs[i] = jose.SignatureAlgorithm(a)
	}
	v.keys = newKeySet(meta.JWKSURI, algs, v.cfg.KeyRefreshInterval, v.cfg.HTTPClient)
	v.verifier = oidc.NewVerifier(v.cfg.Issuer, v.keys, &oidc.Config{
		ClientID:             v.cfg.Audience,
		SkipClientIDCheck:    v.cfg.Audience == "",
		SupportedSigningAlgs: v.cfg.Algorithms,
		SkipExpiryCheck:      true, // checked below, with the configured leeway
	})
	return v.verifier, v.keys, nil
}

// Verify checks a raw bearer token and returns its claims. Every failure is UNAUTHENTICATED,
// but for an unreachable issuer, which is INTERNAL.
//
// A token that verified is remembered, by the SHA-256 of its text, until it expires or for
// verifiedTTL, whichever comes first, so that a client sending the same token with every
// request pays for its signature once (an ES256 verification was a quarter of the processor
// time of a small page). Revocation is the identity provider's expiry: a token revoked at the
// provider before it expires is accepted until it expires, as it would be without the cache,
// since the API does not ask the provider about tokens it holds (no introspection); the cache
// adds no acceptance beyond the token's own exp. When the issuer's keys change (a rotation
// retires a key), every remembered token is verified again.
func (v *TokenVerifier) Verify(ctx context.Context, raw string) (Claims, error) {
	key := sha256.Sum256([]byte(raw))
	now := v.now()
	keys := v.keyGeneration() // before verifying: a change during it makes the next call verify again
	if c, ok := v.verified.get(key, now, keys); ok {
		return c, nil
	}
	c, exp, err := v.verifyToken(ctx, raw)
	if err != nil {
		return Claims{}, err
	}
	until := now.Add(verifiedTTL)
	if exp.Before(until) {
		until = exp
	}
	v.verified.put(key, c, until, now, keys)
	return c, nil
}

// keyGeneration counts the changes of the issuer's key set seen so far (0 before discovery).
func (v *TokenVerifier) keyGeneration() uint64 {
	v.mu.Lock()
	keys := v.keys
	v.mu.Unlock()
	if keys == nil {
		return 0
	}
	return keys.generation.Load()
}

// verifySigned verifies a token with go-oidc and reads its claims and expiry.
func (v *TokenVerifier) verifySigned(ctx context.Context, raw string) (Claims, time.Time, error) {
	verifier, keys, err := v.discover(ctx)
	if err != nil {
		return Claims{}, time.Time{}, err
	}
	token, err := verifier.Verify(ctx, raw)
	if err != nil {
		return Claims{}, time.Time{}, v.refusal(ctx, keys, raw)
	}
	var all map[string]any
	if err := token.Claims(&all); err != nil {
		return Claims{}, time.Time{}, unauthenticated("unreadable token claims")
	}
	now := v.now()
	exp, hasExp := numericDate(all["exp"])
	if !hasExp {
		return Claims{}, time.Time{}, unauthenticated("the token has no expiry (exp)")
	}
	if now.After(exp.Add(v.cfg.Leeway)) {
		return Claims{}, time.Time{}, unauthenticated("the token expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(all["nbf"]); ok && now.Add(v.cfg.Leeway).Before(nbf) {
		return Claims{}, time.Time{}, unauthenticated("the token is not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	c := Claims{
		Subject: token.Subject,
		Tenant:  claimString(all, v.cfg.Claims.Tenant),
		Roles:   claimStrings(all, v.cfg.Claims.Roles),
		Email:   claimString(all, v.cfg.Claims.Email),
		Name:    claimString(all, v.cfg.Claims.Name),
	}
	switch {
	case c.Subject == "":
		return Claims{}, time.Time{}, unauthenticated("the token has no subject (sub)")
	case c.Tenant == "":
		return Claims{}, time.Time{}, unauthenticated("the token has no %q claim naming the tenant", v.cfg.Claims.Tenant)
	}
	return c, exp, nil
}

// refusal says why go-oidc refused a token, in the API's words: go-oidc's own name the JWT
// library and echo the issuer and audience the server expects. go-oidc has decided; this looks
// at the token again, in go-oidc's order, only to find the words.
func (v *TokenVerifier) refusal(ctx context.Context, keys *keySet, raw string) error {
	alg, ok := algorithmOf(raw)
	switch {
	case !ok:
		return notJWT()
	case strings.EqualFold(alg, "none"):
		return unauthenticated("the token is not signed (alg %q)", alg)
	case !slices.Contains(v.cfg.Algorithms, alg):
		return unauthenticated("the token is signed with %q, an algorithm this server does not accept", alg)
	}
	payload, err := keys.VerifySignature(ctx, raw)
	if err != nil {
		return err
	}
	var c struct {
		Issuer   string       `json:"iss"`
		Audience jwt.Audience `json:"aud"`
	}
	switch {
	case json.Unmarshal(payload, &c) != nil:
		return unauthenticated("the token's claims are malformed")
	case c.Issuer != v.cfg.Issuer:
		return unauthenticated("the token comes from another issuer than this server's identity provider")
	case v.cfg.Audience != "" && len(c.Audience) == 0:
		return unauthenticated("the token names no audience (aud)")
	case v.cfg.Audience != "" && !c.Audience.Contains(v.cfg.Audience):
		return unauthenticated("the token is meant for another audience than this API")
	}
	return unauthenticated("the token's claims are malformed")
}

// notJWT refuses a token that is not a JWS in compact form.
func notJWT() error {
	return unauthenticated("the bearer token is not a signed JWT (header.payload.signature, each base64url)")
}

// algorithmOf reads the signature algorithm from a compact JWS's header.
func algorithmOf(raw string) (string, bool) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", false
	}
	header, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return "", false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(header, &h) != nil || h.Alg == "" {
		return "", false
	}
	return h.Alg, true
}

func unauthenticated(format string, args ...any) *errs.Error {
	return errs.E(errs.Unauthenticated, format, args...)
}

// BearerToken returns the token of an "Authorization: Bearer …" header.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" {
		return "", unauthenticated("no bearer token: send Authorization: Bearer <token>")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", unauthenticated("the Authorization header is not a bearer token")
	}
	return strings.TrimSpace(token), nil
}

func numericDate(v any) (time.Time, bool) {
	switch n := v.(type) {
	case float64:
		return time.Unix(int64(n), 0), true
	case json.Number:
		f, err := n.Float64()
		return time.Unix(int64(f), 0), err == nil
	}
	return time.Time{}, false
}

// claim reads the claim of that exact name, else follows the name as a dotted path into the
// claims: namespaced claims (Auth0's "https://example.com/tenant") contain dots themselves.
func claim(all map[string]any, path string) any {
	if v, ok := all[path]; ok {
		return v
	}
	var cur any = all
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func claimString(all map[string]any, path string) string {
	s, _ := claim(all, path).(string)
	return s
}

// claimStrings reads a list claim; a single string, or one separated by spaces or commas,
// counts too.
func claimStrings(all map[string]any, path string) []string {
	switch v := claim(all, path).(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case string:
		return strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return nil
}

// String describes the configuration for logs.
func (c VerifierConfig) String() string {
	return fmt.Sprintf("issuer=%s audience=%s algorithms=%v", c.Issuer, c.Audience, c.Algorithms)
}
