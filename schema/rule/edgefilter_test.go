package rule_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/server"
)

// TestEdgeFiltersSeeOnlyVisibleRows walks every edge predicate of every where input the API
// offers (hasX: true, hasX: false, hasXWith, inside not and or, one level deeper under
// another type's hasXWith, on the root connection and on a nested one) for each role, with
// a row on the far side that the viewer may not see. The answers must be those the same
// requests get once every row hidden from the viewer is deleted.
//
// The edges come from the schema (the where inputs of the GraphQL schema, stored as the ent
// graph says); the hidden far-side rows from the role fixture: another account's rows for a
// manager or key-account manager, another tenant's rows for every role. Where the fixture
// has no hidden row on an edge, one is linked to a visible row in the database directly.
func TestEdgeFiltersSeeOnlyVisibleRows(t *testing.T) {
	graph := schemaGraph(t)
	roles := []struct{ role, subject string }{
		{"ADMIN", "admin"}, {"MANAGER", "mgr"}, {"KEY_ACCOUNT_MANAGER", "kam"},
		{"ANALYST", "analyst"}, {"INTEGRATION", "integ"},
	}
	for _, kind := range storagetest.Kinds() {
		t.Run(kind, func(t *testing.T) {
			for _, r := range roles {
				t.Run(r.role, func(t *testing.T) {
					// The probes go forty to a request: each prices as a filtered scan of the tenant.
					env := apitest.New(t, kind, apitest.WithConfig(func(c *server.Config) { c.MaxComplexity = 10_000_000 }))
					rt := seedRoles(t, env)
					seedTenant(t, env, "umbrella")
					w := newEdgeWorld(t, env, graph, rt.TenantID, rt.token(r.role, r.subject))
					probes := w.probes()
					before := w.answers(probes)
					w.deleteHidden()
					after := w.answers(probes)
					for i, p := range probes {
						if before[i] != after[i] {
							where, _ := json.Marshal(p.where)
							t.Errorf("%s: where %s\n  answers %s, with the hidden rows deleted %s", p.name, where, before[i], after[i])
						}
						if p.control && !strings.HasPrefix(after[i], "1 ") {
							t.Errorf("%s: the near row is gone (%s): the probes of its edge prove nothing", p.name, after[i])
						}
					}
					w.checkCoverage(r.role != "MANAGER" && r.role != "KEY_ACCOUNT_MANAGER")
				})
			}
		})
	}
}

// TestNoOrderOverEdges: an order over an edge (a count, a field of the far side) would
// rank by rows the viewer may not see; none exists, and one added must be confined to the
// visible rows like the edge predicates of where inputs.
func TestNoOrderOverEdges(t *testing.T) {
	orderField := func(annotations map[string]any) bool {
		ant, _ := annotations["EntGQL"].(map[string]any)
		name, _ := ant["OrderField"].(string)
		return name != ""
	}
	fields := 0
	for _, n := range schemaGraph(t).Nodes {
		for _, f := range n.Fields {
			if orderField(f.Annotations) {
				fields++
			}
		}
		for _, e := range n.Edges {
			if orderField(e.Annotations) {
				t.Errorf("%s.%s is an order field: confine it to the rows the viewer may see", n.Name, e.Name)
			}
		}
	}
	if fields < 10 {
		t.Fatalf("found %d order fields on fields: the test does not read the annotations", fields)
	}
}

var loadSchemaGraph = sync.OnceValues(func() (*gen.Graph, error) {
	return entc.LoadGraph("..", &gen.Config{})
})

// schemaGraph returns the ent graph of the schema: types, edges and how they are stored.
func schemaGraph(t *testing.T) *gen.Graph {
	t.Helper()
	g, err := loadSchemaGraph()
	if err != nil {
		t.Fatalf("loading the schema: %v", err)
	}
	return g
}

// relation is how an edge is stored: the rows of a table pair a near id with a far id. One
// of the two columns is "id" when the edge is a foreign key of the near or the far table.
type relation struct{ table, near, far string }

func relationOf(e *gen.Edge) relation {
	switch {
	case e.M2M():
		if e.IsInverse() {
			return relation{e.Rel.Table, e.Rel.Columns[1], e.Rel.Columns[0]}
		}
		return relation{e.Rel.Table, e.Rel.Columns[0], e.Rel.Columns[1]}
	case e.OwnFK():
		return relation{e.Rel.Table, "id", e.Rel.Columns[0]}
	default:
		return relation{e.Rel.Table, e.Rel.Columns[0], "id"}
	}
}

