package client_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/client"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/tenancy"
	"github.com/stakegraph/stakegraph/server"
)

// An integrator syncs accounts from their ERP, reads them back a page at a time, and tells
// a refused token from other errors by its code.
func Example() {
	serverURL, token, stop := startDevServer()
	defer stop()
	ctx := context.Background()

	gql := client.New(serverURL, token, nil)

	me, err := client.Viewer(ctx, gql)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("tenant:", me.Viewer.Tenant.Slug, "role:", me.Viewer.Role)

	// Upsert by external id; each item succeeds or fails on its own.
	strategic := client.AccountTierStrategic
	missing := "ERP-404"
	res, err := client.SyncAccounts(ctx, gql, []client.SyncAccountInput{
		{ExternalID: "ERP-1", Name: "Globex", Tier: &strategic},
		{ExternalID: "ERP-2", Name: "Initech"},
		{ExternalID: "ERP-3", Name: "Umbrella", ParentExternalID: &missing},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	sync := res.SyncAccounts
	fmt.Printf("created %d, failed %d\n", sync.Created, sync.Failed)
	for _, item := range sync.Items {
		for _, e := range item.Errors {
			fmt.Printf("item %d: %s %s\n", item.Index, e.Code, *e.Field)
		}
	}

	// Page through a connection: at most 100 a page, then after the end cursor.
	var after *string
	for {
		page, err := client.ListAccounts(ctx, gql, 100, after, nil, nil, nil)
		if err != nil {
			log.Fatal(err)
		}
		for _, edge := range page.Accounts.Edges {
			fmt.Println(edge.Node.Name, edge.Node.Tier)
		}
		if !page.Accounts.PageInfo.HasNextPage {
			break
		}
		after = page.Accounts.PageInfo.EndCursor
	}

	_, err = client.Viewer(ctx, client.New(serverURL, "not-a-token", nil))
	fmt.Println("bad token:", client.Code(err))

	// Output:
	// tenant: acme role: INTEGRATION
	// created 2, failed 1
	// item 2: NOT_FOUND parentExternalID
	// Globex STRATEGIC
	// Initech STANDARD
	// bad token: UNAUTHENTICATED
}

// startDevServer runs the real API on a fresh SQLite database in a temporary directory,
// with the development issuer, as `stakegraph serve` does, and returns its URL and an
// INTEGRATION token of the tenant acme.
func startDevServer() (serverURL, token string, stop func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "stakegraph-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := storage.Open(ctx, "sqlite:"+dir+"/example.db", dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	serverURL = "http://" + ln.Addr().String()
	issuer, err := auth.OpenDevIssuer(dir, serverURL+"/dev")
	if err != nil {
		log.Fatal(err)
	}
	verifier := auth.NewTokenVerifier(auth.VerifierConfig{
		Issuer: issuer.Issuer(), Audience: auth.DevAudience, Algorithms: []string{"ES256"},
	})
	cfg := server.DefaultConfig()
	cfg.Dialect = db.Dialect
	opts := []server.Option{server.WithAuthenticator(tenancy.NewAuthenticator(verifier, db.Client, true))}
	for pattern, h := range issuer.Routes() {
		opts = append(opts, server.WithRoute(pattern, h))
	}
	srv := &http.Server{Handler: server.New(cfg, db.Client, opts...), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	token, err = issuer.Token(auth.TokenRequest{
		Subject: "erp", Tenant: "acme", Roles: []string{"INTEGRATION"}, TTL: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	return serverURL, token, func() {
		_ = srv.Close()
		_ = db.Close()
		_ = os.RemoveAll(dir)
	}
}
