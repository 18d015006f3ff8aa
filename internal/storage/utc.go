package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
)

// utcDriver hands SQLite every time in UTC. SQLite keeps times as text and compares them as
// text, so times written in different zones would sort wrongly.
type utcDriver struct{ dialect.Driver }

func (d utcDriver) Exec(ctx context.Context, query string, args, v any) error {
	return d.Driver.Exec(ctx, query, inUTC(args), v)
}

func (d utcDriver) Query(ctx context.Context, query string, args, v any) error {
	return d.Driver.Query(ctx, query, inUTC(args), v)
}

func (d utcDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return utcTx{tx}, nil
}

// ExecContext and QueryContext serve ent's raw SQL (set-based writes), which bypasses Exec.
func (d utcDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, d.Driver, query, args)
}

func (d utcDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, d.Driver, query, args)
}

type utcTx struct{ dialect.Tx }

func (t utcTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, t.Tx, query, args)
}

func (t utcTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, t.Tx, query, args)
}

type execQuerier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

func execContext(ctx context.Context, d any, query string, args []any) (sql.Result, error) {
	eq, ok := d.(execQuerier)
	if !ok {
		return nil, fmt.Errorf("storage: %T cannot run raw SQL", d)
	}
	return eq.ExecContext(ctx, query, inUTC(args).([]any)...)
}

func queryContext(ctx context.Context, d any, query string, args []any) (*sql.Rows, error) {
	eq, ok := d.(execQuerier)
	if !ok {
		return nil, fmt.Errorf("storage: %T cannot run raw SQL", d)
	}
	return eq.QueryContext(ctx, query, inUTC(args).([]any)...)
}

func (t utcTx) Exec(ctx context.Context, query string, args, v any) error {
	return t.Tx.Exec(ctx, query, inUTC(args), v)
}

func (t utcTx) Query(ctx context.Context, query string, args, v any) error {
	return t.Tx.Query(ctx, query, inUTC(args), v)
}

func inUTC(args any) any {
	list, ok := args.([]any)
	if !ok {
		return args
	}
	for i, a := range list {
		switch t := a.(type) {
		case time.Time:
			list[i] = t.UTC()
		case *time.Time:
			if t != nil {
				list[i] = t.UTC()
			}
		}
	}
	return list
}
