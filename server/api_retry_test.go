package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/journal"
)

// losingDriver plays a database that picks the mutations' transactions as deadlock victims:
// in the first `lose` transactions, the first INSERT of an account rolls the transaction back
// and fails with ER_LOCK_DEADLOCK, as InnoDB does.
type losingDriver struct {
	dialect.Driver
	lose int64
	txs  *atomic.Int64
}

func (d losingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &losingTx{Tx: tx, loses: d.txs.Add(1) <= d.lose}, nil
}

type losingTx struct {
	dialect.Tx
	loses bool
}

func (t *losingTx) Exec(ctx context.Context, query string, args, v any) error {
	if t.loses && strings.HasPrefix(query, "INSERT INTO `accounts`") {
		t.loses = false
		_ = t.Tx.Rollback()
		return fmt.Errorf("inserting: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock"})
	}
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *losingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.(rawSQL).ExecContext(ctx, query, args...)
}

func (t *losingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.(rawSQL).QueryContext(ctx, query, args...)
}

// TestAPIMutationRetriedAfterDeadlock: a mutation whose transaction loses a deadlock runs again
// whole, and the client sees the attempt that won; one that loses every time is run
// journal.Attempts times and answered INTERNAL, with nothing written.
func TestAPIMutationRetriedAfterDeadlock(t *testing.T) {
	const create = `mutation($a: String!, $b: String!) {
		a: createAccount(input: {name: $a}) { id }
		b: createAccount(input: {name: $b}) { id }
	}`
	for _, tc := range []struct {
		lose     int64
		attempts int64
		ok       bool
	}{{lose: 2, attempts: 3, ok: true}, {lose: 1000, attempts: journal.Attempts}} {
		t.Run(fmt.Sprintf("losing %d", tc.lose), func(t *testing.T) {
			var txs atomic.Int64
			losing := apitest.WithDriver(func(d dialect.Driver) dialect.Driver { return losingDriver{d, tc.lose, &txs} })
			apitest.Each(t, func(t *testing.T, env *apitest.Env) {
				txs.Store(0)
				tok := env.Token("acme", "ADMIN", "alice")
				r := env.Do(tok, create, map[string]any{"a": "Retried A", "b": "Retried B"})
				if tc.ok {
					r.MustOK(t, nil)
				} else {
					r.MustFail(t, "INTERNAL")
				}
				if got := txs.Load(); got != tc.attempts {
					t.Errorf("%d transactions, want %d", got, tc.attempts)
				}
				var d struct{ Accounts struct{ TotalCount int } }
				env.Do(tok, `{ accounts(where: {nameHasPrefix: "Retried"}) { totalCount } }`, nil).MustOK(t, &d)
				if want := map[bool]int{true: 2, false: 0}[tc.ok]; d.Accounts.TotalCount != want {
					t.Errorf("%d accounts written, want %d", d.Accounts.TotalCount, want)
				}
				metrics := string(env.Get("/metrics", nil).Body)
				if want := fmt.Sprintf("stakegraph_deadlock_retries_total %d", tc.attempts-1); !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %q", want)
				}
				// The mutation counts once, with the outcome the client saw, however many attempts.
				outcome := map[bool]string{true: "ok", false: "error"}[tc.ok]
				want := fmt.Sprintf(`stakegraph_graphql_operations_total{outcome=%q,type="mutation"} 1`, outcome)
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics lack %q", want)
				}
				if other := map[bool]string{true: "error", false: "ok"}[tc.ok]; strings.Contains(metrics,
					fmt.Sprintf(`stakegraph_graphql_operations_total{outcome=%q,type="mutation"}`, other)) {
					t.Errorf("a lost attempt was counted as a mutation of outcome %s", other)
				}
			}, losing)
		})
	}
}
