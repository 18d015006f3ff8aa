package journal

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// mutation is what the journal needs of a generated mutation.
type mutation interface {
	ent.Mutation
	Client() *ent.Client
	Tx() (*ent.Tx, error)
	ID() (string, bool)
	IDs(ctx context.Context) ([]string, error)
}

// lifecycleFields change on every update; they are not news in a change row.
var lifecycleFields = []string{"updated_at", "version"}

// Hook journals the mutations of a type. An update that would change nothing is not applied
// at all: no new version, no journal row.
func Hook() ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			jm, ok := m.(mutation)
			if !ok {
				return nil, errs.E(errs.Internal, "journal: %T cannot be journaled", m)
			}
			buf, ok := ctx.Value(bufferKey{}).(*buffer)
			if _, err := jm.Tx(); !ok || err != nil {
				return nil, errs.E(errs.Internal, "journal: %s mutation outside a journaled transaction", m.Type())
			}
			switch {
			case m.Op().Is(ent.OpCreate):
				return recordCreate(ctx, jm, buf, next)
			case m.Op().Is(ent.OpUpdateOne):
				return recordUpdateOne(ctx, jm, buf, next)
			default:
				return recordMany(ctx, jm, buf, next)
			}
		})
	}
}

func recordCreate(ctx context.Context, m mutation, buf *buffer, next ent.Mutator) (ent.Value, error) {
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	id, err := idOf(m)
	if err != nil {
		return nil, err
	}
	var fields []delta.Field
	for _, name := range m.Fields() {
		if name == "tenant_id" || slices.Contains(lifecycleFields, name) {
			continue
		}
		nv, _ := m.Field(name)
		fields = append(fields, delta.Field{Name: name, New: Canonical(nv)})
	}
	fields = append(fields, edgeChanges(m)...)
	e := newEntry(ctx, tenantOf(ctx, m, id), m.Type(), id, change.OperationCREATE, fields)
	e.externalID = externalID(m.Field("external_id"))
	buf.add(e)
	return v, nil
}

func recordUpdateOne(ctx context.Context, m mutation, buf *buffer, next ent.Mutator) (ent.Value, error) {
	id, err := idOf(m)
	if err != nil {
		return nil, err
	}
	if err := lockRow(ctx, m.Client(), id); err != nil {
		return nil, err
	}
	// Load the stored row now: the mutation caches it for OldField once it has run.
	if _, err := m.OldField(ctx, "updated_at"); err != nil {
		return nil, err
	}
	if changed, err := updatedFields(ctx, m); err != nil {
		return nil, err
	} else if len(changed) == 0 {
		return m.Client().Noder(ctx, id, ent.WithNodeType(ent.IDToType))
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	fields, err := updatedFields(ctx, m)
	if err != nil {
		return nil, err
	}
	e := newEntry(ctx, tenantOf(ctx, m, id), m.Type(), id, change.OperationUPDATE, fields)
	if nv, set := m.Field("external_id"); set {
		e.externalID = externalID(nv, true)
	} else if old, err := m.OldField(ctx, "external_id"); err == nil {
		e.externalID = externalID(old, true)
	}
	buf.add(e)
	return v, nil
}

// updatedFields lists the fields and edges an update changes, with their old and new values.
func updatedFields(ctx context.Context, m mutation) ([]delta.Field, error) {
	var fields []delta.Field
	names := append(m.Fields(), m.ClearedFields()...)
	for _, name := range names {
		if slices.Contains(lifecycleFields, name) {
			continue
		}
		old, err := m.OldField(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("journal: old %s.%s: %w", m.Type(), name, err)
		}
		nv, set := m.Field(name)
		if !set { // cleared: the row holds NULL, not the zero value the mutation reports
			if rv := reflect.ValueOf(old); Canonical(old) == nil || (rv.Kind() != reflect.Pointer && rv.IsZero()) {
				continue // already NULL, or a field whose NULL and zero value read the same
			}
			nv = nil
		}
		o, n := Canonical(old), Canonical(nv)
		if !reflect.DeepEqual(o, n) {
			fields = append(fields, delta.Field{Name: name, Old: o, New: n})
		}
	}
	return append(fields, edgeChanges(m)...), nil
}

// recordMany journals an update or delete of any number of rows, one change per row.
func recordMany(ctx context.Context, m mutation, buf *buffer, next ent.Mutator) (ent.Value, error) {
	ids, err := m.IDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return next.Mutate(ctx, m)
	}
	before, err := snapshot(ctx, m.Client(), ids)
	if err != nil {
		return nil, err
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return v, err
	}
	op := change.OperationUPDATE
	if m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
		op = change.OperationDELETE
	}
	entries := make([]entry, 0, len(ids))
	for _, id := range ids {
		old := before[id]
		var fields []delta.Field
		if op == change.OperationDELETE {
			for _, name := range slices.Sorted(maps.Keys(old)) {
				if name != "tenant_id" && name != "id" {
					fields = append(fields, delta.Field{Name: name, Old: old[name]})
				}
			}
		} else {
			for _, name := range append(m.Fields(), m.ClearedFields()...) {
				if !slices.Contains(lifecycleFields, name) {
					nv, set := m.Field(name)
					if !set { // cleared: the row holds NULL
						nv = nil
					}
					fields = append(fields, delta.Field{Name: name, Old: old[name], New: Canonical(nv)})
				}
			}
			fields = append(fields, edgeChanges(m)...)
		}
		e := newEntry(ctx, tenantOf(ctx, m, id), m.Type(), id, op, fields)
		e.externalID = externalID(old["external_id"], true)
		entries = append(entries, e)
	}
	buf.add(entries...)
	return v, nil
}

