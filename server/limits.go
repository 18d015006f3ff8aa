package server

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/stakegraph/stakegraph/internal/bulksync"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// The bounds that no setting changes.
const (
	// maxFieldsPerSet bounds the fields of one selection set, its fragments expanded: gqlgen
	// groups a selection set's fields by response key with a linear search per field.
	maxFieldsPerSet = 200
	// maxRepeats bounds how often one selection set, its fragments expanded, selects the same
	// response key, and how many fragments it spreads: validation compares each pair of them.
	maxRepeats = 20

	// maxListItems is the longest list an argument takes: a sync batch, the largest list the
	// API has a use for. Longer lists reach the database as statements it refuses or takes
	// seconds over.
	maxListItems = bulksync.MaxBatch
	// maxTextLength is the longest text an argument takes where text is not data: an ID
	// anywhere, a String in a read (a filter operand). A LIKE over a pattern of megabytes is
	// refused by SQLite and slow elsewhere.
	maxTextLength = 1000
)

// pageArgs are the arguments that size a Relay connection.
var pageArgs = []string{"first", "last"}

// isConnection reports whether a field is a paginated connection: it takes a page size.
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && def.Arguments.ForName("first") != nil
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
		if isConnection(f.Definition) && f.Arguments.ForName("first") == nil && f.Arguments.ForName("last") == nil {
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

// documentLimits refuses a document whose shape would make validating or running it cost far
// more than its size, before gqlparser validates it: validation compares the fields that
// share a response key pairwise (quadratic), and gqlgen's walks follow every fragment spread
// (a fragment that spreads the previous one twice doubles the work at each level). The check
// itself visits each selection at most once per spread and stops at the limit, so refusing
// takes time in proportion to the document, whatever it expands to.
type documentLimits struct {
	cache         graphql.Cache[*ast.QueryDocument] // documents already checked
	tokenLimit    int
	maxDepth      int
	maxSelections int // selections walked, a fragment's at every spread
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string                   { return "StakegraphDocumentLimits" }
func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before gqlgen parses and validates the query, which is the
// last moment to refuse it cheaply. A document in the cache passed when it was first parsed.
func (d documentLimits) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if _, ok := d.cache.Get(ctx, params.Query); ok {
		return nil
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: params.Query}, d.tokenLimit)
	if err != nil {
		// As gqlgen would report it, without parsing the document a second time.
		e, ok := err.(*gqlerror.Error)
		if !ok {
			e = gqlerror.Wrap(err)
		}
		errcode.Set(e, errcode.ParseFailed)
		return e
	}
	return d.check(doc)
}

func (d documentLimits) check(doc *ast.QueryDocument) *gqlerror.Error {
	w := &shapeWalker{documentLimits: d, fragments: map[string]*ast.FragmentDefinition{}, expanding: map[string]bool{}}
	for _, f := range doc.Fragments {
		if w.fragments[f.Name] == nil {
			w.fragments[f.Name] = f
		}
	}
	// Validation walks every operation and every fragment on its own.
	for _, op := range doc.Operations {
		w.merged([]ast.SelectionSet{op.SelectionSet}, 1, false)
	}
	for _, f := range doc.Fragments {
		w.merged([]ast.SelectionSet{f.SelectionSet}, 1, false)
	}
	return w.err
}

// shapeWalker walks a document as the executor reads it: the fields of one response key,
// wherever they are selected in a selection set (directly, in inline fragments, in spread
// fragments), form one field whose selection set is all of theirs together.
type shapeWalker struct {
	documentLimits
	fragments map[string]*ast.FragmentDefinition
	expanding map[string]bool // fragments being expanded into the current selection set
	visits    int
	err       *gqlerror.Error
}

