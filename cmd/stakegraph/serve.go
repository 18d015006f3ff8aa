package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/seeds"
	"github.com/stakegraph/stakegraph/server"
)

func serveCommand() *cli.Command {
	d := server.DefaultConfig()
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the GraphQL API (with no --oidc-issuer: on the embedded development issuer, with demo data)",
		Flags: []cli.Flag{
			addrFlag, databaseFlag, dataDirFlag, logLevelFlag, logFormatFlag,
			&cli.StringFlag{Name: "oidc-issuer", Sources: cli.EnvVars("STAKEGRAPH_OIDC_ISSUER"),
				Usage: "issuer URL of the identity provider; empty runs the embedded development issuer"},
			&cli.StringFlag{Name: "oidc-audience", Sources: cli.EnvVars("STAKEGRAPH_OIDC_AUDIENCE"),
				Usage: "audience (aud) tokens must carry"},
			&cli.StringSliceFlag{Name: "oidc-algorithms", Value: auth.DefaultAlgorithms, Sources: cli.EnvVars("STAKEGRAPH_OIDC_ALGORITHMS"),
				Usage: "accepted token signature algorithms"},
			claimTenantFlag, claimRolesFlag, claimEmailFlag, claimNameFlag,
			&cli.StringFlag{Name: "role-map", Sources: cli.EnvVars("STAKEGRAPH_ROLE_MAP"),
				Usage: "IDP_ROLE=ROLE,…: only these role names count, exactly as written (default: the stakegraph role names, whole)"},
			&cli.BoolFlag{Name: "create-tenants", Sources: cli.EnvVars("STAKEGRAPH_CREATE_TENANTS"),
				Usage: "create a tenant the first time a valid token names it (always on with the development issuer)"},
			&cli.BoolFlag{Name: "insecure-dev-auth", Sources: cli.EnvVars("STAKEGRAPH_INSECURE_DEV_AUTH"),
				Usage: "run the development issuer even when not bound to loopback (never in production)"},
			&cli.BoolFlag{Name: "demo", Value: true, Sources: cli.EnvVars("STAKEGRAPH_DEMO"),
				Usage: "load the demo data into an empty database when running the development issuer"},
			&cli.BoolFlag{Name: "print-token", Sources: cli.EnvVars("STAKEGRAPH_PRINT_TOKEN"),
				Usage: "print a development ADMIN token on start (always when the demo was just loaded)"},
			&cli.Int64Flag{Name: "max-body-bytes", Value: d.MaxBodyBytes, Sources: cli.EnvVars("STAKEGRAPH_MAX_BODY_BYTES"),
				Usage: "largest request body accepted"},
			&cli.IntFlag{Name: "max-depth", Value: d.MaxDepth, Sources: cli.EnvVars("STAKEGRAPH_MAX_DEPTH"),
				Usage: "deepest query accepted"},
			&cli.IntFlag{Name: "max-complexity", Value: d.MaxComplexity, Sources: cli.EnvVars("STAKEGRAPH_MAX_COMPLEXITY"),
				Usage: "costliest operation accepted, in the units of the cost model (README: API conventions)"},
			&cli.IntFlag{Name: "max-selections", Value: d.MaxSelections, Sources: cli.EnvVars("STAKEGRAPH_MAX_SELECTIONS"),
				Usage: "most selections in a query document, a fragment's counted at every spread"},
			&cli.IntFlag{Name: "default-page-size", Value: d.DefaultPageSize, Sources: cli.EnvVars("STAKEGRAPH_DEFAULT_PAGE_SIZE"),
				Usage: "page size of a connection asked for without first or last"},
			&cli.IntFlag{Name: "max-page-size", Value: d.MaxPageSize, Sources: cli.EnvVars("STAKEGRAPH_MAX_PAGE_SIZE"),
				Usage: "largest first or last accepted"},
			&cli.IntFlag{Name: "parser-token-limit", Value: d.ParserTokenLimit, Sources: cli.EnvVars("STAKEGRAPH_PARSER_TOKEN_LIMIT"),
				Usage: "most tokens in a query document"},
			&cli.BoolFlag{Name: "introspection", Value: d.Introspection, Sources: cli.EnvVars("STAKEGRAPH_INTROSPECTION"),
				Usage: "serve the schema to introspection queries"},
			&cli.DurationFlag{Name: "request-timeout", Value: d.RequestTimeout, Sources: cli.EnvVars("STAKEGRAPH_REQUEST_TIMEOUT"),
				Usage: "longest a request may run"},
			&cli.StringFlag{Name: "health-weights", Value: health.DefaultWeights().String(), Sources: cli.EnvVars("STAKEGRAPH_HEALTH_WEIGHTS"),
				Usage: "weights of the account health factors, FACTOR=weight,… (factors left out keep their default)"},
			&cli.DurationFlag{Name: "shutdown-timeout", Value: d.ShutdownTimeout, Sources: cli.EnvVars("STAKEGRAPH_SHUTDOWN_TIMEOUT"),
				Usage: "longest to drain in-flight requests on SIGINT/SIGTERM"},
		},
		Action: serve,
	}
}

