// Command stakegraph runs the stakegraph API server and its tools: serve, migrate, seed and
// token, and the key-account manager's admin commands.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/auth"
	admin "github.com/stakegraph/stakegraph/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := &cli.Command{
		Name:  "stakegraph",
		Usage: "B2B account and stakeholder management API: both voices of every account",
		Commands: append([]*cli.Command{
			serveCommand(),
			migrateCommand(),
			seedCommand(),
			tokenCommand(),
		}, admin.Commands(admin.OSEnv())...),
		OnUsageError: admin.OnUsageError,
	}
	if err := app.Run(ctx, os.Args); err != nil {
		// The admin commands' errors carry their exit code (2 usage, 3 auth, 4 not found, 5
		// partial import) and a hint; the others exit with 1.
		os.Exit(admin.Report(os.Stderr, err))
	}
}

// Flags shared by the commands that open the database.
var (
	databaseFlag = &cli.StringFlag{
		Name:    "database",
		Usage:   "database URL: sqlite:PATH, or mysql://USER:PASS@tcp(HOST:PORT)/DB (default: SQLite in the data directory)",
		Sources: cli.EnvVars("STAKEGRAPH_DATABASE_URL"),
	}
	dataDirFlag = &cli.StringFlag{
		Name:    "data-dir",
		Value:   "data",
		Usage:   "directory for the embedded SQLite database and the development issuer's key",
		Sources: cli.EnvVars("STAKEGRAPH_DATA_DIR"),
	}
	addrFlag = &cli.StringFlag{
		Name:    "addr",
		Value:   "127.0.0.1:8080",
		Usage:   "address to listen on (the development issuer's URL derives from it)",
		Sources: cli.EnvVars("STAKEGRAPH_ADDR"),
	}
	logLevelFlag = &cli.StringFlag{
		Name:    "log-level",
		Value:   "info",
		Usage:   "debug, info, warn or error",
		Sources: cli.EnvVars("STAKEGRAPH_LOG_LEVEL"),
	}
	logFormatFlag = &cli.StringFlag{
		Name:    "log-format",
		Value:   "text",
		Usage:   "text or json",
		Sources: cli.EnvVars("STAKEGRAPH_LOG_FORMAT"),
	}
)

// The claim names, shared by serve and token so that development tokens match the server.
var (
	claimTenantFlag = &cli.StringFlag{Name: "claim-tenant", Value: auth.DefaultClaimNames.Tenant,
		Sources: cli.EnvVars("STAKEGRAPH_CLAIM_TENANT"), Usage: "claim (or dotted path) holding the tenant slug"}
	claimRolesFlag = &cli.StringFlag{Name: "claim-roles", Value: auth.DefaultClaimNames.Roles,
		Sources: cli.EnvVars("STAKEGRAPH_CLAIM_ROLES"), Usage: "claim (or dotted path, e.g. realm_access.roles) holding the roles"}
	claimEmailFlag = &cli.StringFlag{Name: "claim-email", Value: auth.DefaultClaimNames.Email,
		Sources: cli.EnvVars("STAKEGRAPH_CLAIM_EMAIL"), Usage: "claim holding the member's email"}
	claimNameFlag = &cli.StringFlag{Name: "claim-name", Value: auth.DefaultClaimNames.Name,
		Sources: cli.EnvVars("STAKEGRAPH_CLAIM_NAME"), Usage: "claim holding the member's name"}
)

func claimNames(c *cli.Command) auth.ClaimNames {
	return auth.ClaimNames{Tenant: c.String(claimTenantFlag.Name), Roles: c.String(claimRolesFlag.Name),
		Email: c.String(claimEmailFlag.Name), Name: c.String(claimNameFlag.Name)}
}

func newLogger(c *cli.Command) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String(logLevelFlag.Name))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.String(logFormatFlag.Name) {
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: expected text or json")
}
