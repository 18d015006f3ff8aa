package server

import (
	"context"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// transactional runs every mutation operation in one journaled transaction: it commits when
// every field succeeded and rolls back otherwise, so a refused input changes nothing.
type transactional struct {
	client  *ent.Client
	log     *slog.Logger
	present graphql.ErrorPresenterFunc
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactional{}

func (transactional) ExtensionName() string                   { return "StakegraphTransactional" }
func (transactional) Validate(graphql.ExecutableSchema) error { return nil }

func isMutation(oc *graphql.OperationContext) bool {
	return oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation
}

// MutateOperationContext runs a mutation's resolvers one at a time: they share a transaction.
func (transactional) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if isMutation(oc) {
		previous := oc.ResolverMiddleware
		var mu sync.Mutex
		oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
			mu.Lock()
			defer mu.Unlock()
			return previous(ctx, next)
		}
	}
	return nil
}

// InterceptResponse runs the mutation in a journaled transaction. With an Idempotency-Key, the
// key is claimed in the same transaction before the mutation runs and stored with the response,
// so a retry of the same request gets that response, and another request under the key a
// CONFLICT.
func (t transactional) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) || !isMutation(graphql.GetOperationContext(ctx)) {
		return next(ctx)
	}
	idem, err := idempotencyOf(ctx, graphql.GetOperationContext(ctx))
	if err != nil {
		return t.refused(ctx, err)
	}
	if idem != nil {
		if resp, done := t.replayed(ctx, idem); done {
			return resp
		}
	}
	txCtx, tx, err := journal.Begin(ctx, t.client)
	if err != nil {
		return t.failed(ctx, "opening a transaction", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if idem != nil {
		if err := idem.claim(txCtx, tx.Client()); err != nil {
			_ = tx.Rollback()
			if ent.IsConstraintError(err) { // a request with the same key committed meanwhile
				if resp, done := t.replayed(ctx, idem); done {
					return resp
				}
			}
			return t.failed(ctx, "claiming the idempotency key", err)
		}
	}
	resp := next(txCtx)
	if len(resp.Errors) > 0 {
		if err := tx.Rollback(); err != nil {
			t.log.Error("rolling back", "request_id", requestid.FromContext(ctx), "error", err)
		}
		return &graphql.Response{Errors: resp.Errors, Extensions: resp.Extensions}
	}
	if idem != nil {
		if err := idem.remember(txCtx, tx.Client(), resp); err != nil {
			_ = tx.Rollback()
			return t.failed(ctx, "storing the idempotent response", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return t.failed(ctx, "committing", err)
	}
	return resp
}

// replayed answers from a stored key, when there is one.
func (t transactional) replayed(ctx context.Context, idem *idempotent) (*graphql.Response, bool) {
	row, err := idem.stored(ctx, t.client)
	if err != nil {
		return t.failed(ctx, "reading the idempotency key", err), true
	}
	if row == nil {
		return nil, false
	}
	resp, err := idem.replay(row)
	if err != nil {
		return t.refused(ctx, err), true
	}
	return resp, true
}

// refused answers with a client error, before anything ran.
func (t transactional) refused(ctx context.Context, err error) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{t.present(ctx, err)}}
}

// failed answers with the error of a step of the transaction: INTERNAL, or UNAVAILABLE when
// the database could not be reached.
func (t transactional) failed(ctx context.Context, what string, err error) *graphql.Response {
	return t.refused(ctx, errs.Wrap(err, "%s", what))
}
