package bulksync

import (
	"context"

	"slices"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/internal/derived"
)

// newRow starts the row of the item at index i with its key and the version it expects.
func newRow(i int, key string, expected *int) *row {
	return &row{index: i, key: key, expected: expected, values: map[string]any{}}
}

// optional stores a field the item may leave out, checked by the schema's validator.
func optional[T any](r *row, column, field string, v *T, validate func(T) error) {
	if v == nil {
		return
	}
	r.values[column] = *v
	if validate != nil {
		r.invalid(field, validate(*v))
	}
}

// all turns a query's typed entities into a list of anything.
func all[E any](entities []E, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	out := make([]any, len(entities))
	for i, e := range entities {
		out[i] = e
	}
	return out, nil
}

// pairPeople selects the rows of the people of "account|person" pairs: a superset of the
// pairs, which loadExisting narrows to the exact pair. A person holds a few such rows, an
// account may hold thousands; asking for accounts and people together makes MariaDB range
// over the tenant's whole index.
func pairPeople(pairs []string) func(*entsql.Selector) {
	people := make([]string, len(pairs))
	for i, p := range pairs {
		_, people[i], _ = strings.Cut(p, "|")
	}
	return entsql.FieldIn("person_id", unique(people)...)
}

// dialectBuilder builds statements in the database's dialect.
func (b *batch) dialectBuilder() *entsql.DialectBuilder { return entsql.Dialect(b.dialect) }

// inTenant selects the rows with the ids in the viewer's tenant.
func (b *batch) inTenant(column string, ids []string) *entsql.Predicate {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return entsql.And(entsql.In(column, args...), entsql.EQ("tenant_id", b.viewer.TenantID))
}

// refreshPulse returns the afterWrite that recomputes the signal of the AccountPulse of the
// accounts of the rows that move it: the created ones, and the updated ones that change one of
// the signal's fields; of those, only the rows moves accepts, when given.
func refreshPulse(signal derived.Signal, moves func(r *row) bool) func(ctx context.Context, b *batch) error {
	fields := signal.Fields()
	return func(ctx context.Context, b *batch) error {
		var accounts []string
		for _, r := range b.rows {
			switch {
			case r.outcome != Created && r.outcome != Updated,
				r.outcome == Updated && !slices.ContainsFunc(fields, func(f string) bool { return changes(r, f) }),
				moves != nil && !moves(r):
				continue
			}
			if id, ok := r.final(col("account_id", text)).(string); ok {
				accounts = append(accounts, id)
			}
		}
		if len(accounts) == 0 {
			return nil
		}
		return derived.RefreshPulse(ctx, b.client, b.viewer.TenantID, accounts, signal)
	}
}
