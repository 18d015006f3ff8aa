package server

import (
	"net/http"
	"strconv"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// Starting makes the server hold back until Ready: it can then serve on its port while the
// database is being migrated (a busy port fails before anything is written), and a request that
// arrives meanwhile gets 503 with Retry-After, never an API over a half-migrated database.
// /healthz says the process is up, so that an orchestrator does not restart a long migration.
func Starting() Option { return func(s *Server) { s.starting.Store(true) } }

// Ready lets a server made with Starting serve.
func (s *Server) Ready() { s.starting.Store(false) }

// startupRetryAfter is the Retry-After, in seconds, of a request refused while starting.
const startupRetryAfter = 2

// untilReady refuses every request but /healthz and /metrics while the server is starting.
func (s *Server) untilReady(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.starting.Load() || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", strconv.Itoa(startupRetryAfter))
		if r.URL.Path == "/readyz" {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		writeError(w, r, http.StatusServiceUnavailable, errs.E(errs.Unavailable, "the server is starting (preparing its database): retry in a moment"))
	})
}
