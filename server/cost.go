package server

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// The cost model. An operation's cost estimates the work of running it, in units of about one
// value in its response, and an operation that costs more than the complexity limit is
// refused before it runs:
//
//   - every field costs 1 for each item it is read on;
//   - a connection's edges cost its page size (first or last) times one edge;
//   - a list that is not a connection costs its size times one item: as many as the argument
//     that sizes it holds (nodes: one per id; a sync's items: one per input item), else
//     its @listSize(assumedSize:), else 1;
//   - every value in a field's arguments costs 1 (a list of 1,000 ids costs 1,000);
//   - a field that computes over more rows than it returns costs its @cost weight, given in
//     the schema next to its definition, instead of 1;
//   - a mutation costs mutationWeight instead of 1;
//   - reading across the tenant costs scanWeight: a connection at the root of a query asked
//     with more than its page (a filter or an order may need every row to find the page),
//     each text pattern of its filter (every row's text is compared), and its totalCount.
//     totalCount under another list's item costs countWeight.
//
// The weights come from timing each kind of field against plain reads (BENCHMARKS.md).
const (
	// mutationWeight is the work of a mutation: its writes, their rules and journal rows, in
	// a transaction.
	mutationWeight = 100
	// scanWeight is the work of reading every row of one of the tenant's tables, and of
	// comparing each row's text with a pattern: counting 50,000 feedback rows takes as long
	// as 4,000 to 8,000 units of plain reads, matching their text with a LIKE 40,000.
	scanWeight = 7500
	// countWeight is the work of counting an item's rows in one grouped count for the page.
	countWeight = 10
	// maxCost is where costs stop growing, far above any limit and far below overflow.
	maxCost = 1 << 40
)

// price is what the schema says about the cost of a field.
type price struct {
	weight int // @cost(weight:); 0 when the field has none

	// @listSize: a list field is as long as the longest of its slicing arguments (a number, or
	// a list: one item per element), else its assumed size; the size multiplies the field's
	// own selection set, or only the named fields of it.
	assumedSize      int
	slicingArguments []string
	sizedFields      []string
}

// generatedPrices are the directives that the fields entgql generates would carry if their
// schema were written by hand. Connections follow one rule (see operationWalker.field).
var generatedPrices = map[string]price{
	"Query.nodes": {slicingArguments: []string{"ids"}}, // the Relay nodes field: one per id
}

// pricesOf reads the @cost and @listSize directives of every field of the schema.
func pricesOf(schema *ast.Schema) map[*ast.FieldDefinition]price {
	prices := map[*ast.FieldDefinition]price{}
	for _, t := range schema.Types {
		for _, f := range t.Fields {
			p, ok := generatedPrices[t.Name+"."+f.Name]
			if d := f.Directives.ForName("cost"); d != nil {
				p.weight, ok = intArgument(d, "weight"), true
			}
			if d := f.Directives.ForName("listSize"); d != nil {
				p.assumedSize = intArgument(d, "assumedSize")
				p.slicingArguments = stringsArgument(d, "slicingArguments")
				p.sizedFields = stringsArgument(d, "sizedFields")
				ok = true
			}
			if ok {
				prices[f] = p
			}
		}
	}
	return prices
}

func intArgument(d *ast.Directive, name string) int {
	if a := d.Arguments.ForName(name); a != nil {
		if v, err := a.Value.Value(nil); err == nil {
			n, _ := asInt(v)
			return n
		}
	}
	return 0
}

func stringsArgument(d *ast.Directive, name string) []string {
	a := d.Arguments.ForName(name)
	if a == nil {
		return nil
	}
	var out []string
	for _, c := range a.Value.Children {
		out = append(out, c.Value.Raw)
	}
	return out
}

// scope is where a selection set sits, which decides some of its fields' prices.
type scope struct {
	root     bool // the operation's own selection set
	mutation bool // ... of a mutation
	count    int  // the weight of totalCount in a connection's selection set
	sized    []string
	size     int // multiplies the fields named in sized
}

// selections returns the cost of reading a selection set once.
func (w *operationWalker) selections(set ast.SelectionSet, sc scope) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c := w.field(s, sc)
			if slices.Contains(sc.sized, s.Name) {
				c = mulCost(c, sc.size)
			}
			total = addCost(total, c)
		case *ast.InlineFragment:
			total = addCost(total, w.selections(s.SelectionSet, sc))
		case *ast.FragmentSpread:
			if def := w.fragments[s.Name]; def != nil {
				total = addCost(total, w.selections(def.SelectionSet, sc))
			}
		}
		if w.err != nil {
			return 0
		}
	}
	return total
}

// field returns the cost of reading a field once, checking its arguments on the way.
func (w *operationWalker) field(f *ast.Field, sc scope) int {
	def := f.Definition
	if def == nil {
		return 0
	}
	args := f.ArgumentMap(w.vars)
	mutation := sc.root && sc.mutation
	patterns := w.textMatches
	values := w.arguments(f, args, !mutation)
	patterns = w.textMatches - patterns
	p, priced := w.prices[def]
	weight := 1
	switch {
	case strings.HasPrefix(f.Name, "__"):
	case p.weight > 0:
		weight = p.weight
	case mutation:
		weight = mutationWeight
	case f.Name == "totalCount" && sc.count > 0:
		weight = sc.count
	}
	inner := scope{}
	size := 1
	if isConnection(def) {
		size = w.pageSize(f, args)
		inner = scope{count: countWeight, sized: []string{"edges"}, size: size}
		switch {
		case p.weight > 0: // counted with the rest of the field's work
			inner.count = 1
		case sc.root && !sc.mutation:
			inner.count = scanWeight
			if filtered(args) {
				weight = addCost(weight, mulCost(scanWeight, 1+patterns))
			}
		}
	} else if priced {
		size = p.listSize(args)
		inner = scope{sized: p.sizedFields, size: size}
	}
	child := w.selections(f.SelectionSet, inner)
	if inner.sized == nil {
		child = mulCost(child, size)
	}
	return addCost(weight, addCost(values, child))
}

// listSize returns how many items a list field holds, or its sized fields do.
func (p price) listSize(args map[string]any) int {
	size, found := 0, false
	for _, name := range p.slicingArguments {
		switch v := args[name].(type) {
		case []any:
			size, found = max(size, len(v)), true
		default:
			if n, ok := asInt(v); ok {
				size, found = max(size, n), true
			}
		}
	}
	switch {
	case found:
		return size
	case p.assumedSize > 0:
		return p.assumedSize
	}
	return 1
}

// textMatch reports whether a filter's input field compares text by pattern or with a
// function of each row's text (ent names them so), which no index serves.
func textMatch(name string) bool {
	for _, suffix := range []string{"Contains", "ContainsFold", "HasPrefix", "HasSuffix", "EqualFold"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// filtered reports whether a connection is asked for more than a page: a filter or an order,
// which may need every row of the table to find the page.
func filtered(args map[string]any) bool {
	for name, v := range args {
		switch name {
		case "first", "last", "after", "before":
		default:
			if v != nil {
				return true
			}
		}
	}
	return false
}

func addCost(a, b int) int { return min(a+b, maxCost) }

func mulCost(a, b int) int {
	if a != 0 && b > maxCost/a {
		return maxCost
	}
	return a * b
}
