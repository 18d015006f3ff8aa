package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/requestid"
)

// transactional runs every mutation operation in one journaled transaction: it commits when
// every field succeeded and rolls back otherwise, so a refused input changes nothing. The
// transaction is journal.Run's, which runs the whole operation again when it loses a lock
// conflict; the client sees only the last attempt's answer.
type transactional struct {
	client  *ent.Client
	log     *slog.Logger
	present graphql.ErrorPresenterFunc
	retried prometheus.Counter // operations run again after a lost lock conflict
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = transactional{}

func (transactional) ExtensionName() string                   { return "StakegraphTransactional" }
func (transactional) Validate(graphql.ExecutableSchema) error { return nil }

func isMutation(oc *graphql.OperationContext) bool {
	return oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation
}

// errRefused ends an attempt whose response holds errors: the transaction rolls back.
var errRefused = errors.New("the mutation was refused")

// InterceptOperation runs a mutation in a journaled transaction. With an Idempotency-Key, the
// key is claimed in the same transaction before the mutation runs and stored with the
// response, so a retry of the same request gets that response, and another request under the
// key a CONFLICT. Each attempt executes the operation afresh (next), so the middleware inside
// this one must keep nothing from one attempt to the next.
func (t transactional) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if !isMutation(oc) {
		return next(ctx)
	}
	idem, err := idempotencyOf(ctx, oc)
	if err != nil {
		return graphql.OneShot(t.refused(ctx, err))
	}
	if idem != nil {
		if resp, done := t.replayed(ctx, idem); done {
			return graphql.OneShot(resp)
		}
	}
	resolve := oc.ResolverMiddleware
	var resp *graphql.Response
	var claimed bool
	err = journal.Run(ctx, t.client, func(txCtx context.Context, tx *ent.Tx) error {
		claimed, resp = false, nil
		if idem != nil {
			if err := idem.claim(txCtx, tx.Client()); err != nil {
				return err
			}
			claimed = true
		}
		lost := oneAtATime(oc, resolve)
		resp = next(txCtx)(txCtx)
		if resp == nil { // the request ended before the operation ran
			return errors.Join(errRefused, txCtx.Err())
		}
		if lost.err != nil {
			return lost.err
		}
		if len(resp.Errors) > 0 {
			return errRefused
		}
		if idem != nil {
			if err := idem.remember(txCtx, tx.Client(), resp); err != nil {
				return fmt.Errorf("storing the idempotent response: %w", err)
			}
		}
		return nil
	}, journal.OnRetry(func(attempt int, err error) {
		t.retried.Inc()
		t.log.Info("the transaction lost a lock conflict: the mutation runs again",
			"request_id", requestid.FromContext(ctx), "attempt", attempt, "error", err)
	}))
	if journal.Retryable(err) {
		t.log.Error("the transaction lost a lock conflict on its last attempt",
			"request_id", requestid.FromContext(ctx), "attempts", journal.Attempts, "error", err)
	}
	switch {
	case err == nil:
		return graphql.OneShot(resp)
	case resp != nil && len(resp.Errors) > 0:
		return graphql.OneShot(&graphql.Response{Errors: resp.Errors, Extensions: resp.Extensions})
	case idem != nil && !claimed && ent.IsConstraintError(err): // a request with the same key committed meanwhile
		if resp, done := t.replayed(ctx, idem); done {
			return graphql.OneShot(resp)
		}
	}
	return graphql.OneShot(t.failed(ctx, "running the mutation's transaction", err))
}

// lockLoss is the lost lock conflict that ended an attempt, if any.
type lockLoss struct{ err error }

// oneAtATime makes the operation's resolvers run one at a time, as they share a transaction,
// and returns where the attempt records a lost lock conflict. After one, the database has
// rolled the transaction back, and a later statement would commit on its own: the fields after
// it are not run.
func oneAtATime(oc *graphql.OperationContext, resolve func(context.Context, graphql.Resolver) (any, error)) *lockLoss {
	lost := &lockLoss{}
	var mu sync.Mutex
	oc.ResolverMiddleware = func(ctx context.Context, next graphql.Resolver) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		if lost.err != nil {
			return nil, fmt.Errorf("not run: the transaction was rolled back: %w", lost.err)
		}
		res, err := resolve(ctx, next)
		if journal.Retryable(err) {
			lost.err = err
		}
		return res, err
	}
	return lost
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
