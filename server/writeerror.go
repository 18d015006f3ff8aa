package server

import (
	"net/http"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// WriteError writes an error response outside the GraphQL executor as the server does, for
// handlers that must answer in its shape (the read benchmark's hand-written baseline).
func WriteError(w http.ResponseWriter, r *http.Request, status int, e *errs.Error) {
	writeError(w, r, status, e)
}
