package storagetest

import (
	"context"
	"testing"

	"github.com/stakegraph/stakegraph/internal/storage"
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
	NeedMySQL(t, "test MySQL sessions")
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

// TestMySQLSendsValuesInline checks that a statement with arguments reaches the server as text
// with its values, without a prepared statement (see storage.Open), and that values which
// need escaping arrive intact.
func TestMySQLSendsValuesInline(t *testing.T) {
	NeedMySQL(t, "test MySQL sessions")
	db := Open(t, "mysql")
	ctx := context.Background()
	conn, err := db.SQL.Conn(ctx) // session counters are per connection
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prepared := func() int {
		var name string
		var n int
		if err := conn.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := prepared()
	tricky := "O'Brien \\ \"quoted\" — ünïcode 🚀 \x00 end"
	var got string
	if err := conn.QueryRowContext(ctx, "SELECT ?", tricky).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != tricky {
		t.Fatalf("sent %q, read back %q", tricky, got)
	}
	if n := prepared() - before; n != 0 {
		t.Fatalf("a statement with an argument prepared %d statements on the server, want 0", n)
	}
}
