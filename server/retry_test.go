package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
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
