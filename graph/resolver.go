// Package graph is the GraphQL API: the schema (generated from ent plus hand-written
// extensions) and thin resolvers over the ent client and the domain packages.
package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/health"
)

// Resolver is the root resolver. Queries read through client; mutations write through the
// transaction the server opened for the operation.
type Resolver struct {
	client          *ent.Client
	weights         health.Weights
	dialect         string
	defaultPageSize int
}

// Options are the resolver's settings.
type Options struct {
	HealthWeights   health.Weights // nil: the defaults
	Dialect         string         // the database's dialect, for the set-based writes of bulk sync
	DefaultPageSize int            // page size of a connection asked for without first; must be positive
}

// NewResolver returns the root resolver over the client.
func NewResolver(client *ent.Client, opts Options) *Resolver {
	if opts.HealthWeights == nil {
		opts.HealthWeights = health.DefaultWeights()
	}
	if opts.DefaultPageSize <= 0 {
		panic("graph: Options.DefaultPageSize must be positive")
	}
	return &Resolver{client: client, weights: opts.HealthWeights, dialect: opts.Dialect, defaultPageSize: opts.DefaultPageSize}
}

// Schema returns the executable schema.
func (r *Resolver) Schema() graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: r, Directives: DirectiveRoot{VisibleEdges: visibleEdges}})
}

// visibleEdges implements @visibleEdges, which every where input carries: the edge predicates
// of what a client sends see only the rows the viewer may read (ent.VisibleEdges).
func visibleEdges(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	input, err := next(ctx)
	if err != nil {
		return nil, err
	}
	scoped, err := ent.VisibleEdges(ctx, input)
	if err != nil {
		return nil, errs.Wrap(err, "confining a where input to the visible rows")
	}
	return scoped, nil
}

// txClient returns the client of the mutation's transaction.
func txClient(ctx context.Context) (*ent.Client, error) {
	if c := ent.FromContext(ctx); c != nil && ent.TxFromContext(ctx) != nil {
		return c, nil
	}
	return nil, errs.E(errs.Internal, "mutation outside a transaction")
}