// merged checks the selection sets that form one, at a depth (the operation's own is 1).
// Below __schema and __type depth is not counted: introspection is as deep as the type
// system, and cheap.
func (w *shapeWalker) merged(sets []ast.SelectionSet, depth int, introspection bool) {
	if w.err != nil {
		return
	}
	m := &mergedSet{depth: depth, introspection: introspection, repeats: map[string]int{}, subsets: map[string][]ast.SelectionSet{}}
	for _, set := range sets {
		if w.collect(m, set); w.err != nil {
			return
		}
	}
	for _, key := range m.keys {
		if w.merged(m.subsets[key], depth+1, introspection || m.schemaFields[key]); w.err != nil {
			return
		}
	}
}

// mergedSet is what a selection set holds, its fragments expanded.
type mergedSet struct {
	depth         int
	introspection bool
	keys          []string                      // response keys with a selection set, in order
	repeats       map[string]int                // fields selected per response key
	subsets       map[string][]ast.SelectionSet // the selection sets of each key's fields
	schemaFields  map[string]bool               // keys of __schema and __type
	fields        int
	spreads       int
}

func (w *shapeWalker) collect(m *mergedSet, set ast.SelectionSet) {
	for _, sel := range set {
		if w.visits++; w.visits > w.maxSelections {
			w.err = limitError("", "the document selects more than %d fields, counting a fragment's fields at every spread", w.maxSelections)
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			if m.depth > w.maxDepth && !m.introspection {
				w.err = limitError("", "the query is nested deeper than the limit of %d levels", w.maxDepth)
				return
			}
			if m.fields++; m.fields > maxFieldsPerSet {
				w.err = limitErrorAt(s.Position, "a selection set selects more than %d fields, counting fragments", maxFieldsPerSet)
				return
			}
			key := s.Alias
			if m.repeats[key]++; m.repeats[key] > maxRepeats {
				w.err = limitErrorAt(s.Position, "%q is selected more than %d times in one selection set, counting fragments", key, maxRepeats)
				return
			}
			if len(s.SelectionSet) == 0 {
				continue
			}
			if m.subsets[key] == nil {
				m.keys = append(m.keys, key)
			}
			m.subsets[key] = append(m.subsets[key], s.SelectionSet)
			if s.Name == "__schema" || s.Name == "__type" {
				if m.schemaFields == nil {
					m.schemaFields = map[string]bool{}
				}
				m.schemaFields[key] = true
			}
		case *ast.InlineFragment:
			w.collect(m, s.SelectionSet)
		case *ast.FragmentSpread:
			if m.spreads++; m.spreads > maxRepeats {
				w.err = limitErrorAt(s.Position, "a selection set spreads more than %d fragments", maxRepeats)
				return
			}
			def := w.fragments[s.Name]
			if def == nil || w.expanding[s.Name] {
				continue // unknown, or spreading itself: validation says so
			}
			w.expanding[s.Name] = true
			w.collect(m, def.SelectionSet)
			delete(w.expanding, s.Name)
		}
		if w.err != nil {
			return
		}
	}
}

