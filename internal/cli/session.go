package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/Khan/genqlient/graphql"
	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

// session is a command's connection to the server, with how to print what it gets back.
type session struct {
	*app
	server string
	gql    graphql.Client
	json   bool
	out    io.Writer
}

// serverURL returns the server to talk to: --server or STAKEGRAPH_SERVER, else the one in
// the credentials, else DefaultServer.
func (a *app) serverURL(c *urfave.Command, creds *credentials) string {
	if c.IsSet("server") && c.String("server") != "" {
		return strings.TrimRight(c.String("server"), "/")
	}
	if creds != nil && creds.Server != "" {
		return creds.Server
	}
	return DefaultServer
}

// connect opens a session with STAKEGRAPH_TOKEN if it is set, else with the stored token,
// refreshing it first when it has expired and can be refreshed.
func (a *app) connect(ctx context.Context, c *urfave.Command) (*session, error) {
	token := a.env.getenv(envToken)
	creds, err := a.loadCredentials()
	if err != nil && token == "" {
		return nil, err
	}
	server := a.serverURL(c, creds)
	if token == "" {
		if creds == nil || creds.Token == "" {
			return nil, notLoggedIn()
		}
		if err := a.freshen(ctx, creds); err != nil {
			return nil, err
		}
		token = creds.Token
	}
	return a.sessionWith(c, server, token), nil
}

func (a *app) sessionWith(c *urfave.Command, server, token string) *session {
	return &session{
		app:    a,
		server: server,
		gql:    apiClient{Client: client.New(server, token, a.env.HTTPClient), server: server},
		json:   c.Bool("json"),
		out:    a.env.Stdout,
	}
}

// freshen refreshes expired stored credentials when they carry a refresh token, and says
// what to do when they cannot be refreshed.
func (a *app) freshen(ctx context.Context, creds *credentials) error {
	expiry := creds.Expiry
	if exp, ok := jwtExpiry(creds.Token); ok {
		expiry = exp
	}
	if expiry.IsZero() || a.env.Now().Before(expiry.Add(-30*time.Second)) {
		return nil
	}
	if creds.RefreshToken == "" || creds.TokenURL == "" {
		return &Error{Exit: ExitAuth, Message: fmt.Sprintf("your login expired at %s", expiry.Local().Format(time.DateTime)),
			Hint: "run `stakegraph login` again, or set STAKEGRAPH_TOKEN"}
	}
	if err := a.refresh(ctx, creds); err != nil {
		return err
	}
	_, err := a.saveCredentials(creds)
	return err
}

// printJSON writes v as indented JSON.
func (s *session) printJSON(v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// viewer returns the caller.
func (s *session) viewer(ctx context.Context) (*client.ViewerViewer, error) {
	resp, err := client.Viewer(ctx, s.gql)
	if err != nil {
		return nil, err
	}
	return &resp.Viewer, nil
}
