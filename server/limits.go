package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/errs"
)

// pageArgs are the arguments that size a Relay connection.
var pageArgs = []string{"first", "last"}

// isConnection reports whether a field is a paginated connection: it takes a page size.
func isConnection(f *ast.Field) bool {
	return f.Definition != nil && f.Definition.Arguments.ForName("first") != nil
}

// pagingCache keeps parsed documents, and gives every connection that a document asks for
// without first or last the default page size: a client never receives a whole table by
// omission. gqlgen adds a document to the cache once, right after parsing and validating it
// and before running it, so each document is changed exactly once, before anyone reads it.
type pagingCache struct {
	graphql.Cache[*ast.QueryDocument]
	defaultPageSize int
}

func (c pagingCache) Add(ctx context.Context, key string, doc *ast.QueryDocument) {
	page := &ast.Value{Kind: ast.IntValue, Raw: fmt.Sprint(c.defaultPageSize)} // shared: read only
	visit := func(f *ast.Field) {
		if isConnection(f) && f.Arguments.ForName("first") == nil && f.Arguments.ForName("last") == nil {
			f.Arguments = append(f.Arguments, &ast.Argument{Name: "first", Value: page, Position: f.Position})
		}
	}
	for _, op := range doc.Operations {
		walkFields(op.SelectionSet, visit)
	}
	for _, frag := range doc.Fragments {
		walkFields(frag.SelectionSet, visit)
	}
	c.Cache.Add(ctx, key, doc)
}

func walkFields(set ast.SelectionSet, visit func(*ast.Field)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			visit(s)
			walkFields(s.SelectionSet, visit)
		case *ast.InlineFragment:
			walkFields(s.SelectionSet, visit)
		}
	}
}

// limits refuses operations that are too deep or ask for pages that are too large, before
// anything runs. The error names the argument at fault.
type limits struct {
	maxDepth    int
	maxPageSize int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = limits{}

func (limits) ExtensionName() string                   { return "StakegraphLimits" }
func (limits) Validate(graphql.ExecutableSchema) error { return nil }

func (l limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := &limitWalker{limits: l, vars: oc.Variables, fragments: oc.Doc.Fragments}
	w.selectionSet(oc.Operation.SelectionSet, 1, 0)
	return w.err
}

type limitWalker struct {
	limits
	vars      map[string]any
	fragments ast.FragmentDefinitionList
	err       *gqlerror.Error
}

// selectionSet walks a selection set at a depth. Fragment spreads are followed (a fragment
// cannot spread itself; validation refuses cycles) with a bound on how many are expanded.
func (w *limitWalker) selectionSet(set ast.SelectionSet, depth, spreads int) {
	for _, sel := range set {
		if w.err != nil {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				continue // introspection is as deep as the type system, and cheap
			}
			if depth > w.maxDepth {
				w.err = limitError("", "the query is nested deeper than the limit of %d levels", w.maxDepth)
				return
			}
			if isConnection(s) {
				w.pageSize(s)
			}
			w.selectionSet(s.SelectionSet, depth+1, spreads)
		case *ast.InlineFragment:
			w.selectionSet(s.SelectionSet, depth, spreads)
		case *ast.FragmentSpread:
			if spreads > 10000 {
				w.err = limitError("", "the query expands too many fragments")
				return
			}
			if def := w.fragments.ForName(s.Name); def != nil {
				w.selectionSet(def.SelectionSet, depth, spreads+1)
			}
		}
	}
}

func (w *limitWalker) pageSize(f *ast.Field) {
	args := f.ArgumentMap(w.vars)
	sized := false
	for _, name := range pageArgs {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		sized = true
		n, ok := v.(int64)
		if !ok {
			if i, isInt := v.(int); isInt {
				n, ok = int64(i), true
			}
		}
		if !ok || n < 0 || n > int64(w.maxPageSize) {
			w.err = limitError(name, "%s of %s must be between 0 and %d, got %v", name, f.Alias, w.maxPageSize, v)
			return
		}
	}
	if !sized {
		w.err = limitError("first", "%s needs first or last (at most %d)", f.Alias, w.maxPageSize)
	}
}

func limitError(field, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": errs.Invalid.Code()}
	if field != "" {
		e.Extensions["field"] = field
	}
	return e
}

// pagedComplexity prices a connection at its page size times the cost of one item, so that
// the complexity limit bounds the rows an operation can ask for.
type pagedComplexity struct {
	graphql.ExecutableSchema
}

func (p pagedComplexity) Complexity(ctx context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	for _, name := range pageArgs {
		switch n := args[name].(type) {
		case int:
			return 1 + childComplexity*max(n, 1), true
		case int64:
			return 1 + childComplexity*int(max(n, 1)), true
		}
	}
	return p.ExecutableSchema.Complexity(ctx, typeName, field, childComplexity, args)
}
