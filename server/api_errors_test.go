package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/server"
)

// recordedLog keeps the levels and messages the server logs.
type recordedLog struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *recordedLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *recordedLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r)
	return nil
}
func (l *recordedLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *recordedLog) WithGroup(string) slog.Handler      { return l }

// errors returns the messages logged at ERROR since the mark, and a new mark.
func (l *recordedLog) errorsSince(mark int) ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records[mark:] {
		if r.Level >= slog.LevelError {
			var attrs []string
			r.Attrs(func(a slog.Attr) bool { attrs = append(attrs, a.String()); return true })
			out = append(out, fmt.Sprintf("%s %.300s", r.Message, strings.Join(attrs, " ")))
		}
	}
	return out, len(l.records)
}

// databaseWords are what SQLite's, MySQL's and database/sql's messages say.
var databaseWords = regexp.MustCompile(`(?i)sql|mysql|mariadb|syntax|constraint|dial tcp`)

// TestAPIClientMistakes: mistakes of the client's are BAD_USER_INPUT in the API's own words,
// not INTERNAL, not a panic in the log; and whatever fails in the database, its words never
// reach the client.
func TestAPIClientMistakes(t *testing.T) {
	log := &recordedLog{}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		tok := env.Token("acme", "ADMIN", "alice")
		_, mark := log.errorsSince(0)
		for _, tc := range []struct {
			name, body string
			status     int
			words      string
		}{
			{"not JSON", `hello`, http.StatusBadRequest, "must be a JSON object"},
			{"a JSON array of operations", `[{"query":"{ viewer { subject } }"},{"query":"{ viewer { role } }"}]`, http.StatusBadRequest, "one operation per request"},
			{"introspection off", `{"query":"{ __schema { types { name } } }"}`, http.StatusOK, "introspection is turned off"},
			{"introspection off, in a fragment", `{"query":"{ ...F } fragment F on Query { __type(name: \"Account\") { name } }"}`, http.StatusOK, "introspection is turned off"},
		} {
			r := env.Post(tok, "application/json", []byte(tc.body), nil)
			e := r.MustFail(t, "BAD_USER_INPUT")
			if r.Status != tc.status || !strings.Contains(e.Message, tc.words) || r.Data != nil {
				t.Errorf("%s: want %d saying %q and no data, got %s", tc.name, tc.status, tc.words, r)
			}
		}
		if logged, _ := log.errorsSince(mark); len(logged) > 0 {
			t.Errorf("client mistakes logged as errors: %q", logged)
		}
		env.Do(tok, `{ __typename viewer { subject } }`, nil).MustOK(t, nil)

		// More ids than SQLite takes variables: the database refuses the statement, and the
		// client learns nothing of how.
		ids := make([]string, 40000)
		for i := range ids {
			ids[i] = fmt.Sprintf("acc_01JD%022d", i)
		}
		for _, q := range []string{
			`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
			`query ($ids: [String!]) { accounts(first: 5, where: {nameIn: $ids}) { totalCount } }`,
		} {
			r := env.Do(tok, q, map[string]any{"ids": ids})
			if databaseWords.Match(r.Body) {
				t.Errorf("the database's words reach the client: %.500s", r.Body)
			}
			for _, e := range r.Errors {
				if e.Code() == "INTERNAL" && e.Message != "internal error" && !strings.HasSuffix(e.Message, "more errors left out") {
					t.Errorf("an internal error says %q", e.Message)
				}
			}
		}
	}, apitest.WithConfig(func(c *server.Config) { c.Introspection = false }),
		apitest.WithServerOption(server.WithLogger(slog.New(log))))
}
