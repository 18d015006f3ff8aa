package graph_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// statements counts the SQL statements that go through a driver, and keeps their text.
type statements struct {
	mu   sync.Mutex
	list []string
}

func (s *statements) add(query string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = append(s.list, query)
}

// reset forgets what was counted so far.
func (s *statements) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list = nil
}

// taken returns the statements counted since the last reset.
func (s *statements) taken() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.list...)
}

// option wraps the server's driver so that its statements are counted.
func (s *statements) option() apitest.Option {
	return apitest.WithDriver(func(d dialect.Driver) dialect.Driver { return countingDriver{d, s} })
}

// rawSQL is the raw SQL that set-based writes use, which the storage drivers implement.
type rawSQL interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}

type countingDriver struct {
	dialect.Driver
	s *statements
}

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	d.s.add(query)
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	d.s.add(query)
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{tx, d.s}, nil
}

func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.s.add(query)
	raw, ok := d.Driver.(rawSQL)
	if !ok {
		return nil, fmt.Errorf("%T cannot run raw SQL", d.Driver)
	}
	return raw.ExecContext(ctx, query, args...)
}

func (d countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	d.s.add(query)
	raw, ok := d.Driver.(rawSQL)
	if !ok {
		return nil, fmt.Errorf("%T cannot run raw SQL", d.Driver)
	}
	return raw.QueryContext(ctx, query, args...)
}

type countingTx struct {
	dialect.Tx
	s *statements
}

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.s.add(query)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.s.add(query)
	return t.Tx.Query(ctx, query, args, v)
}

func (t countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.s.add(query)
	raw, ok := t.Tx.(rawSQL)
	if !ok {
		return nil, fmt.Errorf("%T cannot run raw SQL", t.Tx)
	}
	return raw.ExecContext(ctx, query, args...)
}

func (t countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.s.add(query)
	raw, ok := t.Tx.(rawSQL)
	if !ok {
		return nil, fmt.Errorf("%T cannot run raw SQL", t.Tx)
	}
	return raw.QueryContext(ctx, query, args...)
}

// dataTables are the tables whose rows the API's mutations write, the change journal included.
var dataTables = []string{"accounts", "people", "buying_contacts", "end_users", "contracts", "user_councils",
	"council_memberships", "council_sessions", "council_session_attendees", "feedback", "interactions",
	"interaction_participants", "latest_nps", "teams", "members", "tenants", "changes", "change_sequences",
	"idempotency_keys"}

// rowCounts counts the rows of every data table directly in SQL.
func rowCounts(t *testing.T, env *apitest.Env) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range dataTables {
		var n int
		if err := env.DB.SQL.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// leaks reports SQL text or a Go stack trace in an error message.
func leaks(msg string) bool {
	lower := strings.ToLower(msg)
	for _, s := range []string{"select ", "insert into", "update `", "delete from", "sql:", "sqlite", "mysql",
		"error 1", "goroutine ", ".go:", "panic", "runtime/", "constraint failed", "ent: "} {
		if strings.Contains(lower, s) {
			return true
		}
	}
	return false
}

// expectRefused fails the test unless the response refuses its input with BAD_USER_INPUT
// naming the field, with no data and no internals in its messages, and every data table holds
// the rows it held before the request.
func expectRefused(t *testing.T, env *apitest.Env, r *apitest.Response, field string, before map[string]int) {
	t.Helper()
	expectRefusedWith(t, env, r, "", field, before)
}

// expectRefusedWith is expectRefused for a refusal with the code (BAD_USER_INPUT when empty).
func expectRefusedWith(t *testing.T, env *apitest.Env, r *apitest.Response, code, field string, before map[string]int) {
	t.Helper()
	if code == "" {
		code = "BAD_USER_INPUT"
	}
	e := r.MustFail(t, code)
	if e.Field() != field {
		t.Errorf("field %q, want %q: %s", e.Field(), field, r.Body)
	}
	var data map[string]any
	_ = json.Unmarshal(r.Data, &data)
	for _, v := range data {
		if v != nil {
			t.Errorf("data alongside the refusal: %s", r.Data)
		}
	}
	for _, e := range r.Errors {
		if msg := strings.TrimPrefix(e.Message, e.Field()+": "); leaks(msg) || strings.Contains(msg, "strconv") {
			t.Errorf("the message shows internals: %q", e.Message)
		}
	}
	after := rowCounts(t, env)
	for table, n := range before {
		if after[table] != n {
			t.Errorf("%s: %d rows before, %d after", table, n, after[table])
		}
	}
}

// contractInput is the input of a one-year contract of the account from start, changed by
// change, as the variables {"in": …}.
func contractInput(accountID string, start time.Time, change map[string]any) map[string]any {
	in := map[string]any{"accountID": accountID, "number": "C-1", "startDate": ts(start),
		"endDate": ts(start.AddDate(1, 0, 0)), "currency": "EUR"}
	for k, v := range change {
		in[k] = v
	}
	return map[string]any{"in": in}
}
