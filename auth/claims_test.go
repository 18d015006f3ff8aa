package auth

import "testing"

func TestClaimNamesAndPaths(t *testing.T) {
	claims := map[string]any{
		"https://stakegraph.example.com/tenant": "acme",
		"realm_access":                          map[string]any{"roles": []any{"ADMIN", "offline_access"}},
		"scope":                                 "a b,c",
	}
	if got := claimString(claims, "https://stakegraph.example.com/tenant"); got != "acme" {
		t.Errorf("namespaced claim: %q, want acme", got)
	}
	if got := claimStrings(claims, "realm_access.roles"); len(got) != 2 || got[0] != "ADMIN" {
		t.Errorf("dotted path: %q", got)
	}
	if got := claimStrings(claims, "scope"); len(got) != 3 {
		t.Errorf("separated string: %q, want 3 values", got)
	}
	if got := claim(claims, "realm_access.missing.deeper"); got != nil {
		t.Errorf("missing path: %v, want nil", got)
	}
}
