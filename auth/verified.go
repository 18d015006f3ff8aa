package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"
)

// verifiedTTL bounds how long a verified token is served from memory, whatever its expiry.
const verifiedTTL = 5 * time.Minute

// maxVerifiedTokens bounds the memory of verified tokens: about 200 bytes each.
const maxVerifiedTokens = 10_000

// verifiedTokens remembers the claims of tokens that verified, by the SHA-256 of the token
// (the token itself is not kept), each until a time no later than the token's expiry.
type verifiedTokens struct {
	mu      sync.Mutex
	max     int
	entries map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	claims Claims
	until  time.Time
	keys   uint64 // the generation of the issuer's key set the token verified against
}

func newVerifiedTokens(max int) *verifiedTokens {
	return &verifiedTokens{max: max, entries: map[[sha256.Size]byte]verifiedToken{}}
}

// get returns the claims of a token verified before, unless its time is up or the issuer's
// keys have changed since (a retired key's tokens must stop verifying at once).
func (c *verifiedTokens) get(key [sha256.Size]byte, now time.Time, keys uint64) (Claims, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) || e.keys != keys {
		return Claims{}, false
	}
	claims := e.claims
	claims.Roles = slices.Clone(claims.Roles) // the caller's to keep
	return claims, true
}

// put remembers a verified token until the time. When full, it forgets the tokens whose time
// is up, then, if that was not enough, any tokens: a forgotten token is verified again.
func (c *verifiedTokens) put(key [sha256.Size]byte, claims Claims, until, now time.Time, keys uint64) {
	claims.Roles = slices.Clone(claims.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.until) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = verifiedToken{claims: claims, until: until, keys: keys}
}
