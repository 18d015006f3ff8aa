// Package sqlbatch writes many rows with few statements: the multi-row INSERT that the
// journal, bulk sync and the scale generator share, chunked under the database's limit on a
// statement's bound parameters.
package sqlbatch

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"entgo.io/ent/dialect"
)

// Execer runs a statement: an ent client or transaction, a *sql.DB or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// MaxPlaceholders is the most bound parameters a statement takes on the dialect: well under
// SQLite's limit of 32,766 and MySQL's of 65,535, whose prepared-statement protocol counts
// parameters in two bytes even when the driver interpolates them.
func MaxPlaceholders(dialectName string) int {
	if dialectName == dialect.MySQL {
		return 60000
	}
	return 30000
}

// RowsPerStatement is how many rows of so many columns one INSERT takes on the dialect.
func RowsPerStatement(dialectName string, columns int) int {
	return max(1, MaxPlaceholders(dialectName)/max(1, columns))
}

// Insert writes the rows, each a value per column, into the table with as few multi-row
// INSERTs as the dialect's placeholder bound allows. Names are quoted with backquotes, which
// MySQL and SQLite both read ("primary" is a keyword).
func Insert(ctx context.Context, exec Execer, dialectName, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	head := "INSERT INTO `" + table + "` (`" + strings.Join(columns, "`, `") + "`) VALUES "
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	per := RowsPerStatement(dialectName, len(columns))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.Grow(len(head) + len(chunk)*(len(one)+2))
		q.WriteString(head)
		args := make([]any, 0, len(chunk)*len(columns))
		for i, row := range chunk {
			if len(row) != len(columns) {
				return fmt.Errorf("inserting into %s: a row of %d values for %d columns", table, len(row), len(columns))
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(one)
			args = append(args, row...)
		}
		if _, err := exec.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("inserting into %s: %w", table, err)
		}
	}
	return nil
}
