// Package derived keeps the tables the data layer derives from customer data in step with
// every write: each person's latest NPS response (LatestNPS) and each account's health
// signals (AccountPulse). Every write path (ent hooks, bulk sync, the scale generator) calls
// the same functions here, each over a batch.
package derived

import (
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
)

// LockRows locks the rows a read returns until the transaction ends, where the database can
// (FOR UPDATE: MariaDB has no FOR SHARE; SQLite runs one writer at a time anyway). A read of
// the rows a write derives from then waits for the transactions writing them and sees what
// they commit: reading around them, two overlapping writers would each derive from the rows
// without the other's, and the later write would stand.
func LockRows(s *sql.Selector) {
	if s.Dialect() != dialect.SQLite {
		s.ForUpdate()
	}
}