// operationLimits checks an operation once it is parsed and validated, with its variables,
// before anything runs: page sizes, the sizes of argument values, and the operation's cost
// (see cost.go). Errors name the argument at fault.
type operationLimits struct {
	schema        *ast.Schema
	prices        map[*ast.FieldDefinition]price
	maxPageSize   int
	maxComplexity int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &operationLimits{}

func (*operationLimits) ExtensionName() string { return "StakegraphOperationLimits" }

func (l *operationLimits) Validate(es graphql.ExecutableSchema) error {
	l.schema = es.Schema()
	l.prices = pricesOf(l.schema)
	return nil
}

func (l *operationLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	w := &operationWalker{operationLimits: l, vars: oc.Variables, fragments: map[string]*ast.FragmentDefinition{}}
	for _, f := range oc.Doc.Fragments {
		w.fragments[f.Name] = f
	}
	root := scope{root: true, mutation: oc.Operation.Operation == ast.Mutation}
	cost := w.selections(oc.Operation.SelectionSet, root)
	if w.err != nil {
		return w.err
	}
	if cost > l.maxComplexity {
		return limitError("", "the operation's complexity is %d, over the limit of %d", cost, l.maxComplexity)
	}
	return nil
}

// operationWalker walks an operation's selections, every fragment at each of its spreads
// (documentLimits bounds how many that makes).
type operationWalker struct {
	*operationLimits
	vars        map[string]any
	fragments   map[string]*ast.FragmentDefinition
	values      int // argument values walked
	textMatches int // text patterns among them (see textMatch)
	err         *gqlerror.Error
}

// pageSize returns the page a connection asks for, refusing a size out of bounds.
func (w *operationWalker) pageSize(f *ast.Field, args map[string]any) int {
	size, sized := 0, false
	for _, name := range pageArgs {
		v, ok := args[name]
		if !ok || v == nil {
			continue
		}
		n, ok := asInt(v)
		if !ok || n < 0 || n > w.maxPageSize {
			w.fail(limitError(name, "%s of %s must be between 0 and %d, got %v", name, f.Alias, w.maxPageSize, v))
			return 0
		}
		size, sized = max(size, n), true
	}
	if !sized {
		w.fail(limitError("first", "%s needs first or last (at most %d)", f.Alias, w.maxPageSize))
	}
	return size
}

// arguments checks a field's argument values against the bounds on lists and text, and
// returns how many values they hold. A String is bounded in reads only: in a mutation's input
// it is data, which the data model bounds field by field.
func (w *operationWalker) arguments(f *ast.Field, args map[string]any, read bool) int {
	n := 0
	for _, def := range f.Definition.Arguments {
		if v, ok := args[def.Name]; ok && v != nil {
			n += w.value(ast.Path{ast.PathName(def.Name)}, def.Type, v, read)
		}
	}
	return n
}

// value checks one value of the type at the path and counts the values it holds. It stops
// once the operation's arguments hold more values than the complexity limit allows (each costs
// at least one wherever it is used), or a full list's worth under a lower limit.
func (w *operationWalker) value(path ast.Path, t *ast.Type, v any, read bool) int {
	if w.err != nil {
		return 0
	}
	if bound := max(w.maxComplexity, maxListItems); w.values >= bound {
		w.fail(limitError("", "the operation's arguments hold more than %d values, over the complexity limit", bound))
		return 0
	}
	w.values++
	if t.Elem != nil {
		items, ok := v.([]any)
		if !ok {
			return w.value(path, t.Elem, v, read) // one value where a list is expected
		}
		if len(items) > maxListItems {
			field := joinPath(path)
			w.fail(limitError(field, "%s holds %d items, over the limit of %d", field, len(items), maxListItems))
			return 0
		}
		n := 1
		for i, item := range items {
			if item != nil {
				n += w.value(append(path, ast.PathIndex(i)), t.Elem, item, read)
			}
		}
		return n
	}
	switch v := v.(type) {
	case map[string]any:
		def := w.schema.Types[t.NamedType]
		if def == nil {
			return 1
		}
		n := 1
		for _, field := range def.Fields {
			if fv, ok := v[field.Name]; ok && fv != nil {
				if textMatch(field.Name) {
					w.textMatches++
				}
				n += w.value(append(path, ast.PathName(field.Name)), field.Type, fv, read)
			}
		}
		return n
	case string:
		if t.NamedType == "ID" || read && t.NamedType == "String" {
			if length := utf8.RuneCountInString(v); length > maxTextLength {
				field := joinPath(path)
				w.fail(limitError(field, "%s is %d characters long, over the limit of %d", field, length, maxTextLength))
				return 0
			}
		}
	}
	return 1
}

func (w *operationWalker) fail(err *gqlerror.Error) {
	if w.err == nil {
		w.err = err
	}
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	}
	return 0, false
}

func limitError(field, format string, args ...any) *gqlerror.Error {
	e := gqlerror.Errorf(format, args...)
	e.Extensions = map[string]any{"code": errs.Invalid.Code()}
	if field != "" {
		e.Extensions["field"] = field
	}
	return e
}

// limitErrorAt is a limitError that points at a place in the document.
func limitErrorAt(pos *ast.Position, format string, args ...any) *gqlerror.Error {
	e := limitError("", format, args...)
	if pos != nil {
		e.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return e
}
