package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/stakegraph/stakegraph/internal/requestid"
)

// deadlockAttempts is how often a request runs before a deadlock is the client's answer.
const deadlockAttempts = 4

// retrySignal is how the GraphQL layer tells retryDeadlocks that the request's transaction
// was chosen as a deadlock victim: InnoDB rolled it back whole, so running the request again
// is safe, and it is what InnoDB expects of its clients.
type retrySignal struct {
	deadlocked atomic.Bool
	last       bool // the last attempt: its answer goes to the client whatever it is
}

type retryKey struct{}

// noteDeadlock records that err is a deadlock, for the request of ctx to be run again, and
// reports whether it will be: a deadlock that a retry resolves is no error of the server's.
func noteDeadlock(ctx context.Context, err error) (retried bool) {
	var my *mysql.MySQLError
	if !errors.As(err, &my) || my.Number != 1213 { // ER_LOCK_DEADLOCK
		return false
	}
	s, ok := ctx.Value(retryKey{}).(*retrySignal)
	if !ok {
		return false
	}
	s.deadlocked.Store(true)
	return !s.last && ctx.Err() == nil
}

// retryDeadlocks runs a GraphQL request again, after a short random pause, when its
// transaction lost a deadlock; the client sees only the last attempt's answer. The body is
// already in memory (the body limit read it), and the response is held back until it is
// known whether to keep it.
func (s *Server) retryDeadlocks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				next.ServeHTTP(w, r)
				return
			}
		}
		for attempt := 1; ; attempt++ {
			signal := &retrySignal{last: attempt == deadlockAttempts}
			held := &heldResponse{header: http.Header{}}
			try := r.WithContext(context.WithValue(r.Context(), retryKey{}, signal))
			try.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(held, try)
			if !signal.deadlocked.Load() || attempt == deadlockAttempts || r.Context().Err() != nil {
				held.sendTo(w)
				return
			}
			s.metrics.deadlockRetries.Inc()
			s.log.Info("running the request again after a deadlock", "request_id", requestid.FromContext(r.Context()), "attempt", attempt)
			time.Sleep(time.Duration(attempt) * time.Duration(5+rand.IntN(20)) * time.Millisecond)
		}
	})
}

// heldResponse keeps a response until it is sent.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(b)
}

func (h *heldResponse) sendTo(w http.ResponseWriter) {
	for k, v := range h.header {
		w.Header()[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}
