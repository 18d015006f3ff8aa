package rule_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestMutationsActOnlyOnTheirType: every mutation that takes an id acts only on an id of its
// own type. Given an existing id of any other type (ids are type-prefixed), it answers as it
// answers an id of its type that does not exist, NOT_FOUND, and changes nothing: deleteContract
// with an account's id deletes no account.
//
// The mutations with an id argument come from the schema's Mutation type; the mutations that
// take ids in their input (accountID, personID, …) run as the cross-tenant test runs them,
// with every id of the fixture turned into an id of another type.
func TestMutationsActOnlyOnTheirType(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := seedTenant(t, env, "alpha")
		token := f.AdminToken // may do everything: a refusal is about the id, not the role
		byType := f.byType()
		before := dump(t, env, f.TenantID, f.allIDs())

		t.Run("id arguments", func(t *testing.T) {
			mutations := mutationArgs(t, env, token)
			tried := 0
			for _, m := range mutations {
				if !slices.ContainsFunc(m.args, func(a argument) bool { return a.name == "id" }) {
					continue
				}
				own := m.ownType(byType)
				if own == "" {
					t.Errorf("%s: cannot tell the type of its id from the schema", m.name)
					continue
				}
				for _, versioned := range []bool{false, true} {
					if versioned && !slices.ContainsFunc(m.args, func(a argument) bool { return a.name == "expectedVersion" }) {
						continue
					}
					query, vars := m.call(t, versioned)
					missing := absentID(byType[own][0])
					want := normalized(env.Do(token, query, with(vars, "id", missing)), missing)
					if !strings.HasPrefix(want, "NOT_FOUND") {
						t.Errorf("%s with an id of %s that does not exist: %s", m.name, own, want)
					}
					for typ, ids := range byType {
						if typ == own {
							continue
						}
						got := normalized(env.Do(token, query, with(vars, "id", ids[0])), ids[0])
						if got != want {
							t.Errorf("%s (expectedVersion %v) with an id of %s: %s, want as for an id of %s that does not exist: %s",
								m.name, versioned, typ, got, own, want)
						}
						tried++
					}
				}
			}
			if tried < 200 {
				t.Errorf("only %d mutations with ids of another type", tried)
			}
		})

		t.Run("ids in inputs", func(t *testing.T) {
			shifted := f.withIDsOfAnotherType()
			for _, name := range sortedKeys(crossMutations) {
				for _, c := range crossMutations[name] {
					if c.vars == nil {
						continue // names no id
					}
					r := env.Do(token, c.query, c.vars(shifted, f))
					if got := normalized(r, ""); len(r.Errors) != 1 || r.Errors[0].Code() != "NOT_FOUND" || strings.Contains(got, "data") {
						t.Errorf("%s (%s) with ids of another type: %s, want NOT_FOUND", name, c.name, got)
					}
				}
			}
		})

		if after := dump(t, env, f.TenantID, f.allIDs()); !slices.Equal(before, after) {
			t.Errorf("mutations with ids of another type changed the tenant:\n%s", diff(before, after))
		}
	})
}

// argument is an argument of a mutation, with its GraphQL type.
type argument struct {
	name, typ string // typ as written in a query, e.g. "UpdateAccountInput!"
	named     string // the named type
	kind      string // kind of the named type
}

type mutationField struct {
	name    string
	returns string // the named type it returns
	args    []argument
}

// mutationArgs introspects the Mutation type.
func mutationArgs(t *testing.T, env *apitest.Env, token string) []mutationField {
	t.Helper()
	d := gql(t, env, token, `{ __schema { mutationType { fields { name type { ...ref } args { name type { ...ref } } } } } }
		fragment ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`, nil)
	var out []mutationField
	fields, _ := at(d, "__schema", "mutationType", "fields").([]any)
	for _, f := range fields {
		m := mutationField{name: str(f, "name"), returns: namedType(at(f, "type"))}
		args, _ := at(f, "args").([]any)
		for _, a := range args {
			typ, kind := typeString(at(a, "type"))
			m.args = append(m.args, argument{name: str(a, "name"), typ: typ, named: namedType(at(a, "type")), kind: kind})
		}
		out = append(out, m)
	}
	if len(out) < 30 {
		t.Fatalf("introspection found %d mutations", len(out))
	}
	return out
}