// snapshot reads the rows about to change, as the API would show their fields: all of them,
// whatever the request that changes them selects.
func snapshot(ctx context.Context, c *ent.Client, ids []string) (map[string]map[string]any, error) {
	nodes, err := c.Noders(withoutSelection{ctx}, ids, ent.WithNodeType(ent.IDToType))
	if err != nil {
		return nil, fmt.Errorf("journal: reading rows before change: %w", err)
	}
	out := make(map[string]map[string]any, len(ids))
	for i, n := range nodes {
		if n == nil {
			continue
		}
		raw, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		var fields map[string]any
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, err
		}
		delete(fields, "edges")
		out[ids[i]] = fields
	}
	return out, nil
}

// withoutSelection hides the GraphQL field being resolved from the generated node loaders,
// which would otherwise read only the columns that field selects.
type withoutSelection struct{ context.Context }

func (c withoutSelection) Value(key any) any {
	v := c.Context.Value(key)
	if _, ok := v.(*graphql.FieldContext); ok {
		return nil
	}
	return v
}

// edgeChanges lists the identifiers added to and removed from edges kept in other tables
// (council session attendees, interaction participants).
func edgeChanges(m ent.Mutation) []delta.Field {
	var fields []delta.Field
	for _, edge := range m.AddedEdges() {
		if ref, ok := ent.EdgeReference(m.Type(), edge); ok && ref.Column == "" {
			fields = append(fields, delta.Field{Name: edge, New: m.AddedIDs(edge)})
		}
	}
	for _, edge := range m.RemovedEdges() {
		if ref, ok := ent.EdgeReference(m.Type(), edge); ok && ref.Column == "" {
			fields = append(fields, delta.Field{Name: edge, Old: m.RemovedIDs(edge)})
		}
	}
	for _, edge := range m.ClearedEdges() {
		if ref, ok := ent.EdgeReference(m.Type(), edge); ok && ref.Column == "" {
			fields = append(fields, delta.Field{Name: edge, Old: "all"})
		}
	}
	return fields
}

func idOf(m mutation) (string, error) {
	if id, ok := m.ID(); ok {
		return id, nil
	}
	return "", errs.E(errs.Internal, "journal: %s mutation without an id", m.Type())
}

// tenantOf returns the tenant a change belongs to: a tenant's own changes belong to it.
func tenantOf(ctx context.Context, m ent.Mutation, id string) string {
	if m.Type() == "Tenant" {
		return id
	}
	if v, ok := viewer.FromContext(ctx); ok {
		return v.TenantID
	}
	t, _ := m.Field("tenant_id")
	s, _ := t.(string)
	return s
}

func externalID(v any, ok bool) *string {
	if !ok {
		return nil
	}
	switch x := Canonical(v).(type) {
	case string:
		if x != "" {
			return &x
		}
	}
	return nil
}

// Canonical returns a value in the form in which every write path (the ent hooks, bulk sync)
// compares and journals it: no pointers, times in UTC at the database's microsecond
// precision, numbers as float64 (as JSON reads them back), enums as their names, lists as
// lists of canonical values and empty ones as nil.
func Canonical(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Truncate(time.Microsecond)
	case string, bool, float64:
		return v
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
		return Canonical(rv.Elem().Interface())
	case reflect.Slice, reflect.Array:
		if rv.Len() == 0 {
			return nil
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return v // bytes are a value, not a list
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = Canonical(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		if rv.Len() == 0 {
			return nil
		}
	case reflect.String:
		return rv.String() // enums compare and store as their names
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint())
	case reflect.Float32:
		return rv.Float()
	}
	return v
}

// lockRow locks the row until the transaction commits, before its old values are read: a
// concurrent update of the same row then waits, so the values compared and journaled are the
// latest committed ones (the database reads committed data, see storage).
func lockRow(ctx context.Context, c *ent.Client, id string) error {
	table, err := ent.IDToType(ctx, id)
	if err != nil {
		return err
	}
	if _, err := c.ExecContext(ctx, "UPDATE "+table+" SET id = id WHERE id = ?", id); err != nil {
		return fmt.Errorf("journal: locking %s: %w", id, err)
	}
	return nil
}
