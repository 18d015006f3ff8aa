package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/seeds"
)

// connectionPath reaches a connection: through root connections and the nodes of their first
// items, down to the connection itself (its field, with the arguments the test adds).
type connectionPath struct {
	steps []string // root field, then each nested connection field
	typ   string   // the connection's type, e.g. AccountConnection
	args  []string // the arguments the connection takes
}

func (p connectionPath) String() string { return strings.Join(p.steps, ".") }

// query reads the connection at the end of the path with args and selection; every step
// before it reads the first three items.
func (p connectionPath) query(args, selection string) string {
	q := fmt.Sprintf("%s(%s) { %s }", p.steps[len(p.steps)-1], args, selection)
	for i := len(p.steps) - 2; i >= 0; i-- {
		q = fmt.Sprintf("%s(first: 3) { edges { node { %s } } }", p.steps[i], q)
	}
	return "{ " + q + " }"
}

// results returns the connection objects the query reached, in order.
func (p connectionPath) results(data map[string]any) []map[string]any {
	level := []any{data}
	for i, step := range p.steps {
		var next []any
		for _, v := range level {
			m, _ := v.(map[string]any)
			if i == len(p.steps)-1 {
				next = append(next, m[step])
				continue
			}
			edges, _ := at(m, step, "edges").([]any)
			for _, e := range edges {
				next = append(next, at(e, "node"))
			}
		}
		level = next
	}
	out := make([]map[string]any, 0, len(level))
	for _, v := range level {
		m, _ := v.(map[string]any)
		out = append(out, m)
	}
	return out
}

var at = apitest.At

// connectionPaths finds, by introspection, every connection of the schema that can be reached
// from a root connection through the nodes of connections, up to two levels deep.
func connectionPaths(t *testing.T, env *apitest.Env, token string) []connectionPath {
	t.Helper()
	var out struct {
		Schema struct {
			QueryType struct{ Name string }
			Types     []struct {
				Name   string
				Fields []struct {
					Name string
					Type typeRef
					Args []struct{ Name string }
				}
			}
		} `json:"__schema"`
	}
	env.Do(token, `{ __schema { queryType { name } types { name fields { name type { ...ref } args { name } } } } }
		fragment ref on __Type { name ofType { name ofType { name ofType { name } } } }`, nil).MustOK(t, &out)
	type conn struct {
		field, typ string
		args       []string
	}
	connections := map[string][]conn{} // type → its connection fields
	nodeOf := map[string]string{}      // connection type → its node type
	for _, typ := range out.Schema.Types {
		for _, f := range typ.Fields {
			name := f.Type.named()
			if !strings.HasSuffix(name, "Connection") {
				continue
			}
			var args []string
			for _, a := range f.Args {
				args = append(args, a.Name)
			}
			if slices.Contains(args, "first") {
				connections[typ.Name] = append(connections[typ.Name], conn{f.Name, name, args})
			}
		}
		if strings.HasSuffix(typ.Name, "Edge") {
			for _, f := range typ.Fields {
				if f.Name == "node" {
					nodeOf[strings.TrimSuffix(typ.Name, "Edge")+"Connection"] = f.Type.named()
				}
			}
		}
	}
	var paths []connectionPath
	var walk func(prefix []string, typ string, depth int)
	walk = func(prefix []string, typ string, depth int) {
		for _, c := range connections[typ] {
			p := connectionPath{steps: append(slices.Clone(prefix), c.field), typ: c.typ, args: c.args}
			paths = append(paths, p)
			if depth < 2 && nodeOf[c.typ] != "" {
				walk(p.steps, nodeOf[c.typ], depth+1)
			}
		}
	}
	walk(nil, out.Schema.QueryType.Name, 0)
	if len(paths) < 40 {
		t.Fatalf("found only %d connections", len(paths))
	}
	return paths
}

type typeRef struct {
	Name   string
	OfType *typeRef
}

func (r typeRef) named() string {
	for ; r.Name == "" && r.OfType != nil; r = *r.OfType {
	}
	return r.Name
}

// demo loads the demo data set and returns its admin's token.
func demo(t *testing.T, env *apitest.Env) string {
	t.Helper()
	if err := seeds.LoadDemo(context.Background(), env.DB.Client); err != nil {
		t.Fatal(err)
	}
	return env.Token(seeds.DemoTenant, "ADMIN", seeds.DemoAdmin)
}

const pageInfo = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"