// typeString writes an introspected type reference as a query writes it, and returns the kind
// of its named type.
func typeString(ref any) (string, string) {
	switch str(ref, "kind") {
	case "NON_NULL":
		inner, kind := typeString(at(ref, "ofType"))
		return inner + "!", kind
	case "LIST":
		inner, kind := typeString(at(ref, "ofType"))
		return "[" + inner + "]", kind
	default:
		return str(ref, "name"), str(ref, "kind")
	}
}

// ownType is the type of the entity the mutation acts on: the one it returns, or the one a
// delete names (deleteAccount returns a DeletePayload).
func (m mutationField) ownType(types map[string][]string) string {
	for _, typ := range []string{m.returns, strings.TrimPrefix(m.name, "delete")} {
		if _, ok := types[typ]; ok {
			return typ
		}
	}
	return ""
}

// call writes the mutation with its id and its required arguments (and expectedVersion 1 when
// versioned); required arguments get the least value their type takes.
func (m mutationField) call(t *testing.T, versioned bool) (string, map[string]any) {
	t.Helper()
	var params, args []string
	vars := map[string]any{}
	for _, a := range m.args {
		required := strings.HasSuffix(a.typ, "!")
		switch {
		case a.name == "id":
		case a.name == "expectedVersion" && versioned:
			vars[a.name] = 1
		case !required:
			continue
		case a.kind == "INPUT_OBJECT":
			vars[a.name] = map[string]any{}
		case a.named == "String":
			vars[a.name] = "x"
		default:
			t.Fatalf("%s: no value for the required argument %s %s", m.name, a.name, a.typ)
		}
		params = append(params, "$"+a.name+": "+a.typ)
		args = append(args, a.name+": $"+a.name)
	}
	return fmt.Sprintf("mutation(%s) { %s(%s) { __typename } }", strings.Join(params, ", "), m.name, strings.Join(args, ", ")), vars
}

func with(vars map[string]any, key string, value any) map[string]any {
	out := map[string]any{key: value}
	for k, v := range vars {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// absentID returns an id of the same type as id that names nothing.
func absentID(id string) string {
	prefix, _, _ := strings.Cut(id, "_")
	return prefix + "_" + strings.Repeat("0", 26)
}

// normalized describes a refused response by its errors' codes, fields and messages (with the
// id the request named written as <id>), and its data.
func normalized(r *apitest.Response, id string) string {
	var b strings.Builder
	for _, e := range r.Errors {
		msg := e.Message
		if id != "" {
			msg = strings.ReplaceAll(msg, id, "<id>")
		}
		fmt.Fprintf(&b, "%s %s %q; ", e.Code(), e.Field(), msg)
	}
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		fmt.Fprintf(&b, "data %s", d)
	}
	if len(r.Errors) == 0 {
		return "succeeded: " + b.String()
	}
	return b.String()
}

// withIDsOfAnotherType returns the fixture with each id (but the tenant's) replaced by an id
// of the next type, in the order of the type names.
func (f *tenantFixture) withIDsOfAnotherType() *tenantFixture {
	byType := f.byType()
	types := sortedKeys(byType)
	types = slices.DeleteFunc(types, func(typ string) bool { return typ == "Tenant" })
	typeOf := map[string]string{}
	for _, typ := range types {
		for _, id := range byType[typ] {
			typeOf[id] = typ
		}
	}
	other := func(id string) string {
		i := slices.Index(types, typeOf[id])
		return byType[types[(i+1)%len(types)]][0]
	}
	shifted := *f
	shiftIDs(reflect.ValueOf(&shifted).Elem(), typeOf, other)
	shiftIDs(reflect.ValueOf(&shifted.Graph).Elem(), typeOf, other)
	return &shifted
}

func shiftIDs(v reflect.Value, typeOf map[string]string, other func(string) string) {
	for i := range v.NumField() {
		if field := v.Field(i); field.Kind() == reflect.String && typeOf[field.String()] != "" {
			field.SetString(other(field.String()))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
