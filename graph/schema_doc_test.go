package graph_test

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/stakegraph/stakegraph/graph"
)

// TestSchemaIsDocumented reads the schema the server runs (ent.graphql and the hand-written
// files, as gqlgen merged them) the way a partner's developer reads it in the explorer: every
// type, field, argument, enum value and input field must say what it is, and every type must
// be reachable from Query or Mutation. It lists each element that is not, by file and line.
func TestSchemaIsDocumented(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var problems []schemaProblem
	for _, def := range schema.Types {
		if def.BuiltIn {
			continue
		}
		problems = append(problems, undocumented(def)...)
	}
	for _, name := range unusedTypes(schema) {
		problems = append(problems, schemaProblem{at: schema.Types[name].Position, what: fmt.Sprintf("%s %s is used nowhere in the API",
			kindName(schema.Types[name]), name)})
	}
	if len(problems) == 0 {
		return
	}
	slices.SortFunc(problems, func(a, b schemaProblem) int {
		return cmp.Or(cmp.Compare(a.file(), b.file()), cmp.Compare(a.line(), b.line()), cmp.Compare(a.what, b.what))
	})
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "\n  %s:%d: %s", p.file(), p.line(), p.what)
	}
	t.Errorf("%d elements of the schema lack a description or are unused (describe generated ones in schema/ or ent/entc.go, hand-written ones in graph/*.graphql):%s",
		len(problems), b.String())
}

// schemaProblem is an element of the schema that lacks a description, or a type nobody uses.
type schemaProblem struct {
	at   *ast.Position
	what string
}

func (p schemaProblem) file() string {
	if p.at == nil || p.at.Src == nil {
		return "?"
	}
	return filepath.Base(p.at.Src.Name)
}

func (p schemaProblem) line() int {
	if p.at == nil {
		return 0
	}
	return p.at.Line
}

// undocumented lists the parts of a type without a description: the type, its fields and
// their arguments, its input fields, its enum values.
func undocumented(def *ast.Definition) []schemaProblem {
	var out []schemaProblem
	missing := func(at *ast.Position, format string, args ...any) {
		out = append(out, schemaProblem{at: at, what: fmt.Sprintf(format, args...) + " has no description"})
	}
	if strings.TrimSpace(def.Description) == "" {
		missing(def.Position, "%s %s", kindName(def), def.Name)
	}
	member := "field"
	if def.Kind == ast.InputObject {
		member = "input field"
	}
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if strings.TrimSpace(f.Description) == "" {
			missing(f.Position, "%s %s.%s", member, def.Name, f.Name)
		}
		for _, a := range f.Arguments {
			if strings.TrimSpace(a.Description) == "" {
				missing(a.Position, "argument %s.%s(%s)", def.Name, f.Name, a.Name)
			}
		}
	}
	for _, v := range def.EnumValues {
		if strings.TrimSpace(v.Description) == "" {
			missing(v.Position, "enum value %s.%s", def.Name, v.Name)
		}
	}
	return out
}

// unusedTypes lists the types that no operation can reach: not returned, taken or implied by
// any field or argument reachable from the root types.
func unusedTypes(schema *ast.Schema) []string {
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		def := schema.Types[name]
		if def == nil || reached[name] {
			return
		}
		reached[name] = true
		for _, f := range def.Fields {
			visit(f.Type.Name())
			for _, a := range f.Arguments {
				visit(a.Type.Name())
			}
		}
		for _, t := range def.Types { // a union's members
			visit(t)
		}
		for _, i := range def.Interfaces {
			visit(i)
		}
		for _, impl := range schema.PossibleTypes[name] { // an interface's implementations
			visit(impl.Name)
		}
	}
	for _, root := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if root != nil {
			visit(root.Name)
		}
	}
	var out []string
	for name, def := range schema.Types {
		if !def.BuiltIn && !reached[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func kindName(def *ast.Definition) string {
	switch def.Kind {
	case ast.InputObject:
		return "input"
	case ast.Object:
		return "type"
	}
	return strings.ToLower(string(def.Kind))
}

// TestGeneratedDescriptions spot-checks the words schema/apidoc gives the boilerplate that
// every entity shares, and that the schema's own comments reach the API.
func TestGeneratedDescriptions(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, c := range []struct{ typ, member, want string }{
		{"Account", "", "A customer company of the seller"},
		{"Account", "id", "The account's id: opaque, unique across tenants, starting `acc_`."},
		{"CouncilSession", "id", "The council session's id: opaque, unique across tenants, starting `cse_`."},
		{"Account", "ownerID", "The id of `owner`; null when there is none."},
		{"Contract", "accountID", "The id of `account`."},
		{"AccountStage", "CHURNED", "A former customer."},
		{"AccountOrderField", "NAME", "Orders by `name`."},
		{"AccountWhereInput", "", "Conditions on accounts: one matches when every condition given holds."},
		{"AccountWhereInput", "nameContainsFold", "`name` contains the text, ignoring case."},
		{"AccountWhereInput", "createdAtGTE", "`createdAt` is the value or after it."},
		{"ContractWhereInput", "valueMinorLT", "`valueMinor` is less than the value."},
		{"AccountWhereInput", "domainIsNil", "`domain` is null, when true (false adds no condition)."},
		{"AccountWhereInput", "hasOwnerWith", "`owner` has an item that matches every one of these conditions."},
		{"CreateAccountInput", "", "The fields of a new account; a field left out takes its default."},
		{"UpdateAccountInput", "clearOwner", "Set to true to unlink `owner`."},
		{"UpdateAccountInput", "clearDomain", "Set to true to empty `domain`."},
		{"UpdateInteractionInput", "addParticipantIDs", "Ids to link through `participants`."},
		{"UpdateBuyingContactInput", "appendRoles", "Values to add at the end of `roles`."},
		{"Channel", "COUNCIL_SESSION", "At a session of a user council."},
		{"Query", "people", "The people the caller may see"},
	} {
		def := schema.Types[c.typ]
		if def == nil {
			t.Errorf("no type %s", c.typ)
			continue
		}
		got := def.Description
		switch {
		case c.member == "":
		case def.Kind == ast.Enum && def.EnumValues.ForName(c.member) != nil:
			got = def.EnumValues.ForName(c.member).Description
		case def.Fields.ForName(c.member) != nil:
			got = def.Fields.ForName(c.member).Description
		default:
			t.Errorf("%s has no %s", c.typ, c.member)
			continue
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s.%s is described %q, want it to start %q", c.typ, c.member, got, c.want)
		}
	}
}