// edgeCase is an edge predicate of a where input: has<Edge> and has<Edge>With of typ.
type edgeCase struct {
	typ  *gen.Type
	edge *gen.Edge
	name string // the predicate's field, e.g. hasBuyingRoles
}

// connectionPath is a connection of a type that takes a where input: a root field, or an
// edge of parent reached through node(id).
type connectionPath struct {
	parent string // "" for a root field
	field  string
}

// edgeWorld is one viewer's view of a database that holds rows they may see and rows they
// may not.
type edgeWorld struct {
	t      *testing.T
	env    *apitest.Env
	graph  *gen.Graph
	token  string
	tenant string // the viewer's

	cases    []edgeCase
	paths    map[string][]connectionPath // type → its connections, root ones first
	types    map[string]*gen.Type        // types with a where input
	rows     map[string][]string         // type → ids of every tenant
	tenantOf map[string]string           // id → tenant
	visible  map[string]bool
	probed   map[string]bool // "Type.edge" probed with a hidden far-side row
}

func newEdgeWorld(t *testing.T, env *apitest.Env, graph *gen.Graph, tenant, token string) *edgeWorld {
	t.Helper()
	w := &edgeWorld{t: t, env: env, graph: graph, token: token, tenant: tenant,
		paths: map[string][]connectionPath{}, types: map[string]*gen.Type{},
		rows: map[string][]string{}, tenantOf: map[string]string{}, probed: map[string]bool{}}
	w.readSchema()
	for _, n := range w.types {
		w.readRows(n)
	}
	w.readVisible()
	return w
}

// namedType unwraps NON_NULL and LIST to the named type of an introspected type reference.
func namedType(ref any) string {
	for ref != nil {
		if name := str(ref, "name"); name != "" {
			return name
		}
		ref = at(ref, "ofType")
	}
	return ""
}

// readSchema finds, by introspection, the where inputs with their edge predicates and the
// connections that take them.
func (w *edgeWorld) readSchema() {
	t := w.t
	d := gql(t, w.env, w.token, `{ __schema { queryType { name } types { name kind
		fields { name type { ...ref } args { name } }
		inputFields { name type { ...ref } } } } }
		fragment ref on __Type { name ofType { name ofType { name ofType { name } } } }`, nil)
	byName := map[string]*gen.Type{}
	for _, n := range w.graph.Nodes {
		byName[n.Name] = n
	}
	query := str(d, "__schema", "queryType", "name")
	types, _ := at(d, "__schema", "types").([]any)
	for _, typ := range types {
		name := str(typ, "name")
		if str(typ, "kind") == "INPUT_OBJECT" && strings.HasSuffix(name, "WhereInput") {
			n := byName[strings.TrimSuffix(name, "WhereInput")]
			if n == nil {
				t.Errorf("%s filters no ent type", name)
				continue
			}
			w.types[n.Name] = n
			fields, _ := at(typ, "inputFields").([]any)
			for _, f := range fields {
				field := str(f, "name")
				if !strings.HasPrefix(field, "has") || !strings.HasSuffix(field, "With") {
					continue
				}
				pred := strings.TrimSuffix(field, "With")
				i := slices.IndexFunc(n.Edges, func(e *gen.Edge) bool { return "has"+e.StructField() == pred })
				if i < 0 {
					t.Errorf("%s.%s names no edge of %s", name, field, n.Name)
					continue
				}
				w.cases = append(w.cases, edgeCase{typ: n, edge: n.Edges[i], name: pred})
			}
		}
		if str(typ, "kind") != "OBJECT" {
			continue
		}
		fields, _ := at(typ, "fields").([]any)
		for _, f := range fields {
			conn := namedType(at(f, "type"))
			args, _ := at(f, "args").([]any)
			hasWhere := slices.ContainsFunc(args, func(a any) bool { return str(a, "name") == "where" })
			if !hasWhere || !strings.HasSuffix(conn, "Connection") {
				continue
			}
			of := strings.TrimSuffix(conn, "Connection")
			if name == query {
				w.paths[of] = slices.Insert(w.paths[of], 0, connectionPath{field: str(f, "name")})
			} else {
				w.paths[of] = append(w.paths[of], connectionPath{parent: name, field: str(f, "name")})
			}
		}
	}
	sort.Slice(w.cases, func(i, j int) bool {
		return w.cases[i].typ.Name+"."+w.cases[i].name < w.cases[j].typ.Name+"."+w.cases[j].name
	})
	if len(w.cases) < 40 {
		t.Fatalf("found only %d edge predicates in the where inputs", len(w.cases))
	}
}

