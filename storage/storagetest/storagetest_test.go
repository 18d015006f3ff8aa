package storagetest

import (
	"os"
	"testing"

	"github.com/stakegraph/stakegraph/storage"
)

func TestOpenMigrates(t *testing.T) {
	Each(t, func(t *testing.T, db *storage.DB) {
		if err := db.SQL.Ping(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMySQLReadsCommitted checks that MySQL sessions read committed data, which the journal's
// row locks and the version checks rely on.
func TestMySQLReadsCommitted(t *testing.T) {
	if os.Getenv(MySQLEnv) == "" {
		t.Skipf("set %s to test MySQL sessions", MySQLEnv)
	}
	db := Open(t, "mysql")
	var level string
	if err := db.SQL.QueryRow("SELECT @@tx_isolation").Scan(&level); err != nil {
		if err := db.SQL.QueryRow("SELECT @@transaction_isolation").Scan(&level); err != nil {
			t.Fatal(err)
		}
	}
	if level != "READ-COMMITTED" {
		t.Fatalf("sessions run at %s", level)
	}
}
