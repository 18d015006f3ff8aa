// Package readbench measures stakegraph's reads against a hand-written server's: a baseline
// that answers the same GraphQL documents with database/sql and encoding/json, doing the same
// reads in the best way MariaDB allows, and a load generator that drives both alike.
package readbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/server"
)

// Baseline is the hand-written server: it knows the benchmark's documents by their operation
// name and answers each with fixed SQL, one statement per level of the answer, with the
// JSON shape stakegraph gives. It is not a GraphQL server; it refuses every other operation.
//
// It authenticates every request with the authenticator it is given. The benchmark gives it
// one of its own, built exactly as stakegraph's (tenancy.Authenticator over go-oidc, verifying
// the token's ES256 signature on each request, with the same tenant and member caches), so
// that both servers pay the same for authentication, whatever that costs, and a change to it
// moves both alike.
//
// It serves the roles that see the whole tenant (ADMIN, ANALYST, INTEGRATION), whose only
// access rule is the tenant's: every statement carries tenant_id, as stakegraph's do.
type Baseline struct {
	db      *sql.DB
	authn   server.Authenticator
	weights health.Weights
	log     *slog.Logger
	answers map[string]answerFunc
}

// answerFunc answers one operation with its data, ready for encoding/json.
type answerFunc func(ctx context.Context, r *reader, vars map[string]json.RawMessage) (any, error)

// maxBodyBytes bounds a request body, as stakegraph's default does.
const maxBodyBytes = 4 << 20

// NewBaseline returns the hand-written server over the database's pool, scoring health with
// the weights (nil: the defaults). Errors go to the logger (nil: discarded).
func NewBaseline(db *sql.DB, authn server.Authenticator, weights health.Weights, log *slog.Logger) *Baseline {
	if weights == nil {
		weights = health.DefaultWeights()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Baseline{db: db, authn: authn, weights: weights, log: log}
	b.answers = map[string]answerFunc{
		SimplePageOp:     answerSimplePage,
		NestedPageOp:     answerNestedPage,
		AccountPageOp:    answerAccountPage,
		AccountVoicesOp:  b.answerAccountVoices,
		PerceptionGapsOp: answerPerceptionGaps,
	}
	return b
}

// request is a GraphQL request as the benchmark sends it.
type request struct {
	OperationName string                     `json:"operationName"`
	Query         string                     `json:"query"`
	Variables     map[string]json.RawMessage `json:"variables"`
}

// ServeHTTP answers POST /graphql.
func (b *Baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/graphql" {
		server.WriteError(w, r, http.StatusNotFound, errs.E(errs.NotFound, "the baseline answers POST /graphql only"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(body) > maxBodyBytes {
		server.WriteError(w, r, http.StatusRequestEntityTooLarge, errs.E(errs.Invalid, "the request body is unreadable or too large"))
		return
	}
	ctx, err := b.authn.Authenticate(r)
	if err != nil {
		e, ok := errs.As(err)
		switch {
		case !ok || e.Kind == errs.Internal:
			b.log.Error("authentication failed", "error", err)
			server.WriteError(w, r, http.StatusInternalServerError, errs.E(errs.Internal, "internal error"))
		case e.Kind == errs.Forbidden:
			server.WriteError(w, r, http.StatusForbidden, e)
		default:
			server.WriteError(w, r, http.StatusUnauthorized, errs.E(errs.Unauthenticated, "%s", e.Message))
		}
		return
	}
	viewer, _ := viewer.FromContext(ctx)
	if !viewer.Is(enum.RoleAdmin, enum.RoleAnalyst, enum.RoleIntegration) {
		server.WriteError(w, r, http.StatusForbidden, errs.E(errs.Forbidden, "the baseline serves the roles that see the whole tenant only"))
		return
	}
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		server.WriteError(w, r, http.StatusBadRequest, errs.E(errs.Invalid, "the body is not a GraphQL request"))
		return
	}
	answer, ok := b.answers[operationName(req)]
	if !ok {
		server.WriteError(w, r, http.StatusBadRequest, errs.E(errs.Invalid, "the baseline answers only the benchmark's operations"))
		return
	}
	data, err := answer(ctx, &reader{db: b.db, tenant: viewer.TenantID, now: time.Now()}, req.Variables)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			server.WriteError(w, r, http.StatusOK, e)
			return
		}
		b.log.Error("answering", "operation", operationName(req), "error", err)
		server.WriteError(w, r, http.StatusInternalServerError, errs.E(errs.Internal, "internal error"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(struct {
		Data any `json:"data"`
	}{data}); err != nil {
		b.log.Warn("writing the answer", "error", err)
	}
}

// operationName is the request's operation name, or else the name its document declares.
func operationName(req request) string {
	if req.OperationName != "" {
		return req.OperationName
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(req.Query), "query ")
	if !ok {
		return ""
	}
	end := strings.IndexAny(rest, " ({")
	if end < 0 {
		return ""
	}
	return rest[:end]
}

// reader runs one request's statements for the viewer's tenant.
type reader struct {
	db     *sql.DB
	tenant string
	now    time.Time // the request's "now", for every figure that depends on it
}

// each runs the statement and calls scan for every row.
func (r *reader) each(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%.60s…: %w", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%.60s…: %w", query, err)
		}
	}
	return rows.Err()
}

// placeholders returns n comma-separated placeholders for an IN list.
func placeholders(n int) string {
	if n == 0 {
		return "NULL" // IN (NULL) matches nothing
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// withIDs appends the ids to the arguments.
func withIDs(args []any, ids []string) []any {
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}
