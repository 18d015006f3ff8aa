// Package storagetest gives tests fresh databases: SQLite always, and MySQL/MariaDB as well
// when STAKEGRAPH_TEST_MYSQL_DSN is set (e.g. root@tcp(127.0.0.1:3306)/test?parseTime=true).
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/internal/storage"
)

// MySQLEnv names the environment variable with the DSN of a MySQL-compatible test server.
const MySQLEnv = "STAKEGRAPH_TEST_MYSQL_DSN"

// NeedMySQL skips the test or benchmark unless MySQLEnv names a server; purpose completes
// "set STAKEGRAPH_TEST_MYSQL_DSN to …".
func NeedMySQL(tb testing.TB, purpose string) {
	tb.Helper()
	if os.Getenv(MySQLEnv) == "" {
		tb.Skipf("set %s to %s", MySQLEnv, purpose)
	}
}

// Each runs fn as a subtest on a fresh, migrated database of every available kind: "sqlite",
// and "mysql" when MySQLEnv is set.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			fn(t, Open(t, kind))
		})
	}
}

// Kinds lists the kinds of database the tests can run on here.
func Kinds() []string {
	if os.Getenv(MySQLEnv) != "" {
		return []string{"sqlite", "mysql"}
	}
	return []string{"sqlite"}
}

// Open returns a fresh, migrated database of the kind, removed when the test ends.
func Open(t testing.TB, kind string) *storage.DB {
	t.Helper()
	switch kind {
	case "sqlite":
		return openMigrated(t, "sqlite:"+filepath.Join(t.TempDir(), "test.db"))
	case "mysql":
		return openMigrated(t, "mysql://"+FreshMySQL(t))
	}
	t.Fatalf("unknown database kind %q", kind)
	return nil
}

// OpenKept opens the MySQL database of the name on the server of MySQLEnv, creating and
// migrating it when needed, and keeps it after the test: for fixtures that take minutes to
// build, such as the benchmarks' million feedback rows. Its name must not start with
// stakegraph_test_, which marks the databases that tests drop.
func OpenKept(t testing.TB, name string) *storage.DB {
	t.Helper()
	if strings.HasPrefix(name, "stakegraph_test_") {
		t.Fatalf("a kept database cannot be named %s", name)
	}
	return openMigrated(t, "mysql://"+createMySQL(t, name))
}

// FreshMySQL creates a database of the test's own on the server of MySQLEnv, drops it when the
// test ends, and returns its DSN.
func FreshMySQL(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "stakegraph_test_" + hex.EncodeToString(b[:])
	dsn := createMySQL(t, name)
	t.Cleanup(func() { dropMySQL(t, name) })
	return dsn
}

// openMigrated opens the database of the URL, migrates it and closes it when the test ends.
func openMigrated(t testing.TB, url string) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, url, "")
	if err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrating %s: %v", url, err)
	}
	return db
}

// mysqlConfig is the configuration of the server of MySQLEnv, its times parsed.
func mysqlConfig(t testing.TB) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(os.Getenv(MySQLEnv))
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	cfg.ParseTime = true
	return cfg
}

// createMySQL creates the database of the name on the server of MySQLEnv unless it exists, and
// returns its DSN.
func createMySQL(t testing.TB, name string) string {
	t.Helper()
	cfg := mysqlConfig(t)
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE IF NOT EXISTS " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// dropMySQL drops the test's database, logging rather than failing: the test is over.
func dropMySQL(t testing.TB, name string) {
	drop, err := sql.Open("mysql", mysqlConfig(t).FormatDSN())
	if err != nil {
		return
	}
	defer drop.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := drop.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		t.Logf("dropping %s: %v", name, err)
	}
}

// Describe names the database for messages.
func Describe(db *storage.DB) string { return fmt.Sprintf("%s database", db.Dialect) }
