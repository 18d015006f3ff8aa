package explorer_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/apitest"
	"github.com/stakegraph/stakegraph/server/explorer"
)

// TestExplorerServesEverythingItLoads reads the explorer's page from the real server and
// follows every script and stylesheet it refers to: each must be a path on the server itself,
// answered with its type, nosniff and the explorer's Content-Security-Policy.
func TestExplorerServesEverythingItLoads(t *testing.T) {
	env := apitest.New(t, "sqlite")
	res, body := get(t, env.URL+"/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", res.StatusCode)
	}
	checkSecurityHeaders(t, "/", res.Header)
	if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("GET / Content-Type = %q, want text/html", got)
	}

	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(body, -1)
	wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}
	var loaded int
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if strings.Contains(ref, "//") || !strings.HasPrefix(ref, strings.TrimPrefix(explorer.AssetPrefix, "/")) {
			t.Errorf("the page loads %q, which is not one of the server's own explorer files", ref)
			continue
		}
		res, _ := get(t, env.URL+"/"+ref, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /%s = %d, want 200", ref, res.StatusCode)
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
		res, body := get(t, env.URL+explorer.AssetPrefix+name, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Permission is hereby granted") {
			t.Errorf("GET %s%s = %d, want 200 with the licence text", explorer.AssetPrefix, name, res.StatusCode)
		}
	}
	for _, path := range []string{"nope.js", "index.html", "../server.go", "%2e%2e%2fserver.go"} {
		if res, _ := get(t, env.URL+explorer.AssetPrefix+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s = %d, want 404", explorer.AssetPrefix, path, res.StatusCode)
		}
	}

	res, _ := get(t, env.URL+explorer.AssetPrefix+"graphiql.min.js", nil)
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("graphiql.min.js has no ETag")
	}
	res, body := get(t, env.URL+explorer.AssetPrefix+"graphiql.min.js", http.Header{"If-None-Match": {etag}})
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("GET graphiql.min.js with its ETag = %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
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

func get(t *testing.T, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}
