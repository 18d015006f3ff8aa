package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"entgo.io/ent/dialect"
	"github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/auth"
	admin "github.com/stakegraph/stakegraph/internal/cli"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/seeds"
)

func migrateCommand() *cli.Command {
	return &cli.Command{
		Name:  "migrate",
		Usage: "bring the database schema up to date (serve also does this on start)",
		Flags: []cli.Flag{databaseFlag, dataDirFlag},
		Action: func(ctx context.Context, c *cli.Command) error {
			db, err := storage.Open(ctx, c.String("database"), c.String("data-dir"))
			if err != nil {
				return err
			}
			defer db.Close()
			done, err := migrateDatabase(ctx, db)
			if err != nil {
				return err
			}
			printMigration(c.Root().Writer, db.Dialect, done)
			return nil
		},
	}
}

// migration is what the migrate step did.
type migration struct {
	storage.Migration
	backfilled int // accounts whose health signals were computed because they had none
}

func (m migration) pending() bool { return m.Pending() || m.backfilled > 0 }

// migrateDatabase is the migrate step, which serve and seed take too: the schema brought up
// to date, then the derived data an older database lacks computed (accounts' health signals,
// for accounts from before the table or written around the hooks). A tenant's own rows are
// never changed, and opening a database changes nothing.
func migrateDatabase(ctx context.Context, db *storage.DB) (migration, error) {
	var done migration
	if err := db.Migrate(ctx, storage.Report(&done.Migration)); err != nil {
		return done, err
	}
	n, err := derived.BackfillPulse(ctx, db.Client)
	if err != nil {
		return done, fmt.Errorf("migrating the data: %w", err)
	}
	done.backfilled = n
	return done, nil
}

// printMigration says what migrate did, or that nothing was pending.
func printMigration(w io.Writer, dia string, done migration) {
	engine := map[string]string{dialect.SQLite: "SQLite", dialect.MySQL: "MySQL"}[dia]
	if !done.pending() {
		fmt.Fprintf(w, "The %s database is up to date: no migration was pending.\n", engine)
		return
	}
	if n := len(done.Changes); n > 0 {
		fmt.Fprintf(w, "Migrated the %s database: %s.\n", engine, admin.Plural(n, "schema change", "schema changes"))
		for _, c := range done.Changes {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	if done.backfilled > 0 {
		fmt.Fprintf(w, "Computed the health signals of %s that had none.\n", admin.Plural(done.backfilled, "account", "accounts"))
	}
}

func seedCommand() *cli.Command {
	return &cli.Command{
		Name:  "seed",
		Usage: "load the demo data set (tenant " + seeds.DemoTenant + "), or a generated one with --accounts",
		Flags: []cli.Flag{databaseFlag, dataDirFlag,
			&cli.IntFlag{Name: "accounts", Usage: "generate this many accounts instead of the demo (scale data)"},
			&cli.IntFlag{Name: "feedback-per-account", Value: 20, Usage: "with --accounts: feedback rows per account"},
			&cli.StringFlag{Name: "tenant", Value: "scale", Usage: "with --accounts: the tenant slug to generate into"},
			&cli.StringFlag{Name: "as-of", Usage: "with --accounts: the day (YYYY-MM-DD) the year of feedback ends; default today"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			db, err := storage.Open(ctx, c.String("database"), c.String("data-dir"))
			if err != nil {
				return err
			}
			defer db.Close()
			if _, err := migrateDatabase(ctx, db); err != nil {
				return err
			}
			start := time.Now()
			if n := c.Int("accounts"); n > 0 {
				var asOf time.Time
				if day := c.String("as-of"); day != "" {
					if asOf, err = time.Parse(time.DateOnly, day); err != nil {
						return fmt.Errorf("--as-of %q: want YYYY-MM-DD", day)
					}
				}
				err = seeds.Generate(ctx, db, seeds.Scale{
					Tenant: c.String("tenant"), Accounts: n, FeedbackPerAccount: c.Int("feedback-per-account"), AsOf: asOf,
				})
			} else {
				err = seeds.LoadDemo(ctx, db.Client)
			}
			if err != nil {
				return err
			}
			fmt.Printf("seeded in %s\n", time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
}

func tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "print a token from the development issuer of a server started without --oidc-issuer (run it with that server's --data-dir)",
		Flags: []cli.Flag{addrFlag, dataDirFlag, claimTenantFlag, claimRolesFlag, claimEmailFlag, claimNameFlag,
			&cli.StringFlag{Name: "tenant", Value: seeds.DemoTenant, Usage: "tenant slug"},
			&cli.StringFlag{Name: "role", Value: "ADMIN", Usage: "ADMIN, MANAGER, KEY_ACCOUNT_MANAGER, ANALYST or INTEGRATION"},
			&cli.StringFlag{Name: "subject", Value: "dev-admin", Usage: "the member's subject (sub claim)"},
			&cli.StringFlag{Name: "email", Usage: "the member's email"},
			&cli.StringFlag{Name: "name", Usage: "the member's name"},
			&cli.DurationFlag{Name: "ttl", Value: 12 * time.Hour, Usage: "how long the token is valid"},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if _, ok := auth.ParseRole(c.String("role")); !ok {
				return errors.New("--role: expected ADMIN, MANAGER, KEY_ACCOUNT_MANAGER, ANALYST or INTEGRATION")
			}
			dev, err := auth.LoadDevIssuer(c.String("data-dir"), "http://"+c.String("addr")+"/dev")
			if err != nil {
				return err
			}
			token, err := dev.Token(auth.TokenRequest{
				Subject: c.String("subject"), Tenant: c.String("tenant"), Roles: []string{c.String("role")},
				Email: c.String("email"), Name: c.String("name"), TTL: c.Duration("ttl"), Claims: claimNames(c),
			})
			if err != nil {
				return err
			}
			fmt.Println(token)
			return nil
		},
	}
}
