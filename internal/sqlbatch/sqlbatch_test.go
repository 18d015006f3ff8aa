package sqlbatch_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/stakegraph/stakegraph/internal/sqlbatch"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
)

// statements counts the INSERTs an Execer runs.
type statements struct {
	sqlbatch.Execer
	n int
}

func (s *statements) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s.n++
	return s.Execer.ExecContext(ctx, query, args...)
}

// TestInsertAtTheBound writes as many rows as one statement takes, and one more: every row is
// stored once, in one statement and then in two, on each database at its own bound.
func TestInsertAtTheBound(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		columns := []string{"n", "label", "primary"} // "primary" is a keyword: the names are quoted
		if _, err := db.SQL.ExecContext(ctx, "CREATE TABLE `sqlbatch_rows` (`n` INTEGER NOT NULL UNIQUE, `label` VARCHAR(20), `primary` BOOLEAN)"); err != nil {
			t.Fatal(err)
		}
		per := sqlbatch.RowsPerStatement(db.Dialect, len(columns))
		for _, tc := range []struct {
			rows, statements int
		}{{per, 1}, {per + 1, 2}} {
			if _, err := db.SQL.ExecContext(ctx, "DELETE FROM `sqlbatch_rows`"); err != nil {
				t.Fatal(err)
			}
			rows := make([][]any, tc.rows)
			for i := range rows {
				rows[i] = []any{i, fmt.Sprintf("row %d", i), i%2 == 0}
			}
			exec := &statements{Execer: db.SQL}
			if err := sqlbatch.Insert(ctx, exec, db.Dialect, "sqlbatch_rows", columns, rows); err != nil {
				t.Fatalf("%d rows: %v", tc.rows, err)
			}
			if exec.n != tc.statements {
				t.Errorf("%d rows took %d statements, want %d", tc.rows, exec.n, tc.statements)
			}
			var count, sum int
			if err := db.SQL.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(`n`), 0) FROM `sqlbatch_rows`").Scan(&count, &sum); err != nil {
				t.Fatal(err)
			}
			if want := tc.rows * (tc.rows - 1) / 2; count != tc.rows || sum != want {
				t.Errorf("%d rows: stored %d with sum %d, want %d with sum %d", tc.rows, count, sum, tc.rows, want)
			}
		}
	})
}

func TestInsertRefusesARowOfTheWrongWidth(t *testing.T) {
	exec := &statements{}
	err := sqlbatch.Insert(context.Background(), exec, "sqlite3", "t", []string{"a", "b"}, [][]any{{1, 2}, {3}})
	if err == nil || exec.n != 0 {
		t.Fatalf("got %v after %d statements, want an error before any", err, exec.n)
	}
}

func TestInsertWritesNothingForNoRows(t *testing.T) {
	exec := &statements{}
	if err := sqlbatch.Insert(context.Background(), exec, "sqlite3", "t", []string{"a"}, nil); err != nil || exec.n != 0 {
		t.Fatalf("got %v after %d statements", err, exec.n)
	}
}
