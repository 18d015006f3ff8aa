package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v3"
)

// Env is what the commands see of the world: tests run them with their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StderrIsTerminal makes import draw a progress bar instead of printing plain lines.
	StderrIsTerminal bool
	// LookupEnv reads an environment variable (STAKEGRAPH_TOKEN, STAKEGRAPH_SERVER, …).
	LookupEnv func(key string) (string, bool)
	// ConfigDir holds credentials.json; STAKEGRAPH_CONFIG_DIR overrides it.
	ConfigDir  string
	HTTPClient *http.Client
	Now        func() time.Time
}

// OSEnv returns the process's environment: standard streams, variables, and the user's
// config directory (os.UserConfigDir()/stakegraph).
func OSEnv() Env {
	env := Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		LookupEnv:  os.LookupEnv,
		HTTPClient: &http.Client{Timeout: 2 * time.Minute},
		Now:        time.Now,
	}
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		env.StderrIsTerminal = true
	}
	if dir, err := os.UserConfigDir(); err == nil {
		env.ConfigDir = filepath.Join(dir, "stakegraph")
	}
	return env
}

func (e Env) withDefaults() Env {
	if e.Stdin == nil {
		e.Stdin = strings.NewReader("")
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.LookupEnv == nil {
		e.LookupEnv = func(string) (string, bool) { return "", false }
	}
	if e.HTTPClient == nil {
		e.HTTPClient = &http.Client{Timeout: 2 * time.Minute}
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	return e
}

func (e Env) getenv(key string) string {
	v, _ := e.LookupEnv(key)
	return v
}

// The environment variables the commands read.
const (
	envToken     = "STAKEGRAPH_TOKEN"
	envServer    = "STAKEGRAPH_SERVER"
	envIssuer    = "STAKEGRAPH_OIDC_ISSUER"
	envClientID  = "STAKEGRAPH_OIDC_CLIENT_ID"
	envConfigDir = "STAKEGRAPH_CONFIG_DIR"
)

// DefaultServer is the server the commands talk to unless told otherwise: `stakegraph
// serve`'s default address.
const DefaultServer = "http://127.0.0.1:8080"

// app holds what every command shares.
type app struct {
	env Env
}

// App returns a root command with only the admin commands, for tests and embedding; the
// stakegraph binary registers Commands next to serve, migrate, seed and token.
func App(env Env) *urfave.Command {
	env = env.withDefaults()
	return &urfave.Command{
		Name:         "stakegraph",
		Usage:        "the key-account manager's commands",
		Writer:       env.Stdout,
		ErrWriter:    env.Stderr,
		HideVersion:  true,
		Commands:     Commands(env),
		OnUsageError: OnUsageError,
	}
}

// Commands returns the admin commands: login, logout, whoami, accounts, feedback, contacts,
// endusers, councils, import and export.
func Commands(env Env) []*urfave.Command {
	a := &app{env: env.withDefaults()}
	cmds := []*urfave.Command{
		a.loginCommand(), a.logoutCommand(), a.whoamiCommand(),
		a.accountsCommand(), a.feedbackCommand(), a.contactsCommand(), a.endUsersCommand(),
		a.councilsCommand(), a.importCommand(), a.exportCommand(),
	}
	for _, c := range cmds {
		withUsageErrors(c)
	}
	return cmds
}

// Run runs the admin commands with args (without the program name), reports an error on
// env.Stderr and returns the exit code.
func Run(ctx context.Context, env Env, args ...string) int {
	env = env.withDefaults()
	err := App(env).Run(ctx, append([]string{"stakegraph"}, args...))
	return Report(env.Stderr, err)
}

// withUsageErrors makes every command of the tree report usage errors (unknown flags,
// missing required flags) with exit code 2 instead of printing its whole help.
func withUsageErrors(c *urfave.Command) {
	if c.OnUsageError == nil {
		c.OnUsageError = OnUsageError
	}
	for _, sub := range c.Commands {
		withUsageErrors(sub)
	}
}

// OnUsageError turns a usage error of urfave/cli into one that exits with code 2.
func OnUsageError(_ context.Context, cmd *urfave.Command, err error, _ bool) error {
	return &Error{Exit: ExitUsage, Message: err.Error(), Hint: fmt.Sprintf("see `%s --help`", cmd.FullName())}
}

// group returns a command that only holds subcommands: alone it shows its help, with an
// unknown subcommand it is a usage error.
func group(c *urfave.Command) *urfave.Command {
	c.Action = func(ctx context.Context, cmd *urfave.Command) error {
		if cmd.Args().Present() {
			return usagef(cmd, "unknown command %q", cmd.Args().First())
		}
		return urfave.ShowSubcommandHelp(cmd)
	}
	return c
}

// commonFlags are those of every command that talks to the server; subcommands inherit them.
func (a *app) commonFlags() []urfave.Flag {
	return []urfave.Flag{
		&urfave.StringFlag{Name: "server", Sources: a.envVar(envServer),
			Usage: "URL of the stakegraph server (default: the one you logged in to, else " + DefaultServer + ")"},
		&urfave.BoolFlag{Name: "json", Usage: "print JSON for scripts instead of tables"},
	}
}

// envVar is a flag source that reads the Env's variables rather than the process's.
func (a *app) envVar(key string) urfave.ValueSourceChain {
	return urfave.NewValueSourceChain(envSource{lookup: a.env.LookupEnv, key: key})
}

type envSource struct {
	lookup func(string) (string, bool)
	key    string
}

func (s envSource) Lookup() (string, bool) { return s.lookup(s.key) }
func (s envSource) IsFromEnv() bool        { return true }
func (s envSource) Key() string            { return s.key }
func (s envSource) String() string         { return fmt.Sprintf("environment variable %q", s.key) }
func (s envSource) GoString() string       { return fmt.Sprintf("envSource{%q}", s.key) }

// args returns the command's positional arguments, exactly as many as names, or a usage
// error naming the first one missing.
func args(c *urfave.Command, names ...string) ([]string, error) {
	got := c.Args().Slice()
	if len(got) < len(names) {
		return nil, usagef(c, "missing %s", names[len(got)])
	}
	if len(got) > len(names) {
		return nil, usagef(c, "unexpected argument %q", got[len(names)])
	}
	return got, nil
}
