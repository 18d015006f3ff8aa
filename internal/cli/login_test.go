package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/cli"
)

func TestLoginWithTokenThenLogout(t *testing.T) {
	apitest.Each(t, func(t *testing.T, api *apitest.Env) {
		h := newHarness(t, api)
		h.fails(cli.ExitAuth, []string{"not logged in: run `stakegraph login` or set STAKEGRAPH_TOKEN"}, "accounts", "list")

		token := api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim")
		r := h.ok("login", "--token", token)
		contains(t, "login output", r.stdout, "Logged in to "+api.URL+" as kim <kim@seller.example> (KEY_ACCOUNT_MANAGER) in tenant acme.")

		path := filepath.Join(h.configDir, "credentials.json")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("credentials.json has mode %v, want 0600", fi.Mode().Perm())
		}
		var stored struct {
			Server, Token string
		}
		raw, _ := os.ReadFile(path)
		if err := json.Unmarshal(raw, &stored); err != nil || stored.Server != api.URL || stored.Token != token {
			t.Fatalf("credentials.json: %v %s", err, raw)
		}

		// Without STAKEGRAPH_SERVER the stored server is used.
		bare := h.with(map[string]string{"STAKEGRAPH_SERVER": ""})
		var who struct {
			Server      string
			Subject     string
			Role        string
			Tenant      struct{ Slug string }
			TokenSource string
		}
		bare.json(&who, "whoami")
		if who.Server != api.URL || who.Subject != "kim" || who.Role != "KEY_ACCOUNT_MANAGER" || who.Tenant.Slug != "acme" || who.TokenSource != path {
			t.Fatalf("whoami: %+v", who)
		}

		// STAKEGRAPH_TOKEN wins over the stored token.
		bare.as(api.Token("acme", "ANALYST", "ann")).json(&who, "whoami")
		if who.Subject != "ann" || who.TokenSource != "STAKEGRAPH_TOKEN" {
			t.Fatalf("whoami with STAKEGRAPH_TOKEN: %+v", who)
		}

		r = h.ok("logout")
		contains(t, "logout output", r.stdout, "Logged out: removed "+path)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("credentials.json is still there: %v", err)
		}
		h.fails(cli.ExitAuth, []string{"not logged in"}, "whoami")
		contains(t, "second logout", h.ok("logout").stdout, "Not logged in.")
	})
}

func TestLoginTokenFromStdinAndRefused(t *testing.T) {
	api := apitest.New(t, "sqlite")
	h := newHarness(t, api)
	h.stdin = api.Token("acme", "ADMIN", "ada") + "\n"
	h.ok("login", "--token", "-")
	h.stdin = ""
	var who struct{ Subject string }
	h.json(&who, "whoami")
	if who.Subject != "ada" {
		t.Fatalf("whoami after login from stdin: %+v", who)
	}

	// A token the server refuses is not kept.
	h.fails(cli.ExitAuth, []string{"UNAUTHENTICATED", "stakegraph login"}, "login", "--token", "not.a.token")
	h.json(&who, "whoami")
	if who.Subject != "ada" {
		t.Fatalf("a refused login replaced the credentials: %+v", who)
	}
}

// testIdP is an OIDC provider with the device authorization flow: the user "approves" on
// the second poll.
type testIdP struct {
	*httptest.Server
	mu        sync.Mutex
	polls     int
	refreshes int
	outcome   string // "" approves on the second poll; otherwise the error every poll returns
	idToken   string
	clientID  string
	scope     string
	device    bool
}

func newTestIdP(t *testing.T, idToken string) *testIdP {
	idp := &testIdP{idToken: idToken, device: true}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		defer idp.mu.Unlock()
		doc := map[string]any{
			"issuer":         idp.URL,
			"token_endpoint": idp.URL + "/token",
			"jwks_uri":       idp.URL + "/jwks",
		}
		if idp.device {
			doc["device_authorization_endpoint"] = idp.URL + "/device"
		}
		writeJSON(w, http.StatusOK, doc)
	})
	mux.HandleFunc("POST /device", func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		idp.clientID, idp.scope = r.FormValue("client_id"), r.FormValue("scope")
		idp.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"device_code":               "dev-code-1",
			"user_code":                 "WDJB-MJHT",
			"verification_uri":          idp.URL + "/activate",
			"verification_uri_complete": idp.URL + "/activate?user_code=WDJB-MJHT",
			"expires_in":                60,
			"interval":                  1,
		})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		idp.mu.Lock()
		defer idp.mu.Unlock()
		if r.FormValue("grant_type") == "refresh_token" && r.FormValue("refresh_token") == "refresh-1" {
			idp.refreshes++
			writeJSON(w, http.StatusOK, map[string]any{
				"access_token": "opaque-access-token-2", "token_type": "Bearer", "expires_in": 3600,
				"refresh_token": "refresh-2", "id_token": idp.idToken,
			})
			return
		}
		if r.FormValue("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" || r.FormValue("device_code") != "dev-code-1" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant"})
			return
		}
		idp.polls++
		switch {
		case idp.outcome != "":
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": idp.outcome})
		case idp.polls == 1:
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "authorization_pending"})
		default:
			writeJSON(w, http.StatusOK, map[string]any{
				"access_token": "opaque-access-token", "token_type": "Bearer", "expires_in": 3600,
				"refresh_token": "refresh-1", "id_token": idp.idToken,
			})
		}
	})
	idp.Server = httptest.NewServer(mux)
	t.Cleanup(idp.Close)
	return idp
}

