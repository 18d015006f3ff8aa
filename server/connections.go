package server

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// connectionParts keeps parsed documents, and makes ent's pagination see every part of a
// connection that a document asks for. entgql decides from the selection, by alias, what to
// read: the page only when "edges" is selected, the count only when "totalCount" is. So a page
// info without its edges came back without cursors and with a hasNextPage from the count, and
// an aliased edges or totalCount read nothing. A page info, its cursors and the total do not
// depend on the selection: each connection that selects its page info without its edges, or a
// part under another name, gets the part under its own name in a fragment on a type that no
// connection is. gqlgen leaves such a fragment out of the response; entgql, which collects a
// selection whatever its fragments' types, reads it. Like pagingCache, it changes a document
// once, when gqlgen adds it after validation and before anyone reads it.
type connectionParts struct {
	graphql.Cache[*ast.QueryDocument]
}

// collectedOnly is the type condition of the added fragments: no object is of this type.
const collectedOnly = "CollectedOnly"

func (c connectionParts) Add(ctx context.Context, key string, doc *ast.QueryDocument) {
	visit := func(f *ast.Field) { addConnectionParts(f, doc.Fragments) }
	for _, op := range doc.Operations {
		walkFields(op.SelectionSet, visit)
	}
	for _, frag := range doc.Fragments {
		walkFields(frag.SelectionSet, visit)
	}
	c.Cache.Add(ctx, key, doc)
}

// addConnectionParts adds to the selection of a connection the parts entgql must see under
// their own names: edges when the page info or aliased edges are selected, totalCount when it
// is aliased. The added edges select nothing: the page is read, its cursors follow.
func addConnectionParts(f *ast.Field, fragments ast.FragmentDefinitionList) {
	var connection *ast.Definition
	named, aliased := map[string]bool{}, map[string]bool{}
	childFields(f.SelectionSet, fragments, map[string]bool{}, func(child *ast.Field) {
		if def := child.ObjectDefinition; def != nil && def.Fields.ForName("edges") != nil && def.Fields.ForName("pageInfo") != nil {
			connection = def
		}
		named[child.Name], aliased[child.Alias] = true, true
	})
	if connection == nil {
		return
	}
	var parts ast.SelectionSet
	add := func(name string) {
		parts = append(parts, &ast.Field{Alias: name, Name: name, Definition: connection.Fields.ForName(name),
			ObjectDefinition: connection, Position: f.Position})
	}
	if (named["pageInfo"] || named["edges"]) && !aliased["edges"] {
		add("edges")
	}
	if named["totalCount"] && !aliased["totalCount"] {
		add("totalCount")
	}
	if len(parts) > 0 {
		f.SelectionSet = append(f.SelectionSet, &ast.InlineFragment{TypeCondition: collectedOnly, SelectionSet: parts, Position: f.Position})
	}
}

// childFields calls visit with each field a selection set selects, through fragments.
func childFields(set ast.SelectionSet, fragments ast.FragmentDefinitionList, spread map[string]bool, visit func(*ast.Field)) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			visit(s)
		case *ast.InlineFragment:
			childFields(s.SelectionSet, fragments, spread, visit)
		case *ast.FragmentSpread:
			if def := fragments.ForName(s.Name); def != nil && !spread[s.Name] {
				spread[s.Name] = true
				childFields(def.SelectionSet, fragments, spread, visit)
			}
		}
	}
}

// cursorCheck refuses an operation that names a cursor its connections cannot read, before
// anything runs: BAD_USER_INPUT "invalid cursor" on the argument. Left to the resolvers, the
// decoder's own words would reach the client, and in a nested connection, which ent's field
// collection reads from the document, the bad value would stop the whole parent field.
type cursorCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = cursorCheck{}

func (cursorCheck) ExtensionName() string                   { return "StakegraphCursors" }
func (cursorCheck) Validate(graphql.ExecutableSchema) error { return nil }

func (cursorCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	var bad *gqlerror.Error
	visit := func(f *ast.Field) {
		if bad != nil || f.Definition == nil {
			return
		}
		for _, arg := range f.Arguments {
			if def := f.Definition.Arguments.ForName(arg.Name); def == nil || def.Type.Name() != entgql.RelayCursor {
				continue
			}
			v, err := arg.Value.Value(oc.Variables)
			if err == nil && v != nil {
				var c ent.Cursor
				err = c.UnmarshalGQL(v)
			}
			if err != nil {
				bad = &gqlerror.Error{Message: "invalid cursor", Err: errs.InvalidCursor(arg.Name)}
				if p := arg.Value.Position; p != nil {
					bad.Locations = []gqlerror.Location{{Line: p.Line, Column: p.Column}}
				}
				return
			}
		}
	}
	walkFields(oc.Operation.SelectionSet, visit)
	for _, frag := range oc.Doc.Fragments {
		walkFields(frag.SelectionSet, visit)
	}
	return bad
}