func (w *edgeWorld) query(q string, args ...any) [][2]string {
	w.t.Helper()
	rows, err := w.env.DB.SQL.Query(q, args...)
	if err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var a, b *string
		if err := rows.Scan(&a, &b); err != nil {
			w.t.Fatal(err)
		}
		if a != nil && b != nil {
			out = append(out, [2]string{*a, *b})
		}
	}
	if err := rows.Err(); err != nil {
		w.t.Fatal(err)
	}
	return out
}

func (w *edgeWorld) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.env.DB.SQL.Exec(q, args...); err != nil {
		w.t.Fatalf("%s %v: %v", q, args, err)
	}
}

func (w *edgeWorld) readRows(n *gen.Type) {
	tenantColumn := "id"
	if slices.ContainsFunc(n.Fields, func(f *gen.Field) bool { return f.Name == "tenant_id" }) {
		tenantColumn = "tenant_id"
	}
	w.rows[n.Name] = nil
	for _, r := range w.query("SELECT id, " + tenantColumn + " FROM " + n.Table() + " ORDER BY id") {
		w.rows[n.Name] = append(w.rows[n.Name], r[0])
		w.tenantOf[r[0]] = r[1]
	}
}

// readVisible asks the API which rows the viewer sees.
func (w *edgeWorld) readVisible() {
	w.visible = map[string]bool{}
	var all []string
	for _, ids := range w.rows {
		all = append(all, ids...)
	}
	for chunk := range slices.Chunk(all, 50) {
		r := w.env.Do(w.token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": chunk})
		nodes, _ := at(mustMap(w.t, r), "nodes").([]any)
		if len(nodes) != len(chunk) {
			w.t.Fatalf("nodes: %s", r.Body)
		}
		for _, n := range nodes {
			if id := str(n, "id"); id != "" {
				w.visible[id] = true
			}
		}
	}
}

// neighbours returns the far ids of the edge from near.
func (w *edgeWorld) neighbours(e *gen.Edge, near string) []string {
	rel := relationOf(e)
	return w.pairedWith(rel.table, rel.far, rel.near, near)
}

// linkedTo returns the near ids whose edge leads to far.
func (w *edgeWorld) linkedTo(e *gen.Edge, far string) []string {
	rel := relationOf(e)
	return w.pairedWith(rel.table, rel.near, rel.far, far)
}

// pairedWith returns the values of a column in the rows of table whose other column is value.
func (w *edgeWorld) pairedWith(table, column, other, value string) []string {
	var out []string
	for _, r := range w.query(fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = ?", column, other, table, other), value) {
		out = append(out, r[0])
	}
	return out
}

// link makes far a neighbour of near on the edge, in the database, and returns how to undo
// it; nil when the database refuses (a unique index).
func (w *edgeWorld) link(e *gen.Edge, near, far string) (undo func()) {
	rel := relationOf(e)
	db := w.env.DB.SQL
	switch {
	case rel.near == "id": // the near row holds the far id: replace it
		old := w.neighbours(e, near)
		if _, err := db.Exec(fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ?", rel.table, rel.far), far, near); err != nil {
			return nil
		}
		return func() { w.exec(fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ?", rel.table, rel.far), first(old), near) }
	case rel.far == "id": // the far row holds the near id: move it
		old := w.pairedWith(rel.table, rel.near, "id", far)
		if _, err := db.Exec(fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ?", rel.table, rel.near), near, far); err != nil {
			return nil
		}
		return func() { w.exec(fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ?", rel.table, rel.near), first(old), far) }
	default:
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO %s (%s, %s) VALUES (?, ?)", rel.table, rel.near, rel.far), near, far); err != nil {
			return nil
		}
		return func() {
			w.exec(fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", rel.table, rel.near, rel.far), near, far)
		}
	}
}

// first returns the only element of ids, or nil (SQL NULL) for none.
func first(ids []string) any {
	if len(ids) == 0 {
		return nil
	}
	return ids[0]
}

// sees asks the API whether the viewer sees each id.
func (w *edgeWorld) sees(ids ...string) []bool {
	r := w.env.Do(w.token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids})
	nodes, _ := at(mustMap(w.t, r), "nodes").([]any)
	out := make([]bool, len(ids))
	for i := range out {
		out[i] = i < len(nodes) && str(nodes[i], "id") != ""
	}
	return out
}

// hiddenFarRow finds, for the edge case, a visible near row with a far-side neighbour that
// the viewer may not see: one the fixture has, or else one it links in the database. Rows of
// the viewer's tenant come first, another tenant's after.
func (w *edgeWorld) hiddenFarRow(c edgeCase) (near, far string, ok bool) {
	var nears, ownFars, otherFars []string
	for _, id := range w.rows[c.typ.Name] {
		if w.visible[id] {
			nears = append(nears, id)
		}
	}
	for _, id := range w.rows[c.edge.Type.Name] {
		switch {
		case w.visible[id]:
		case w.tenantOf[id] == w.tenant:
			ownFars = append(ownFars, id)
		default:
			otherFars = append(otherFars, id)
		}
	}
	for _, n := range nears {
		for _, f := range w.neighbours(c.edge, n) {
			if !w.visible[f] {
				return n, f, true
			}
		}
	}
	for _, fars := range [][]string{ownFars, otherFars} {
		for _, n := range nears[:min(len(nears), 4)] {
			for _, f := range fars[:min(len(fars), 4)] {
				undo := w.link(c.edge, n, f)
				if undo == nil {
					continue
				}
				if seen := w.sees(n, f); seen[0] && !seen[1] {
					return n, f, true
				}
				undo()
			}
		}
	}
	return "", "", false
}

// requiresFarRow reports whether every row has one far-side row on the edge, which goes when
// its far-side row goes: a row the viewer sees cannot have a hidden one.
func requiresFarRow(e *gen.Edge) bool {
	return e.Unique && !e.Optional
}

// probe is one filtered read: a where input on a connection, and its answer (the total
// and the ids).
type probe struct {
	name    string
	typ     string
	path    reachable
	where   map[string]any
	control bool // must find its near row
}

// probes finds a hidden far-side row for every edge case it can, then lists the reads that
// look at it.
func (w *edgeWorld) probes() []probe {
	type found struct {
		c         edgeCase
		near, far string
	}
	var hits []found
	for _, c := range w.cases {
		if len(w.paths[c.typ.Name]) == 0 || requiresFarRow(c.edge) {
			continue
		}
		if near, far, ok := w.hiddenFarRow(c); ok {
			hits = append(hits, found{c, near, far})
		}
	}
	// The links made for later cases must not have changed what the earlier ones rely on.
	w.readVisible()
	var out []probe
	for _, h := range hits {
		key := h.c.typ.Name + "." + h.c.edge.Name
		if !w.visible[h.near] || w.visible[h.far] || !slices.Contains(w.neighbours(h.c.edge, h.near), h.far) {
			w.t.Fatalf("%s: the fixture changed under %s → %s", key, h.near, h.far)
		}
		w.probed[key] = true
		out = append(out, w.edgeProbes(h.c, h.near, h.far)...)
	}
	return out
}

// edgeProbes lists the reads of one edge case on every path to its type.
func (w *edgeWorld) edgeProbes(c edgeCase, near, far string) []probe {
	with := c.name + "With"
	none := "none_0"
	wheres := []struct {
		what  string
		where map[string]any
	}{
		{"control", map[string]any{"id": near}},
		{c.name + ": true", map[string]any{"id": near, c.name: true}},
		{c.name + ": false", map[string]any{"id": near, c.name: false}},
		{with + " the hidden row", map[string]any{"id": near, with: []any{map[string]any{"id": far}}}},
		{with + " any row", map[string]any{"id": near, with: []any{map[string]any{"not": map[string]any{"id": none}}}}},
		{"not " + with, map[string]any{"id": near, "not": map[string]any{with: []any{map[string]any{"id": far}}}}},
		{"or " + with, map[string]any{"or": []any{
			map[string]any{"id": near, with: []any{map[string]any{"id": far}}},
			map[string]any{"id": none},
		}}},
		{"and " + c.name, map[string]any{"and": []any{map[string]any{"id": near}, map[string]any{c.name: true}}}},
	}
	var out []probe
	for _, p := range w.pathsTo(c.typ, near) {
		for _, wh := range wheres {
			out = append(out, probe{
				name: fmt.Sprintf("%s.%s via %s: %s", c.typ.Name, c.edge.Name, p.label(), wh.what),
				typ:  c.typ.Name, path: p, where: wh.where, control: wh.what == "control",
			})
		}
	}
	// One level deeper: under a visible row of another type that leads to near.
	for _, up := range w.cases {
		if up.edge.Type != c.typ || len(w.paths[up.typ.Name]) == 0 {
			continue
		}
		for _, top := range w.linkedTo(up.edge, near) {
			if !w.visible[top] {
				continue
			}
			paths := w.pathsTo(up.typ, top)
			if len(paths) == 0 {
				continue
			}
			upWith := up.name + "With"
			for _, wh := range []struct {
				what  string
				where map[string]any
			}{
				{"control", map[string]any{"id": top, upWith: []any{map[string]any{"id": near}}}},
				{upWith + " " + with + " the hidden row", map[string]any{"id": top, upWith: []any{
					map[string]any{"id": near, with: []any{map[string]any{"id": far}}}}}},
				{upWith + " " + c.name, map[string]any{"id": top, upWith: []any{map[string]any{"id": near, c.name: true}}}},
				{upWith + " not " + c.name, map[string]any{"id": top, upWith: []any{map[string]any{"id": near, c.name: false}}}},
			} {
				out = append(out, probe{
					name: fmt.Sprintf("%s.%s under %s.%s via %s: %s", c.typ.Name, c.edge.Name, up.typ.Name, up.edge.Name, paths[0].label(), wh.what),
					typ:  up.typ.Name, path: paths[0], where: wh.where, control: wh.what == "control",
				})
			}
			return out
		}
	}
	return out
}

// reachable is a connection path with the visible parent row that leads to the near row.
type reachable struct {
	path     connectionPath
	parentID string
}

func (r reachable) label() string {
	if r.path.parent == "" {
		return r.path.field
	}
	return r.path.parent + "." + r.path.field
}

// pathsTo returns the root connection of the type and its first nested connection with a
// visible parent of near.
func (w *edgeWorld) pathsTo(typ *gen.Type, near string) []reachable {
	var out []reachable
	nested := false
	for _, p := range w.paths[typ.Name] {
		if p.parent == "" {
			out = append(out, reachable{path: p})
			continue
		}
		if nested {
			continue
		}
		parent := w.types[p.parent]
		if parent == nil {
			continue
		}
		i := slices.IndexFunc(parent.Edges, func(e *gen.Edge) bool {
			return strings.ToLower(e.StructField()[:1])+e.StructField()[1:] == p.field
		})
		if i < 0 {
			w.t.Fatalf("%s.%s is no edge", p.parent, p.field)
		}
		for _, id := range w.linkedTo(parent.Edges[i], near) {
			if w.visible[id] {
				out = append(out, reachable{path: p, parentID: id})
				nested = true
				break
			}
		}
	}
	return out
}

// answers runs the probes, a batch per request, and returns each one's total and ids.
func (w *edgeWorld) answers(probes []probe) []string {
	out := make([]string, len(probes))
	for start := 0; start < len(probes); start += 40 {
		batch := probes[start:min(start+40, len(probes))]
		var q, params strings.Builder
		vars := map[string]any{}
		for i, p := range batch {
			alias := fmt.Sprintf("p%d", i)
			fmt.Fprintf(&params, "$%s: %sWhereInput, ", alias, p.typ)
			vars[alias] = p.where
			conn := fmt.Sprintf("%s(where: $%s) { totalCount edges { node { id } } }", p.path.path.field, alias)
			if p.path.parentID == "" {
				fmt.Fprintf(&q, "%s: %s\n", alias, conn)
			} else {
				fmt.Fprintf(&q, "%s: node(id: %q) { ... on %s { %s } }\n", alias, p.path.parentID, p.path.path.parent, conn)
			}
		}
		r := w.env.Do(w.token, "query("+strings.TrimSuffix(params.String(), ", ")+") {\n"+q.String()+"}", vars)
		data := mustMap(w.t, r)
		if len(r.Errors) > 0 {
			w.t.Fatalf("probes: %s", r.Body)
		}
		for i, p := range batch {
			conn := at(data, fmt.Sprintf("p%d", i))
			if p.path.parentID != "" {
				conn = at(conn, p.path.path.field)
			}
			ids, total := connectionIDs(conn)
			out[start+i] = fmt.Sprint(total)
			if len(ids) > 0 {
				out[start+i] += " " + strings.Join(ids, ",")
			}
		}
	}
	return out
}

// deleteHidden deletes every row the viewer may not see, as a delete that keeps the database
// consistent would: rows that must refer to a deleted row go too, references that may be
// empty are cleared.
func (w *edgeWorld) deleteHidden() {
	t := w.t
	w.readVisible()
	gone := map[string]bool{}
	for _, ids := range w.rows {
		for _, id := range ids {
			if !w.visible[id] {
				gone[id] = true
			}
		}
	}
	// Every foreign key of the schema, by the column that holds it.
	type foreignKey struct {
		table, column string
		optional      bool
	}
	keys := map[string]foreignKey{}
	var joins []relation
	for _, n := range w.graph.Nodes {
		for _, e := range n.Edges {
			rel := relationOf(e)
			switch {
			case e.M2M():
				joins = append(joins, rel)
			case rel.near == "id":
				keys[rel.table+"."+rel.far] = foreignKey{rel.table, rel.far, e.Optional}
			default:
				if _, ok := keys[rel.table+"."+rel.near]; !ok {
					keys[rel.table+"."+rel.near] = foreignKey{rel.table, rel.near, true}
				}
			}
		}
	}
	cleared := map[foreignKey][]string{}
	for changed := true; changed; {
		changed = false
		for _, k := range keys {
			for _, r := range w.query(fmt.Sprintf("SELECT id, %s FROM %s", k.column, k.table)) {
				if !gone[r[1]] || gone[r[0]] {
					continue
				}
				if k.optional {
					cleared[k] = append(cleared[k], r[0])
					continue
				}
				if w.visible[r[0]] {
					t.Fatalf("visible %s %s refers to hidden %s", k.table, r[0], r[1])
				}
				gone[r[0]] = true
				changed = true
			}
		}
	}
	ctx := context.Background()
	conn, err := w.env.DB.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	checks := map[bool]string{false: "SET FOREIGN_KEY_CHECKS = 0", true: "SET FOREIGN_KEY_CHECKS = 1"}
	if w.env.DB.Dialect == dialect.SQLite {
		checks = map[bool]string{false: "PRAGMA foreign_keys = OFF", true: "PRAGMA foreign_keys = ON"}
	}
	run := func(q string, args ...any) {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	run(checks[false])
	defer run(checks[true])
	for k, ids := range cleared {
		for _, id := range ids {
			if !gone[id] {
				run(fmt.Sprintf("UPDATE %s SET %s = NULL WHERE id = ?", k.table, k.column), id)
			}
		}
	}
	for _, j := range joins {
		for _, r := range w.query(fmt.Sprintf("SELECT %s, %s FROM %s", j.near, j.far, j.table)) {
			if gone[r[0]] || gone[r[1]] {
				run(fmt.Sprintf("DELETE FROM %s WHERE %s = ? AND %s = ?", j.table, j.near, j.far), r[0], r[1])
			}
		}
	}
	for _, n := range w.graph.Nodes {
		for _, r := range w.query("SELECT id, id FROM " + n.Table()) {
			if gone[r[0]] {
				run("DELETE FROM "+n.Table()+" WHERE id = ?", r[0])
			}
		}
	}
}

// checkCoverage fails unless every edge predicate of a type that a connection filters was
// probed, but for edges whose far-side row every row requires, for roles that see a whole
// tenant (another tenant's rows are hidden on every edge). It reports the edges on which a
// role that sees part of a tenant cannot be shown a hidden row (an account's rows hang off it
// and are hidden with it).
func (w *edgeWorld) checkCoverage(whole bool) {
	var missed []string
	for _, c := range w.cases {
		key := c.typ.Name + "." + c.edge.Name
		if !w.probed[key] && len(w.paths[c.typ.Name]) > 0 && !requiresFarRow(c.edge) {
			missed = append(missed, key)
		}
	}
	if whole && len(missed) > 0 {
		w.t.Errorf("no hidden far-side row for %v", missed)
	}
	w.t.Logf("probed %d edges; no hidden far-side row for %v", len(w.probed), missed)
}
