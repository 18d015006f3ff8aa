package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// A deadlock cannot be provoked on demand through the API, so the handler behind the retry
// plays the transaction that loses one.
func TestRetryDeadlocks(t *testing.T) {
	deadlock := fmt.Errorf("committing: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
	serve := func(losses int) (*httptest.ResponseRecorder, []string) {
		s := &Server{log: slog.New(slog.DiscardHandler), metrics: newMetrics()}
		var bodies []string
		h := s.retryDeadlocks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			bodies = append(bodies, string(b))
			w.Header().Set("X-Attempt", fmt.Sprint(len(bodies)))
			if len(bodies) <= losses {
				noteDeadlock(r.Context(), deadlock)
				w.WriteHeader(http.StatusOK)
				fmt.Fprint(w, `{"errors":[{"message":"internal error"}]}`)
				return
			}
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"data":{"attempt":%d}}`, len(bodies))
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"mutation"}`)))
		return w, bodies
	}

	w, bodies := serve(2)
	if len(bodies) != 3 || w.Code != http.StatusCreated || w.Body.String() != `{"data":{"attempt":3}}` || w.Header().Get("X-Attempt") != "3" {
		t.Errorf("after two deadlocks: %d attempts, answer %d %s (attempt header %q)", len(bodies), w.Code, w.Body, w.Header().Get("X-Attempt"))
	}
	for i, b := range bodies {
		if b != `{"query":"mutation"}` {
			t.Errorf("attempt %d read the body %q", i+1, b)
		}
	}

	w, bodies = serve(100)
	if len(bodies) != deadlockAttempts || !strings.Contains(w.Body.String(), "internal error") {
		t.Errorf("always deadlocked: %d attempts (want %d), answer %s", len(bodies), deadlockAttempts, w.Body)
	}

	w, bodies = serve(0)
	if len(bodies) != 1 || w.Code != http.StatusCreated {
		t.Errorf("no deadlock: %d attempts, answer %d", len(bodies), w.Code)
	}
}

// levelLog keeps the highest level logged.
type levelLog struct {
	mu  sync.Mutex
	max slog.Level
}

func (l *levelLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.max = max(l.max, r.Level)
	return nil
}
func (l *levelLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levelLog) WithGroup(string) slog.Handler      { return l }

// TestDeadlockRetriesLogBelowError: a deadlock that a retry resolves is logged below ERROR,
// through the error presenter as in a real request; one that outlasts every attempt is an
// ERROR.
func TestDeadlockRetriesLogBelowError(t *testing.T) {
	// As a mutation's resolver error reaches the presenter: on the field's path.
	deadlock := gqlerror.WrapPath(ast.Path{ast.PathName("createAccount")},
		fmt.Errorf("creating: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}))
	highest := func(losses int) slog.Level {
		log := &levelLog{max: slog.LevelDebug}
		s := &Server{log: slog.New(log), metrics: newMetrics()}
		s.db = newAvailability(func(context.Context) error { return nil }, s.log)
		attempts := 0
		h := s.retryDeadlocks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			attempts++
			if attempts <= losses {
				writeError(w, r, http.StatusOK, errs.E(errs.Internal, "%s", s.presentError(r.Context(), deadlock).Message))
				return
			}
			w.WriteHeader(http.StatusOK)
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{}`)))
		return log.max
	}
	if got := highest(2); got >= slog.LevelError {
		t.Errorf("two deadlocks, then success: logged at %v", got)
	}
	if got := highest(100); got < slog.LevelError {
		t.Errorf("deadlocked on every attempt: logged at %v, want ERROR", got)
	}
}
