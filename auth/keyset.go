package auth

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// keySet holds an issuer's signing keys from its JWKS. It refreshes them when a token names an
// unknown key id, at most once per minInterval, so that tokens with made-up key ids cannot make
// us hammer the identity provider.
type keySet struct {
	url         string
	algorithms  []jose.SignatureAlgorithm
	minInterval time.Duration
	client      *http.Client

	mu          sync.Mutex
	keys        []jose.JSONWebKey
	lastRefresh time.Time
	generation  atomic.Uint64 // counts fetches that changed keys held before; remembered tokens are verified again after one
}

func newKeySet(url string, algorithms []jose.SignatureAlgorithm, minInterval time.Duration, client *http.Client) *keySet {
	return &keySet{url: url, algorithms: algorithms, minInterval: minInterval, client: client}
}

// VerifySignature implements oidc.KeySet. Its refusals are UNAUTHENTICATED errors in the
// API's words; an issuer whose keys cannot be fetched is INTERNAL.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, k.algorithms)
	if err != nil {
		return nil, notJWT()
	}
	if len(jws.Signatures) != 1 {
		return nil, unauthenticated("the token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.keysFor(ctx, kid)
	if err != nil {
		return nil, errs.Wrap(err, "the identity provider's keys are unreachable")
	}
	known := false
	for _, key := range keys {
		if kid == "" || key.KeyID == kid {
			known = true
			if payload, err := jws.Verify(&key); err == nil {
				return payload, nil
			}
		}
	}
	switch {
	case kid == "":
		return nil, unauthenticated("the token's signature verifies with none of the issuer's keys: it comes from another issuer key")
	case !known:
		return nil, unauthenticated("the token is signed with a key its issuer does not publish (key id %q): it comes from another issuer key, or one the issuer has retired", kid)
	}
	return nil, unauthenticated("the token's signature does not verify: the token was altered, or signed by another key under the same key id")
}

// keysFor returns the cached keys, refreshed first when none has the key id and the last
// refresh is old enough.
func (k *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	known := false
	for _, key := range k.keys {
		if kid == "" || key.KeyID == kid {
			known = true
			break
		}
	}
	if known || time.Since(k.lastRefresh) < k.minInterval {
		return k.keys, nil
	}
	k.lastRefresh = time.Now()
	keys, err := k.fetch(ctx)
	if err != nil {
		if len(k.keys) > 0 {
			return k.keys, nil // keep serving with the keys we have
		}
		return nil, err
	}
	if len(k.keys) > 0 && !slices.EqualFunc(k.keys, keys, sameKey) {
		k.generation.Add(1)
	}
	k.keys = keys
	return keys, nil
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the issuer's keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching the issuer's keys: %s", resp.Status)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding the issuer's keys: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.Use == "" || key.Use == "sig" {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// sameKey compares two published keys by what identifies them: the key id and the public key.
func sameKey(a, b jose.JSONWebKey) bool {
	if a.KeyID != b.KeyID {
		return false
	}
	ta, errA := a.Thumbprint(crypto.SHA256)
	tb, errB := b.Thumbprint(crypto.SHA256)
	return errA == nil && errB == nil && bytes.Equal(ta, tb)
}
