package server

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// noIntrospection refuses, before anything runs, an operation that asks for __schema or
// __type on a server whose introspection is turned off. (__typename stays: clients need it
// to tell the types of a union apart.)
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string                   { return "StakegraphNoIntrospection" }
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	var refused *ast.Field
	visit := func(f *ast.Field) {
		if refused == nil && (f.Name == "__schema" || f.Name == "__type") {
			refused = f
		}
	}
	walkFields(oc.Operation.SelectionSet, visit)
	for _, frag := range oc.Doc.Fragments {
		walkFields(frag.SelectionSet, visit)
	}
	if refused == nil {
		return nil
	}
	e := gqlerror.ErrorPosf(refused.Position, "introspection is turned off on this server: %s cannot be queried", refused.Name)
	e.Extensions = map[string]any{"code": errs.Invalid.Code()}
	return e
}
