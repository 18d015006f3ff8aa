package server

import (
	"encoding/json"
	"net/http"
)

// healthz says the process is up. It touches nothing else, so an orchestrator does not restart
// replicas when the database is down.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether the replica can serve: the database answers. What it finds is what the
// replica acts on: while the database is down, API requests are refused at once.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.check(r.Context(), readyMaxAge); err != nil {
		s.log.Warn("not ready", "error", err)
		w.Header().Set("Retry-After", retryAfter)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
