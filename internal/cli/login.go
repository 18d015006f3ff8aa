package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v3"
	"golang.org/x/oauth2"
)

func (a *app) loginCommand() *urfave.Command {
	return &urfave.Command{
		Name:  "login",
		Usage: "log in to a stakegraph server and keep the token in your config directory",
		Description: "With --token (or STAKEGRAPH_TOKEN), keeps that token; `--token -` reads it from standard input.\n" +
			"Otherwise runs the OIDC device authorization flow (RFC 8628) against the issuer: open the URL it\n" +
			"prints, enter the code, and the command finishes when you have approved. Without --issuer it asks\n" +
			"the server's embedded development issuer (<server>/dev), which offers no device flow: take a token\n" +
			"from `stakegraph token` instead.",
		Flags: append(a.commonFlags(),
			&urfave.StringFlag{Name: "token", Sources: a.envVar(envToken),
				Usage: "a bearer token to keep instead of logging in through the issuer (- reads standard input)"},
			&urfave.StringFlag{Name: "issuer", Sources: a.envVar(envIssuer),
				Usage: "the OIDC issuer to log in with (default: the server's development issuer, <server>/dev)"},
			&urfave.StringFlag{Name: "client-id", Value: "stakegraph-cli", Sources: a.envVar(envClientID),
				Usage: "the OAuth client id registered at the issuer for the CLI"},
			&urfave.StringSliceFlag{Name: "scope", Value: []string{"openid", "profile", "email", "offline_access"},
				Usage: "scopes to ask for"},
		),
		Action: a.login,
	}
}

func (a *app) login(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	creds, err := a.loadCredentials()
	if err != nil {
		creds = nil // a broken file is replaced by this login
	}
	server := a.serverURL(c, creds)
	next := &credentials{Server: server}
	if c.IsSet("token") {
		token := strings.TrimSpace(c.String("token"))
		if token == "-" {
			raw, err := io.ReadAll(a.env.Stdin)
			if err != nil {
				return errorf("reading the token from standard input: %v", err)
			}
			token = strings.TrimSpace(string(raw))
		}
		if token == "" {
			return usagef(c, "--token is empty")
		}
		next.Token = token
	} else {
		issuer := c.String("issuer")
		if issuer == "" {
			issuer = server + "/dev"
		}
		if err := a.deviceLogin(ctx, c, strings.TrimRight(issuer, "/"), next); err != nil {
			return err
		}
	}
	if exp, ok := jwtExpiry(next.Token); ok {
		next.Expiry = exp
	}

	s := a.sessionWith(c, server, next.Token)
	v, err := s.viewer(ctx)
	if err != nil {
		return err
	}
	path, err := a.saveCredentials(next)
	if err != nil {
		return err
	}
	if s.json {
		return s.printJSON(whoamiJSON(server, v, next.Expiry, path))
	}
	fmt.Fprintf(s.out, "Logged in to %s as %s (%s) in tenant %s.\n", server, describeViewer(v), v.Role, v.Tenant.Slug)
	fmt.Fprintf(s.out, "Credentials saved to %s.\n", path)
	return nil
}