func serve(ctx context.Context, c *cli.Command) error {
	log, err := newLogger(c)
	if err != nil {
		return err
	}
	gogc, _ := server.TuneGC()
	log.Debug("garbage collector", "gogc", gogc)
	weights, err := health.ParseWeights(c.String("health-weights"))
	if err != nil {
		return err
	}
	roles, err := auth.ParseRoleMap(c.String("role-map"))
	if err != nil {
		return fmt.Errorf("--role-map: %w", err)
	}
	addr := c.String("addr")
	dev := c.String("oidc-issuer") == ""
	if dev && !isLoopback(addr) && !c.Bool("insecure-dev-auth") {
		return errors.New("the development issuer runs only on a loopback address: set --oidc-issuer, " +
			"or bind to 127.0.0.1, or (never in production) pass --insecure-dev-auth")
	}

	// Hold the port before anything is written: a busy port fails here, not after a new data
	// directory has been migrated and filled with the demo.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	db, err := storage.Open(ctx, c.String("database"), c.String("data-dir"))
	if err != nil {
		return err
	}
	defer db.Close()

	opts := []server.Option{server.Starting(), server.WithLogger(log), server.WithReadiness(db.Ping)}
	names := claimNames(c)
	verifierCfg := auth.VerifierConfig{
		Issuer:     c.String("oidc-issuer"),
		Audience:   c.String("oidc-audience"),
		Algorithms: c.StringSlice("oidc-algorithms"),
		Claims:     names,
	}
	createTenants := c.Bool("create-tenants")
	var issuer *auth.DevIssuer
	if dev {
		issuer, err = auth.OpenDevIssuer(c.String("data-dir"), "http://"+addr+"/dev")
		if err != nil {
			return err
		}
		for pattern, h := range issuer.Routes() {
			opts = append(opts, server.WithRoute(pattern, h))
		}
		verifierCfg.Issuer = issuer.Issuer()
		verifierCfg.Audience = auth.DevAudience
		verifierCfg.Algorithms = []string{"ES256"}
		createTenants = true
		log.Warn("DEVELOPMENT AUTHENTICATION: the embedded issuer signs tokens for anyone who can read " +
			c.String("data-dir") + "; configure --oidc-issuer for anything but development")
	}
	verifier := auth.NewTokenVerifier(verifierCfg)
	opts = append(opts, server.WithAuthenticator(tenancy.NewAuthenticator(verifier, db.Client, createTenants, tenancy.WithRoleMap(roles))))

	cfg := server.Config{
		HealthWeights:    weights,
		Dialect:          db.Dialect,
		Addr:             addr,
		MaxBodyBytes:     c.Int64("max-body-bytes"),
		MaxDepth:         c.Int("max-depth"),
		MaxComplexity:    c.Int("max-complexity"),
		MaxSelections:    c.Int("max-selections"),
		DefaultPageSize:  c.Int("default-page-size"),
		MaxPageSize:      c.Int("max-page-size"),
		ParserTokenLimit: c.Int("parser-token-limit"),
		QueryCacheSize:   server.DefaultConfig().QueryCacheSize,
		Introspection:    c.Bool("introspection"),
		RequestTimeout:   c.Duration("request-timeout"),
		ShutdownTimeout:  c.Duration("shutdown-timeout"),
	}
	srv := server.New(cfg, db.Client, opts...)
	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(serveCtx, ln) }()

	demoLoaded, err := prepare(ctx, db, log, dev && c.Bool("demo"))
	if err != nil {
		stop()
		<-served
		return err
	}
	srv.Ready()
	log.Info("serving", "graphql", "http://"+addr+"/graphql", "explorer", "http://"+addr+"/", "issuer", verifierCfg.Issuer)
	switch {
	case dev && (demoLoaded || c.Bool("print-token")):
		printDevWelcome(c.Root().Writer, issuer, addr, names)
	case dev:
		log.Info("development tokens: stakegraph token --data-dir " + c.String("data-dir") + " --role ADMIN (or serve --print-token)")
	}
	return <-served
}

