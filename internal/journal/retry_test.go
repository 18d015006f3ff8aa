package journal_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// Two transactions lock two rows in opposite orders: the database picks one as the deadlock
// victim and rolls it back, and Run runs it again, so both callers succeed and both writes
// are kept.
func TestRunRetriesARealDeadlock(t *testing.T) {
	storagetest.NeedMySQL(t, "provoke a real deadlock (SQLite takes its write lock up front)")
	db := storagetest.Open(t, "mysql")
	ctx := context.Background()
	if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE deadlock_probe (id INT PRIMARY KEY, a INT NOT NULL, b INT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, "INSERT INTO deadlock_probe VALUES (1, 0, 0), (2, 0, 0)"); err != nil {
		t.Fatal(err)
	}

	var attempts, retries atomic.Int32
	var holding sync.WaitGroup // each transaction's first row is locked
	holding.Add(2)
	write := func(column string, first, second int) error {
		var firstAttempt atomic.Bool
		firstAttempt.Store(true)
		return journal.Run(ctx, db.Client, func(ctx context.Context, tx *ent.Tx) error {
			attempts.Add(1)
			set := "UPDATE deadlock_probe SET " + column + " = 1 WHERE id = ?"
			if _, err := tx.ExecContext(ctx, set, first); err != nil {
				return err
			}
			if firstAttempt.Swap(false) {
				holding.Done()
				holding.Wait()
			}
			_, err := tx.ExecContext(ctx, set, second)
			return err
		}, journal.OnRetry(func(int, error) { retries.Add(1) }))
	}
	errc := make(chan error, 2)
	go func() { errc <- write("a", 1, 2) }()
	go func() { errc <- write("b", 2, 1) }()
	for range 2 {
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("a caller saw %v", err)
			}
		case <-time.After(time.Minute):
			t.Fatal("the transactions did not finish")
		}
	}
	if retries.Load() != 1 || attempts.Load() != 3 {
		t.Errorf("%d attempts and %d retries, want 3 and 1: one deadlock victim run again", attempts.Load(), retries.Load())
	}
	var unapplied int
	if err := db.SQL.QueryRowContext(ctx, "SELECT COUNT(*) FROM deadlock_probe WHERE a <> 1 OR b <> 1").Scan(&unapplied); err != nil {
		t.Fatal(err)
	}
	if unapplied != 0 {
		t.Errorf("%d rows miss a write", unapplied)
	}
}

// A transaction that loses every time is tried Attempts times, and its caller gets the
// conflict; any other error is not tried again.
func TestRunRetriesBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		for _, tc := range []struct {
			err  error
			runs int
		}{
			{fmt.Errorf("saving: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}), journal.Attempts},
			{&mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, journal.Attempts},
			{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, 1},
			{errors.New("refused"), 1},
		} {
			runs := 0
			err := journal.Run(context.Background(), db.Client, func(context.Context, *ent.Tx) error {
				runs++
				return tc.err
			})
			if !errors.Is(err, tc.err) || runs != tc.runs {
				t.Errorf("%v: ran %d times (want %d), returned %v", tc.err, runs, tc.runs, err)
			}
		}
	})
}