// TestPageInfoDoesNotDependOnTheSelection: a connection's page info, total and edges are the
// same whether or not the edges are selected, and under any alias, on every connection of the
// schema, at the root and nested, on the first page and the next.
func TestPageInfoDoesNotDependOnTheSelection(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := demo(t, env)
		selections := map[string]string{
			"page info only":           pageInfo,
			"page info and total":      "totalCount " + pageInfo,
			"aliased":                  "n: totalCount p: " + pageInfo + " e: edges { c: cursor }",
			"aliased, no edges":        "n: totalCount p: " + pageInfo,
			"edges before page info":   "edges { cursor } " + pageInfo + " totalCount",
			"page info in a fragment":  "...on " + "%s" + " { " + pageInfo + " }",
			"aliased total with edges": "n: totalCount edges { cursor }",
		}
		full := "totalCount " + pageInfo + " edges { cursor }"
		checked := 0
		for _, p := range connectionPaths(t, env, token) {
			for _, page := range []string{"first", "next"} {
				args := "first: 2"
				want := p.results(gqlData(t, env, token, p.query(args, full)))
				if page == "next" {
					if len(want) == 0 || at(want[0], "pageInfo", "endCursor") == nil {
						continue
					}
					args = fmt.Sprintf("first: 2, after: %q", at(want[0], "pageInfo", "endCursor"))
					want = p.results(gqlData(t, env, token, p.query(args, full)))
				}
				for name, sel := range selections {
					if strings.Contains(sel, "%s") {
						sel = fmt.Sprintf(sel, p.typ)
					}
					got := p.results(gqlData(t, env, token, p.query(args, sel)))
					if len(got) != len(want) {
						t.Fatalf("%s (%s page), %s: %d connections, want %d", p, page, name, len(got), len(want))
					}
					for i := range got {
						if g, w := normalize(got[i]), expected(want[i], got[i]); g != w {
							t.Errorf("%s (%s page, item %d), %s:\n  got  %s\n  want %s", p, page, i, name, g, w)
						}
					}
				}
				if len(want) > 0 && at(want[0], "pageInfo", "endCursor") != nil {
					checked++
				}
			}
		}
		if checked < 30 {
			t.Errorf("only %d connections had a page to compare", checked)
		}
	})
}

// aliases are the aliases the selections give a connection's parts.
var aliases = map[string]string{"n": "totalCount", "p": "pageInfo", "e": "edges"}

func unaliased(key string) string {
	if name, ok := aliases[key]; ok {
		return name
	}
	return key
}

// normalize writes a connection result with aliases resolved to the fields' names.
func normalize(conn map[string]any) string {
	out := map[string]any{}
	for k, v := range conn {
		if k == "e" {
			edges := []any{}
			for _, e := range v.([]any) {
				edges = append(edges, map[string]any{"cursor": at(e, "c")})
			}
			v = edges
		}
		out[unaliased(k)] = v
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// expected is the full result cut down to the fields that got selected.
func expected(full, got map[string]any) string {
	out := map[string]any{}
	for k := range got {
		out[unaliased(k)] = full[unaliased(k)]
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func gqlData(t *testing.T, env *apitest.Env, token, query string) map[string]any {
	t.Helper()
	var data map[string]any
	env.Do(token, query, nil).MustOK(t, &data)
	return data
}

// TestBadCursors: a cursor that is not one of the connection's is refused with BAD_USER_INPUT
// "invalid cursor" on the argument, on every connection, whatever is wrong with it, and
// names no library.
func TestBadCursors(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := demo(t, env)
		var accounts struct {
			Accounts struct{ PageInfo struct{ EndCursor string } }
			Changes  struct{ PageInfo struct{ EndCursor string } }
		}
		env.Do(token, `{ accounts(first: 1) { edges { cursor } pageInfo { endCursor } } changes(first: 1) { edges { cursor } pageInfo { endCursor } } }`, nil).
			MustOK(t, &accounts)
		bad := map[string]string{
			"not base64":        "$$$",
			"not a cursor":      "JA==", // "$", which msgpack reads as code 36
			"truncated":         accounts.Accounts.PageInfo.EndCursor[:10],
			"empty":             "",
			"another's (ranks)": accounts.Changes.PageInfo.EndCursor,
		}
		tried := 0
		for _, p := range connectionPaths(t, env, token) {
			for _, arg := range []string{"after", "before"} {
				if !slices.Contains(p.args, arg) {
					continue
				}
				for what, cursor := range bad {
					if what == "another's (ranks)" && p.typ != "PerceptionGapConnection" && p.typ != "AccountHealthConnection" &&
						p.typ != "TimelineConnection" {
						continue // an ent connection reads any ent cursor as a position
					}
					for _, asVariable := range []bool{false, true} {
						args, vars := fmt.Sprintf("first: 1, %s: %q", arg, cursor), map[string]any(nil)
						query := p.query(args, "totalCount")
						if asVariable {
							args = fmt.Sprintf("first: 1, %s: $c", arg)
							query = "query($c: Cursor) " + p.query(args, "totalCount")
							vars = map[string]any{"c": cursor}
						}
						r := env.Do(token, query, vars)
						tried++
						if len(r.Errors) == 0 {
							if strings.Contains(query, "edges { node") && !strings.Contains(string(r.Data), `"node"`) {
								continue // no item on the way to the connection: nothing ran
							}
							t.Errorf("%s(%s) with a cursor %s: succeeded: %s", p, arg, what, r.Body)
							continue
						}
						e := r.Errors[0]
						if e.Code() != "BAD_USER_INPUT" || e.Field() != arg || e.Message != "invalid cursor" {
							t.Errorf("%s(%s) with a cursor %s (variable %v): %s %s %q, want BAD_USER_INPUT %s \"invalid cursor\"",
								p, arg, what, asVariable, e.Code(), e.Field(), e.Message, arg)
						}
					}
				}
			}
		}
		if tried < 100 {
			t.Errorf("only %d requests with bad cursors", tried)
		}
	})
}