// prepare migrates the schema and, with demo, loads the demo data into an empty database. It
// reports whether it loaded the demo.
func prepare(ctx context.Context, db *storage.DB, log *slog.Logger, demo bool) (bool, error) {
	log.Info("migrating the schema", "dialect", db.Dialect)
	if _, err := migrateDatabase(ctx, db); err != nil {
		return false, err
	}
	if !demo {
		return false, nil
	}
	return loadDemoIfEmpty(ctx, db, log)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loadDemoIfEmpty(ctx context.Context, db *storage.DB, log *slog.Logger) (bool, error) {
	empty, err := seeds.Empty(ctx, db.Client)
	if err != nil || !empty {
		return false, err
	}
	log.Info("loading the demo data set into the empty database", "tenant", seeds.DemoTenant)
	start := time.Now()
	if err := seeds.LoadDemo(ctx, db.Client); err != nil {
		return false, fmt.Errorf("loading the demo data: %w", err)
	}
	log.Info("demo data loaded", "took", time.Since(start).Round(time.Millisecond))
	return true, nil
}

// printDevWelcome prints a ready admin token and a query to paste. A token in the output of
// every start would end up in whatever keeps that output, so it is printed only when the demo
// was just loaded, or when asked for.
func printDevWelcome(w io.Writer, dev *auth.DevIssuer, addr string, names auth.ClaimNames) {
	token, err := dev.Token(auth.TokenRequest{
		Subject: "dev-admin", Tenant: seeds.DemoTenant, Roles: []string{"ADMIN"},
		Email: "admin@northwind.example", Name: "Development Admin", TTL: 12 * time.Hour, Claims: names,
	})
	if err != nil {
		return
	}
	query := `{"query":"{ accounts(first: 3) { totalCount edges { node { name tier stage buyingContacts(first: 3) { edges { node { roles person { name email } } } } } } } }"}`
	fmt.Fprintf(w, `
stakegraph is serving the %s demo tenant at http://%s/graphql (explorer: http://%s/)

An ADMIN token, valid 12 hours (more: stakegraph token --tenant %s --role KEY_ACCOUNT_MANAGER --subject you):

  export STAKEGRAPH_TOKEN=%s

  curl -s http://%s/graphql -H "Authorization: Bearer $STAKEGRAPH_TOKEN" \
    -H 'Content-Type: application/json' \
    -d '%s'

`, seeds.DemoTenant, addr, addr, seeds.DemoTenant, token, addr, strings.ReplaceAll(query, "'", `'\''`))
}
