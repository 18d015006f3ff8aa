package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// countingVerifier verifies the development issuer's tokens on a clock of the test's, and
// counts the tokens it verifies by their signature.
func countingVerifier(t *testing.T) (*TokenVerifier, *DevIssuer, *atomic.Int64, *time.Time) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss, err := OpenDevIssuer(t.TempDir(), srv.URL+"/dev")
	if err != nil {
		t.Fatal(err)
	}
	for pattern, h := range iss.Routes() {
		mux.Handle(pattern, h)
	}
	v := NewTokenVerifier(VerifierConfig{Issuer: iss.Issuer(), Audience: DevAudience, Leeway: time.Nanosecond})
	clock := time.Now()
	v.now = func() time.Time { return clock }
	var verified atomic.Int64
	v.verifyToken = func(ctx context.Context, raw string) (Claims, time.Time, error) {
		verified.Add(1)
		return v.verifySigned(ctx, raw)
	}
	return v, iss, &verified, &clock
}

func token(t *testing.T, iss *DevIssuer, ttl time.Duration) string {
	t.Helper()
	tok, err := iss.Token(TokenRequest{Subject: "ann", Tenant: "acme", Roles: []string{"ADMIN"}, TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifiedTokensAreRemembered(t *testing.T) {
	v, iss, verified, _ := countingVerifier(t)
	tok := token(t, iss, time.Hour)
	for range 50 {
		c, err := v.Verify(t.Context(), tok)
		if err != nil || c.Subject != "ann" || c.Tenant != "acme" || len(c.Roles) != 1 || c.Roles[0] != "ADMIN" {
			t.Fatalf("Verify = %+v, %v", c, err)
		}
		c.Roles[0] = "changed by a caller"
	}
	if n := verified.Load(); n != 1 {
		t.Errorf("50 requests with one token verified it %d times, want once", n)
	}

	// Another token of the same claims (ES256 signatures differ each time) is verified on its
	// own.
	other := token(t, iss, time.Hour)
	if other == tok {
		t.Fatal("the issuer signed the same token twice")
	}
	if _, err := v.Verify(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if n := verified.Load(); n != 2 {
		t.Errorf("a second token with the same claims: %d verifications, want 2", n)
	}
	// A token that does not verify is not remembered, and a forged one is refused although a
	// token of the same claims is remembered.
	forged := tok[:len(tok)-4] + "AAAA"
	for range 2 {
		if _, err := v.Verify(t.Context(), forged); err == nil {
			t.Fatal("a token with a forged signature was accepted")
		}
	}
	if n := verified.Load(); n != 4 {
		t.Errorf("a forged token sent twice: %d verifications in all, want 4", n)
	}
}

func TestRememberedTokensExpire(t *testing.T) {
	v, iss, verified, clock := countingVerifier(t)
	short := token(t, iss, 2*time.Minute) // expires before verifiedTTL is up
	long := token(t, iss, time.Hour)
	for _, tok := range []string{short, long} {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Fatal(err)
		}
	}

	*clock = clock.Add(3 * time.Minute) // past the short token's expiry
	if _, err := v.Verify(t.Context(), short); err == nil {
		t.Error("an expired token was accepted from memory")
	}
	if _, err := v.Verify(t.Context(), long); err != nil {
		t.Fatal(err)
	}
	if n := verified.Load(); n != 3 {
		t.Errorf("%d verifications, want 3: the expired token verified again, the other not", n)
	}

	*clock = clock.Add(verifiedTTL) // the long token is remembered no longer than verifiedTTL
	if _, err := v.Verify(t.Context(), long); err != nil {
		t.Fatal(err)
	}
	if n := verified.Load(); n != 4 {
		t.Errorf("%d verifications, want 4: a token is verified again after %s", n, verifiedTTL)
	}
}

func TestVerifiedTokensStayBounded(t *testing.T) {
	c := newVerifiedTokens(3)
	now := time.Now()
	for i := range 10 {
		c.put([32]byte{byte(i)}, Claims{Subject: "s"}, now.Add(time.Minute), now, 0)
		if len(c.entries) > 3 {
			t.Fatalf("%d tokens remembered, at most 3", len(c.entries))
		}
	}
	if _, ok := c.get([32]byte{9}, now, 0); !ok {
		t.Error("the token remembered last is forgotten")
	}
}