// oidcMetadata is the part of an issuer's discovery document the device flow needs.
type oidcMetadata struct {
	Issuer                      string `json:"issuer"`
	TokenEndpoint               string `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
}

func (a *app) discover(ctx context.Context, issuer string) (*oidcMetadata, error) {
	url := issuer + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &Error{Exit: ExitUsage, Message: fmt.Sprintf("--issuer %q is not a URL", issuer)}
	}
	resp, err := a.env.HTTPClient.Do(req)
	if err != nil {
		return nil, &Error{Exit: ExitError, Message: fmt.Sprintf("cannot reach the issuer %s: %v", issuer, unwrapURL(err)),
			Hint: "check --issuer (STAKEGRAPH_OIDC_ISSUER), or log in with --token"}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &Error{Exit: ExitAuth, Message: fmt.Sprintf("the issuer %s has no OIDC discovery document (%s answered %s)", issuer, url, resp.Status),
			Hint: "check --issuer (STAKEGRAPH_OIDC_ISSUER), or log in with --token"}
	}
	var meta oidcMetadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta); err != nil {
		return nil, errorf("the issuer's discovery document %s is not JSON: %v", url, err)
	}
	return &meta, nil
}

// deviceLogin runs the device authorization flow: it shows the user where to approve the
// login, then polls the token endpoint (as often as the issuer allows) until they have.
func (a *app) deviceLogin(ctx context.Context, c *urfave.Command, issuer string, creds *credentials) error {
	meta, err := a.discover(ctx, issuer)
	if err != nil {
		return err
	}
	if meta.DeviceAuthorizationEndpoint == "" {
		return &Error{Exit: ExitAuth,
			Message: fmt.Sprintf("the issuer %s does not offer the device authorization flow (its discovery document names no device_authorization_endpoint)", issuer),
			Hint: "log in with a token instead: stakegraph login --token TOKEN (or set STAKEGRAPH_TOKEN).\n" +
				"  With a server on the development issuer, `stakegraph serve` prints a token, and\n" +
				"  stakegraph login --token \"$(stakegraph token --tenant northwind --role KEY_ACCOUNT_MANAGER --subject you)\" makes one."}
	}
	cfg := &oauth2.Config{
		ClientID: c.String("client-id"),
		Scopes:   c.StringSlice("scope"),
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: meta.DeviceAuthorizationEndpoint,
			TokenURL:      meta.TokenEndpoint,
			AuthStyle:     oauth2.AuthStyleInParams, // a public client: no secret
		},
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.env.HTTPClient)
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		return oauthError("the issuer refused to start a device login", err)
	}
	w := a.env.Stderr
	fmt.Fprintf(w, "To log in, open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	if da.VerificationURIComplete != "" {
		fmt.Fprintf(w, "(or open %s)\n", da.VerificationURIComplete)
	}
	fmt.Fprintln(w, "Waiting for you to approve…")
	tok, err := cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &Error{Exit: ExitAuth, Message: "the code expired before the login was approved", Hint: "run `stakegraph login` again"}
		}
		return oauthError("the login did not complete", err)
	}
	creds.Token = bearer(tok)
	creds.Issuer = issuer
	creds.ClientID = cfg.ClientID
	creds.TokenURL = meta.TokenEndpoint
	creds.Scopes = cfg.Scopes
	creds.RefreshToken = tok.RefreshToken
	creds.Expiry = tok.Expiry
	return nil
}

// bearer picks the token to send to the API: the ID token when the issuer gave one (the
// API verifies OIDC tokens with the CLI's client id as audience), else the access token.
func bearer(tok *oauth2.Token) string {
	if id, ok := tok.Extra("id_token").(string); ok && id != "" {
		return id
	}
	return tok.AccessToken
}

func oauthError(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		switch re.ErrorCode {
		case "access_denied":
			return &Error{Exit: ExitAuth, Message: "the login was denied at the issuer"}
		case "expired_token":
			return &Error{Exit: ExitAuth, Message: "the code expired before the login was approved", Hint: "run `stakegraph login` again"}
		}
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" {
			msg = re.Response.Status
		}
		return &Error{Exit: ExitAuth, Message: what + ": " + msg}
	}
	return &Error{Exit: ExitError, Message: fmt.Sprintf("%s: %v", what, unwrapURL(err))}
}

// refresh trades the refresh token for a new token at the issuer.
func (a *app) refresh(ctx context.Context, creds *credentials) error {
	cfg := &oauth2.Config{ClientID: creds.ClientID, Scopes: creds.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: creds.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.env.HTTPClient)
	tok, err := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: creds.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		e := oauthError("your login expired and could not be refreshed", err)
		if ee, ok := e.(*Error); ok {
			ee.Exit, ee.Hint = ExitAuth, "run `stakegraph login` again"
		}
		return e
	}
	creds.Token = bearer(tok)
	creds.Expiry = tok.Expiry
	if exp, ok := jwtExpiry(creds.Token); ok {
		creds.Expiry = exp
	}
	if tok.RefreshToken != "" {
		creds.RefreshToken = tok.RefreshToken
	}
	return nil
}

func (a *app) logoutCommand() *urfave.Command {
	return &urfave.Command{
		Name:  "logout",
		Usage: "forget the stored token",
		Action: func(ctx context.Context, c *urfave.Command) error {
			if _, err := args(c); err != nil {
				return err
			}
			path, err := a.credentialsPath()
			if err != nil {
				return err
			}
			err = os.Remove(path)
			switch {
			case errors.Is(err, os.ErrNotExist):
				fmt.Fprintln(a.env.Stdout, "Not logged in.")
			case err != nil:
				return errorf("removing %s: %v", path, err)
			default:
				fmt.Fprintf(a.env.Stdout, "Logged out: removed %s.\n", path)
			}
			if a.env.getenv(envToken) != "" {
				fmt.Fprintln(a.env.Stderr, "Note: STAKEGRAPH_TOKEN is still set; commands keep using it.")
			}
			return nil
		},
	}
}

func (a *app) whoamiCommand() *urfave.Command {
	return &urfave.Command{
		Name:  "whoami",
		Usage: "show who you are logged in as: server, tenant, subject and role",
		Flags: a.commonFlags(),
		Action: func(ctx context.Context, c *urfave.Command) error {
			if _, err := args(c); err != nil {
				return err
			}
			s, err := a.connect(ctx, c)
			if err != nil {
				return err
			}
			v, err := s.viewer(ctx)
			if err != nil {
				return err
			}
			var expiry time.Time
			token := a.env.getenv(envToken)
			source := "STAKEGRAPH_TOKEN"
			if token == "" {
				source, _ = a.credentialsPath()
				if creds, _ := a.loadCredentials(); creds != nil {
					token = creds.Token
					expiry = creds.Expiry
				}
			}
			if exp, ok := jwtExpiry(token); ok {
				expiry = exp
			}
			if s.json {
				return s.printJSON(whoamiJSON(s.server, v, expiry, source))
			}
			t := newTable("", "")
			t.add("Server", s.server)
			t.add("Tenant", v.Tenant.Slug+" ("+v.Tenant.Name+")")
			t.add("Subject", v.Subject)
			t.add("Member", describeViewer(v))
			t.add("Role", string(v.Role))
			if !expiry.IsZero() {
				t.add("Token expires", expiry.Local().Format(time.DateTime))
			}
			t.add("Token from", source)
			t.print(s.out)
			return nil
		},
	}
}
