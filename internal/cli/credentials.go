package cli

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// credentials is what login keeps in the user's config directory, readable by the user only.
type credentials struct {
	Server string `json:"server"`
	// Token is the bearer token sent to the API.
	Token string `json:"token"`
	// Expiry is when Token expires, when known.
	Expiry time.Time `json:"expiry,omitzero"`
	// What refreshing the token takes, after a device login with a refresh token.
	Issuer       string   `json:"issuer,omitempty"`
	ClientID     string   `json:"client_id,omitempty"`
	TokenURL     string   `json:"token_url,omitempty"`
	Scopes       []string `json:"scopes,omitempty"`
	RefreshToken string   `json:"refresh_token,omitempty"`
}

const credentialsFile = "credentials.json"

func (a *app) configDir() (string, error) {
	if dir := a.env.getenv(envConfigDir); dir != "" {
		return dir, nil
	}
	if a.env.ConfigDir == "" {
		return "", errorf("cannot find your config directory: set %s", envConfigDir)
	}
	return a.env.ConfigDir, nil
}

func (a *app) credentialsPath() (string, error) {
	dir, err := a.configDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, credentialsFile), nil
}

// loadCredentials returns the stored credentials, or nil when there are none.
func (a *app) loadCredentials() (*credentials, error) {
	path, err := a.credentialsPath()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, errorf("reading your credentials: %v", err)
	}
	var c credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, &Error{Exit: ExitAuth, Message: fmt.Sprintf("%s is not valid JSON: %v", path, err),
			Hint: "run `stakegraph logout`, then `stakegraph login`"}
	}
	return &c, nil
}

// saveCredentials writes the credentials with mode 0600, replacing the file at once so that
// no reader sees half of it.
func (a *app) saveCredentials(c *credentials) (string, error) {
	path, err := a.credentialsPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", errorf("creating %s: %v", filepath.Dir(path), err)
	}
	raw, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*.json")
	if err != nil {
		return "", errorf("saving your credentials: %v", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", errorf("saving your credentials: %v", err)
	}
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return "", errorf("saving your credentials: %v", err)
	}
	if err := tmp.Close(); err != nil {
		return "", errorf("saving your credentials: %v", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", errorf("saving your credentials: %v", err)
	}
	return path, nil
}

// jwtExpiry reads the exp claim of a JWT without verifying it (the server does that), to
// tell the user their token expired before asking the server.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(int64(claims.Exp), 0), true
}
