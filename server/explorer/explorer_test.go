package explorer_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/server/explorer"
)

// TestExplorerServesEverythingItLoads reads the explorer's page from the real server and
// follows every script and stylesheet it refers to: each must be a path on the server itself,
// answered with its type, nosniff and the explorer's Content-Security-Policy.
func TestExplorerServesEverythingItLoads(t *testing.T) {
	env := apitest.New(t, "sqlite")
	page := env.Get("/", nil)
	if page.Status != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", page.Status)
	}
	checkSecurityHeaders(t, "/", page.Header)
	if got := page.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", got)
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllSubmatch(page.Body, -1)
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	var loaded int
	for _, m := range refs {
		ref := string(m[1])
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if strings.Contains(ref, "//") || !strings.HasPrefix(ref, strings.TrimPrefix(explorer.AssetPrefix, "/")) {
			t.Errorf("the page loads %q, which is not one of the server's own explorer files", ref)
			continue
		}
		res := env.Get("/"+ref, nil)
		if res.Status != http.StatusOK {
			t.Errorf("GET /%s = %d, want 200", ref, res.Status)
			continue
		}
		loaded++
		checkSecurityHeaders(t, ref, res.Header)
		for ext, typ := range wantType {
			if strings.HasSuffix(ref, ext) && !strings.HasPrefix(res.Header.Get("Content-Type"), typ) {
				t.Errorf("GET /%s Content-Type = %q, want %s", ref, res.Header.Get("Content-Type"), typ)
			}
		}
	}
	if loaded < 4 {
		t.Errorf("the page loads %d of the server's files, want React, ReactDOM, GraphiQL and its start script", loaded)
	}
}

// TestExplorerAssets: licences are served with the code they cover, unknown names are 404,
// and an unchanged file is answered 304 to a browser that has it.
func TestExplorerAssets(t *testing.T) {
	env := apitest.New(t, "sqlite")
	for _, name := range []string{"LICENSE.graphiql.txt", "LICENSE.react.txt", "THIRD_PARTY_NOTICES.txt"} {
		res := env.Get(explorer.AssetPrefix+name, nil)
		if res.Status != http.StatusOK || !strings.Contains(string(res.Body), "Permission is hereby granted") {
			t.Errorf("GET %s%s = %d, want 200 with the licence text", explorer.AssetPrefix, name, res.Status)
		}
	}
	for _, path := range []string{"nope.js", "index.html", "../server.go", "%2e%2e%2fserver.go"} {
		if res := env.Get(explorer.AssetPrefix+path, nil); res.Status != http.StatusNotFound {
			t.Errorf("GET %s%s = %d, want 404", explorer.AssetPrefix, path, res.Status)
		}
	}

	etag := env.Get(explorer.AssetPrefix+"graphiql.min.js", nil).Header.Get("ETag")
	if etag == "" {
		t.Fatal("graphiql.min.js has no ETag")
	}
	res := env.Get(explorer.AssetPrefix+"graphiql.min.js", http.Header{"If-None-Match": {etag}})
	if res.Status != http.StatusNotModified || len(res.Body) != 0 {
		t.Errorf("GET graphiql.min.js with its ETag = %d with %d bytes, want 304 and no body", res.Status, len(res.Body))
	}
}

func checkSecurityHeaders(t *testing.T, path string, h http.Header) {
	t.Helper()
	want := map[string]string{
		"Content-Security-Policy": explorer.ContentSecurityPolicy,
		"X-Frame-Options":         "DENY",
		"X-Content-Type-Options":  "nosniff",
	}
	for name, value := range want {
		if got := h.Get(name); got != value {
			t.Errorf("%s: %s = %q, want %q", path, name, got, value)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, directive := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("%s: the Content-Security-Policy lacks %q", path, directive)
		}
	}
	for _, loose := range []string{"unsafe-eval", "unsafe-inline", "*", "http:", "https:"} {
		if strings.Contains(csp, loose) {
			t.Errorf("%s: the Content-Security-Policy allows %q", path, loose)
		}
	}
}
