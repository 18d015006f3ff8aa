package server

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/graph"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// graphqlHandler assembles gqlgen's handler with only what the API needs: POST, GET for
// queries, a parsed-document cache, automatic persisted queries, limits and cursor checks,
// transactions for mutations, and error handling that never lets a stack trace or SQL reach
// a client.
func (s *Server) graphqlHandler() *handler.Server {
	resolver := graph.NewResolver(s.client, graph.Options{HealthWeights: s.cfg.HealthWeights, Dialect: s.cfg.Dialect,
		DefaultPageSize: s.cfg.DefaultPageSize})
	srv := handler.New(resolver.Schema())
	srv.AddTransport(transport.Options{})
	srv.AddTransport(graphqlHTTP{})
	documents := connectionParts{pagingCache{
		Cache:           lru.New[*ast.QueryDocument](s.cfg.QueryCacheSize),
		defaultPageSize: s.cfg.DefaultPageSize,
	}}
	srv.SetQueryCache(documents)
	srv.SetParserTokenLimit(s.cfg.ParserTokenLimit)
	if s.cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	srv.Use(documentLimits{cache: documents, tokenLimit: s.cfg.ParserTokenLimit, maxDepth: s.cfg.MaxDepth,
		maxSelections: s.cfg.MaxSelections})
	srv.Use(&operationLimits{maxPageSize: s.cfg.MaxPageSize, maxComplexity: s.cfg.MaxComplexity})
	srv.Use(cursorCheck{})
	// The loaders are outside the transaction, which runs the operation again after a lost
	// lock conflict: what they read is committed, and stays valid for the next attempt.
	srv.AroundOperations(resolver.WithLoaders())
	// Counted outside the transaction, so that an operation run again after a lost lock conflict
	// counts once, with the outcome the client saw.
	srv.AroundOperations(s.countOperations)
	srv.Use(transactional{client: s.client, log: s.log, present: s.presentError, retried: s.metrics.retriedMutations})
	srv.AroundResponses(s.countRefusals)
	srv.AroundResponses(capErrors)
	srv.SetErrorPresenter(s.presentError)
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		s.log.Error("panic in resolver", "request_id", requestid.FromContext(ctx),
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return errs.E(errs.Internal, "internal error")
	})
	return srv
}

// maxErrors is the most errors a response lists before capErrors sums up the rest.
const maxErrors = 20

// capErrors bounds a response's error list: a query that repeats one mistake thousands of
// times gets the first maxErrors and a count of the others, not a reply many times its own
// size.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	more := &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors left out", len(resp.Errors)-maxErrors),
		Extensions: map[string]any{"code": resp.Errors[0].Extensions["code"], "requestId": requestid.FromContext(ctx)},
	}
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], more)
	return resp
}

// countOperations counts each operation once, by type and outcome.
func (s *Server) countOperations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	counted := context.WithValue(ctx, operationCounted{}, true)
	handler := next(counted)
	return func(ctx context.Context) *graphql.Response {
		resp := handler(context.WithValue(ctx, operationCounted{}, true))
		s.countOutcome(ctx, resp)
		return resp
	}
}

// operationCounted marks the contexts of an operation that countOperations counts.
type operationCounted struct{}

// countRefusals counts the requests refused before any operation ran (parsing, validation,
// limits), which no operation interceptor sees.
func (s *Server) countRefusals(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(operationCounted{}) == nil {
		s.countOutcome(ctx, resp)
	}
	return resp
}

// countOutcome counts one response by its operation's type and its outcome.
func (s *Server) countOutcome(ctx context.Context, resp *graphql.Response) {
	kind := "unknown" // a request refused before its operation was known
	if graphql.HasOperationContext(ctx) {
		if oc := graphql.GetOperationContext(ctx); oc.Operation != nil {
			kind = string(oc.Operation.Operation)
		}
	}
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
	}
	s.metrics.operations.WithLabelValues(kind, outcome).Inc()
}
