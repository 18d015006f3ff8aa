package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/seeds"
)

// TestMigrateSaysWhatItDid: migrate lists the schema changes it applied, and says so when
// nothing was pending (on MariaDB/MySQL too when STAKEGRAPH_TEST_MYSQL_DSN is set).
func TestMigrateSaysWhatItDid(t *testing.T) {
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			args := []string{"stakegraph", "migrate", "--data-dir", t.TempDir()}
			engine := "SQLite"
			if kind == "mysql" {
				args = append(args, "--database", "mysql://"+storagetest.FreshMySQL(t))
				engine = "MySQL"
			}
			migrate := func() string {
				t.Helper()
				var out bytes.Buffer
				root := &cli.Command{Name: "stakegraph", Writer: &out, Commands: []*cli.Command{migrateCommand()}}
				if err := root.Run(context.Background(), args); err != nil {
					t.Fatalf("migrate: %v", err)
				}
				return out.String()
			}
			first := migrate()
			if !strings.HasPrefix(first, "Migrated the "+engine+" database: ") || !strings.Contains(first, " schema changes.\n") ||
				!strings.Contains(first, "\n  create \"accounts\" table\n") {
				t.Fatalf("the first migrate says:\n%s", first)
			}
			if again := migrate(); again != "The "+engine+" database is up to date: no migration was pending.\n" {
				t.Fatalf("the second migrate says:\n%s", again)
			}
		})
	}
}

func TestPrintMigration(t *testing.T) {
	for _, c := range []struct {
		done migration
		want string
	}{
		{migration{}, "The MySQL database is up to date: no migration was pending.\n"},
		{migration{Migration: storage.Migration{Changes: []string{`create index "x" to table: "accounts"`}}},
			"Migrated the MySQL database: 1 schema change.\n  create index \"x\" to table: \"accounts\"\n"},
		{migration{backfilled: 1}, "Computed the health signals of 1 account that had none.\n"},
		{migration{Migration: storage.Migration{Changes: []string{"a", "b"}}, backfilled: 3},
			"Migrated the MySQL database: 2 schema changes.\n  a\n  b\nComputed the health signals of 3 accounts that had none.\n"},
	} {
		var out bytes.Buffer
		printMigration(&out, dialect.MySQL, c.done)
		if out.String() != c.want {
			t.Errorf("%+v: got\n%s\nwant\n%s", c.done, out.String(), c.want)
		}
	}
}

// TestMigrateComputesMissingPulses: opening a database and bringing its schema up to date
// leave its rows alone; the migrate step computes the health signals of the accounts that
// have none (a database from before the table, or rows written around the hooks).
func TestMigrateComputesMissingPulses(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := seeds.LoadDemo(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		countPulses := func() (n int) {
			t.Helper()
			if err := db.SQL.QueryRow("SELECT COUNT(*) FROM account_pulses").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var accounts int
		if err := db.SQL.QueryRow("SELECT COUNT(*) FROM accounts").Scan(&accounts); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL.Exec("DELETE FROM account_pulses"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countPulses(); n != 0 {
			t.Fatalf("bringing the schema up to date computed %d pulses: only the migrate step may", n)
		}
		done, err := migrateDatabase(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if n := countPulses(); accounts == 0 || n != accounts || done.backfilled != accounts {
			t.Fatalf("migrate computed %d pulses and reports %d, want one for each of the %d accounts", n, done.backfilled, accounts)
		}
	})
}
