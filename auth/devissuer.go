package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// DevAudience is the audience of the development issuer's tokens.
const DevAudience = "stakegraph"

// devKeyFile is where the development issuer keeps its signing key, in the data directory.
const devKeyFile = "dev-issuer-key.pem"

// DevIssuer is the embedded development identity provider: the counterpart of embedded SQLite
// for authentication. It serves a discovery document and its keys from the API server itself,
// and signs tokens that the server verifies through the same go-oidc path as a real issuer's.
// It is for development only: anyone who can read the data directory can mint tokens.
type DevIssuer struct {
	issuer string
	path   string
	key    *ecdsa.PrivateKey
	kid    string
}

// OpenDevIssuer loads the issuer's key from the data directory, creating it on first use: the
// server's part. issuerURL is where the server serves it, e.g. http://127.0.0.1:8080/dev.
func OpenDevIssuer(dataDir, issuerURL string) (*DevIssuer, error) {
	return openDevIssuer(dataDir, issuerURL, true)
}

// LoadDevIssuer loads the key that the server created in the data directory, and refuses to
// create one: tokens signed by a new key would only be refused by the server.
func LoadDevIssuer(dataDir, issuerURL string) (*DevIssuer, error) {
	return openDevIssuer(dataDir, issuerURL, false)
}

func openDevIssuer(dataDir, issuerURL string, create bool) (*DevIssuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || u.Path == "" || u.Path == "/" {
		return nil, fmt.Errorf("development issuer URL %q needs a path, e.g. /dev", issuerURL)
	}
	path := filepath.Join(dataDir, devKeyFile)
	key, err := loadKey(path)
	if errors.Is(err, os.ErrNotExist) && create {
		key, err = createKey(path)
	} else if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no development issuer key in %s: run this where `stakegraph serve` runs, "+
			"with the same --data-dir (serve creates the key on its first start)", dataDir)
	}
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	sum := crypto.SHA256.New()
	sum.Write(der)
	return &DevIssuer{
		issuer: issuerURL,
		path:   u.Path,
		key:    key,
		kid:    base64.RawURLEncoding.EncodeToString(sum.Sum(nil))[:16],
	}, nil
}

func createKey(path string) (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func loadKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s holds no PEM key", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s is not an ECDSA key", path)
	}
	return key, nil
}

// Issuer returns the issuer URL that tokens carry and discovery announces.
func (d *DevIssuer) Issuer() string { return d.issuer }

// Routes returns the issuer's discovery document and key set handlers, by ServeMux pattern.
func (d *DevIssuer) Routes() map[string]http.Handler {
	jwksURL := d.issuer + "/jwks.json"
	discovery := map[string]any{
		"issuer":                                d.issuer,
		"jwks_uri":                              jwksURL,
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"response_types_supported":              []string{"id_token"},
		"subject_types_supported":               []string{"public"},
		"authorization_endpoint":                d.issuer + "/authorize",
		"token_endpoint":                        d.issuer + "/token",
	}
	keys := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &d.key.PublicKey, KeyID: d.kid, Algorithm: string(jose.ES256), Use: "sig",
	}}}
	serve := func(v any) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "public, max-age=300")
			_ = json.NewEncoder(w).Encode(v)
		})
	}
	return map[string]http.Handler{
		"GET " + d.path + "/.well-known/openid-configuration": serve(discovery),
		"GET " + d.path + "/jwks.json":                        serve(keys),
	}
}

// TokenRequest says what a development token claims.
type TokenRequest struct {
	Subject string
	Tenant  string
	Roles   []string
	Email   string
	Name    string
	TTL     time.Duration
	Claims  ClaimNames // where to put tenant, roles, email and name; default DefaultClaimNames
}

// Token signs a token for the request.
func (d *DevIssuer) Token(req TokenRequest) (string, error) {
	if req.Subject == "" || req.Tenant == "" {
		return "", errors.New("a development token needs a subject and a tenant")
	}
	if req.TTL <= 0 {
		req.TTL = 12 * time.Hour
	}
	names := req.Claims
	if names == (ClaimNames{}) {
		names = DefaultClaimNames
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: d.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", d.kid))
	if err != nil {
		return "", err
	}
	now := time.Now()
	custom := map[string]any{names.Tenant: req.Tenant, names.Roles: req.Roles}
	if req.Email != "" {
		custom[names.Email] = req.Email
	}
	if req.Name != "" {
		custom[names.Name] = req.Name
	}
	return jwt.Signed(signer).
		Claims(jwt.Claims{
			Issuer:    d.issuer,
			Subject:   req.Subject,
			Audience:  jwt.Audience{DevAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(req.TTL)),
		}).
		Claims(custom).
		Serialize()
}
