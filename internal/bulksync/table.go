package bulksync

import (
	"context"

	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/internal/journal"
)

// kind says how a column's values are stored and compared.
type kind int

const (
	text kind = iota
	number
	boolean
	timestamp
	list // a JSON list
)

// column is one column a sync writes.
type column struct {
	name string // the column (and ent field) name
	kind kind
}

func col(name string, k kind) column { return column{name: name, kind: k} }

// table describes how one type is synced.
type table struct {
	typ       string // the ent type, as the journal names it
	name      string // the SQL table
	prefix    string // the id prefix
	keyColumn string // the column that identifies an item
	keyField  string // the API's name of the key, for errors
	// altKey returns a second key that identifies a row (a person's email, a contract's
	// number), from an item's or a stored row's values; altField is its API name. Every
	// alternate key has a unique index: a first attempt that did not look one up learns from
	// it that the key is taken (see loadExisting).
	altKey   func(values map[string]any) (string, bool)
	altField string
	columns  []column
	defaults map[string]any // the values of columns a new row gets when the item leaves them out
	// altWhere selects the stored rows with the alternate keys, or a superset of them;
	// altUnique says that it reads them by a unique index.
	altWhere  func(altKeys []string) func(*entsql.Selector)
	altUnique bool
	// load returns the stored rows that where selects.
	load func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error)
	// check validates what needs the references resolved and the stored rows loaded.
	check func(ctx context.Context, b *batch) error
	// afterWrite keeps derived data in step with the written rows.
	afterWrite func(ctx context.Context, b *batch) error
}

func (t *table) column(name string) (column, bool) {
	for _, c := range t.columns {
		if c.name == name {
			return c, true
		}
	}
	return column{}, false
}

// stored returns the value to hand the database driver for the column.
func (c column) stored(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		v, rv = rv.Elem().Interface(), rv.Elem()
	}
	switch c.kind {
	case list:
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		return string(raw), nil
	case timestamp:
		if t, ok := v.(time.Time); ok {
			return t.UTC(), nil
		}
	case text:
		if rv.Kind() == reflect.String {
			return rv.String(), nil
		}
	}
	return v, nil
}

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }

// existingOf reads a stored entity as the table's canonical columns, with its id and version.
// An ent entity names each column in its fields' json tags.
func (t *table) existingOf(entity any) (id string, version int64, values map[string]any, err error) {
	v := reflect.Indirect(reflect.ValueOf(entity))
	fields := columnFields(v.Type())
	field := func(name string) (reflect.Value, bool) {
		i, ok := fields[name]
		if !ok {
			return reflect.Value{}, false
		}
		return v.Field(i), true
	}
	idv, okID := field("id")
	ver, okVersion := field("version")
	if !okID || !okVersion {
		return "", 0, nil, fmt.Errorf("bulksync: %s has no id or version", v.Type())
	}
	values = make(map[string]any, len(t.columns))
	for _, c := range t.columns {
		if f, ok := field(c.name); ok {
			values[c.name] = journal.Canonical(f.Interface())
		}
	}
	return idv.String(), ver.Int(), values, nil
}

// idOf returns an entity's id.
func idOf(entity any) string {
	return reflect.Indirect(reflect.ValueOf(entity)).FieldByName("ID").String()
}

// fieldIndexes caches, per entity type, the index of the struct field of each column.
var fieldIndexes sync.Map // reflect.Type → map[string]int

func columnFields(t reflect.Type) map[string]int {
	if m, ok := fieldIndexes.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	fieldIndexes.Store(t, m)
	return m
}