// set changes the provider's behaviour between logins.
func (idp *testIdP) set(change func(*testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	change(idp)
}

func (idp *testIdP) seenRefreshes() int {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.refreshes
}

// seen returns what the provider saw.
func (idp *testIdP) seen() (polls int, clientID, scope string) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.polls, idp.clientID, idp.scope
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestDeviceLogin(t *testing.T) {
	api := apitest.New(t, "sqlite")
	idToken := api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim")
	idp := newTestIdP(t, idToken)
	h := newHarness(t, api).with(map[string]string{"STAKEGRAPH_OIDC_ISSUER": idp.URL})

	r := h.ok("login", "--client-id", "cli-test")
	contains(t, "login instructions", r.stderr,
		"To log in, open "+idp.URL+"/activate and enter the code WDJB-MJHT",
		idp.URL+"/activate?user_code=WDJB-MJHT")
	contains(t, "login output", r.stdout, "as kim <kim@seller.example> (KEY_ACCOUNT_MANAGER) in tenant acme")
	polls, clientID, scope := idp.seen()
	if polls != 2 {
		t.Fatalf("the token endpoint was polled %d times, want 2 (pending, then approved)", polls)
	}
	if clientID != "cli-test" || !strings.Contains(scope, "openid") {
		t.Fatalf("device authorization request: client_id %q scope %q", clientID, scope)
	}

	var stored struct {
		Server, Token, Issuer string
		RefreshToken          string `json:"refresh_token"`
		TokenURL              string `json:"token_url"`
	}
	raw, err := os.ReadFile(filepath.Join(h.configDir, "credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Token != idToken || stored.Issuer != idp.URL || stored.RefreshToken != "refresh-1" || stored.TokenURL != idp.URL+"/token" || stored.Server != api.URL {
		t.Fatalf("credentials after the device flow: %s", raw)
	}

	// The stored token works for the other commands.
	var who struct{ Subject string }
	h.json(&who, "whoami")
	if who.Subject != "kim" {
		t.Fatalf("whoami after device login: %+v", who)
	}
}

func TestDeviceLoginFailures(t *testing.T) {
	api := apitest.New(t, "sqlite")
	idp := newTestIdP(t, api.Token("acme", "ADMIN", "ada"))
	h := newHarness(t, api).with(map[string]string{"STAKEGRAPH_OIDC_ISSUER": idp.URL})

	idp.set(func(idp *testIdP) { idp.outcome = "expired_token" })
	h.fails(cli.ExitAuth, []string{"the code expired before the login was approved", "run `stakegraph login` again"}, "login")
	idp.set(func(idp *testIdP) { idp.outcome = "access_denied" })
	h.fails(cli.ExitAuth, []string{"the login was denied"}, "login")
	if _, err := os.Stat(filepath.Join(h.configDir, "credentials.json")); !os.IsNotExist(err) {
		t.Fatalf("a failed login stored credentials: %v", err)
	}

	// An issuer without the device flow: the development issuer, the default.
	dev := newHarness(t, api)
	dev.fails(cli.ExitAuth, []string{
		"the issuer " + api.URL + "/dev does not offer the device authorization flow",
		"stakegraph login --token",
	}, "login")
	idp.set(func(idp *testIdP) { idp.device = false })
	h.fails(cli.ExitAuth, []string{"does not offer the device authorization flow"}, "login")
}

func TestExpiredLoginIsRefreshed(t *testing.T) {
	api := apitest.New(t, "sqlite")
	idp := newTestIdP(t, api.Token("acme", "KEY_ACCOUNT_MANAGER", "kim"))
	h := newHarness(t, api)
	expired := "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":1000}`)) + ".c2ln"
	path := filepath.Join(h.configDir, "credentials.json")
	write := func(refresh string) {
		raw, _ := json.Marshal(map[string]any{"server": api.URL, "token": expired, "issuer": idp.URL,
			"client_id": "stakegraph-cli", "token_url": idp.URL + "/token", "refresh_token": refresh})
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	write("refresh-1")
	var who struct{ Subject string }
	h.json(&who, "whoami")
	if who.Subject != "kim" || idp.seenRefreshes() != 1 {
		t.Fatalf("whoami after a refresh: %+v, %d refreshes", who, idp.seenRefreshes())
	}
	var stored struct {
		Token        string
		RefreshToken string `json:"refresh_token"`
	}
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &stored); err != nil || stored.Token == expired || stored.RefreshToken != "refresh-2" {
		t.Fatalf("credentials after the refresh: %s", raw)
	}

	write("")
	h.fails(cli.ExitAuth, []string{"your login expired at", "run `stakegraph login` again"}, "accounts", "list")
	write("revoked")
	h.fails(cli.ExitAuth, []string{"your login expired and could not be refreshed"}, "accounts", "list")
}
