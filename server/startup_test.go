package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/server"
)

// TestStartingServer: a server made with Starting holds its port but serves nothing but
// /healthz and /metrics until it is Ready; a request meanwhile gets 503 with Retry-After.
func TestStartingServer(t *testing.T) {
	db := storagetest.Open(t, "sqlite")
	srv := server.New(server.DefaultConfig(), db.Client, server.Starting(), server.WithReadiness(db.SQL.PingContext))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	get := func(method, path string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, hs.URL+path, bytes.NewReader([]byte(`{"query":"{ viewer { subject } }"}`)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		if resp, body := get(http.MethodGet, path); resp.StatusCode != http.StatusOK {
			t.Errorf("%s while starting: %d %s", path, resp.StatusCode, body)
		}
	}
	for _, req := range []struct{ method, path string }{{http.MethodGet, "/readyz"}, {http.MethodPost, "/graphql"}, {http.MethodGet, "/"}} {
		resp, body := get(req.method, req.path)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s while starting: %d (Retry-After %q) %s", req.method, req.path, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
	_, body := get(http.MethodPost, "/graphql")
	var out struct {
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) != 1 || out.Errors[0].Message == "" {
		t.Errorf("a GraphQL request while starting: %s", body)
	}

	srv.Ready()
	if resp, body := get(http.MethodGet, "/readyz"); resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz once ready: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(http.MethodPost, "/graphql"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/graphql once ready, without a token: %d %s", resp.StatusCode, body)
	}
}
