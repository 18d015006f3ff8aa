package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/Khan/genqlient/graphql"
	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

// The exit codes.
const (
	ExitOK       = 0
	ExitError    = 1 // anything else: a refused input, a conflict, an unreachable server
	ExitUsage    = 2 // the command line is wrong
	ExitAuth     = 3 // not logged in, or the server refused the token (UNAUTHENTICATED) or the action (FORBIDDEN)
	ExitNotFound = 4 // no such account, person or council (or not visible to you)
	ExitPartial  = 5 // an import finished, but some rows failed
)

// Error is an error a shell user can act on: a message, an optional hint on what to do, and
// the exit code.
type Error struct {
	Exit    int
	Code    string // the API's extensions.code, when the API refused
	Message string
	Hint    string
}

func (e *Error) Error() string { return e.Message }

// ExitCode returns the exit code for err: 0 for nil, the Error's code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Exit
	}
	return ExitError
}

// Report writes err for a shell user ("stakegraph: …" and a hint) and returns its exit code.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(w, "stakegraph:", err)
	var e *Error
	if errors.As(err, &e) && e.Hint != "" {
		fmt.Fprintln(w, "  "+e.Hint)
	}
	return ExitCode(err)
}

func usagef(c *urfave.Command, format string, args ...any) error {
	return &Error{Exit: ExitUsage, Message: fmt.Sprintf(format, args...), Hint: fmt.Sprintf("see `%s --help`", c.FullName())}
}

func notFoundf(format string, args ...any) error {
	return &Error{Exit: ExitNotFound, Code: "NOT_FOUND", Message: fmt.Sprintf(format, args...)}
}

func errorf(format string, args ...any) error {
	return &Error{Exit: ExitError, Message: fmt.Sprintf(format, args...)}
}

func notLoggedIn() error {
	return &Error{Exit: ExitAuth, Message: "not logged in: run `stakegraph login` or set STAKEGRAPH_TOKEN"}
}

// exitFor maps the API's error codes to exit codes.
func exitFor(code string) int {
	switch code {
	case "UNAUTHENTICATED", "FORBIDDEN":
		return ExitAuth
	case "NOT_FOUND":
		return ExitNotFound
	}
	return ExitError
}

// apiClient reports every failed request as an *Error: the API's code, message and field, or
// why the server could not be reached.
type apiClient struct {
	graphql.Client
	server string
}

func (c apiClient) MakeRequest(ctx context.Context, req *graphql.Request, resp *graphql.Response) error {
	err := c.Client.MakeRequest(ctx, req, resp)
	if err == nil {
		return nil
	}
	return explain(err, c.server)
}

func explain(err error, server string) error {
	if list := client.Errors(err); len(list) > 0 {
		e := &Error{Code: client.Code(err)}
		e.Exit = exitFor(e.Code)
		var msgs []string
		for _, ge := range list {
			code, _ := ge.Extensions["code"].(string)
			field, _ := ge.Extensions["field"].(string)
			msg := ge.Message
			if field != "" && !strings.Contains(msg, field) {
				msg = field + ": " + msg
			}
			if code != "" {
				msg = code + ": " + msg
			}
			msgs = append(msgs, msg)
		}
		e.Message = strings.Join(msgs, "; ")
		switch e.Code {
		case "UNAUTHENTICATED":
			e.Hint = "log in again with `stakegraph login`, or set STAKEGRAPH_TOKEN to a valid token"
		case "FORBIDDEN":
			e.Hint = "your role may not do this; `stakegraph whoami` shows your role"
		}
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Exit: ExitError, Message: "interrupted"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Exit: ExitError, Message: fmt.Sprintf("the stakegraph server at %s did not answer in time", server)}
	}
	var urlErr *url.Error
	var netErr *net.OpError
	if errors.As(err, &netErr) || errors.As(err, &urlErr) {
		return &Error{Exit: ExitError, Message: fmt.Sprintf("cannot reach the stakegraph server at %s: %v", server, unwrapURL(err)),
			Hint: "is it running? Pass --server or set STAKEGRAPH_SERVER to its URL"}
	}
	return &Error{Exit: ExitError, Message: err.Error()}
}

func unwrapURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
