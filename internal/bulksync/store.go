package bulksync

import (
	"context"

	"fmt"
	"slices"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/email"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/sqlbatch"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// resolve turns the references of the rows into ids, with one query per kind of reference.
// References to rows of the same type are left for resolveSelf: they may name rows of this
// very batch.
func (b *batch) resolve(ctx context.Context) error {
	type group struct {
		target string
		byMail bool
	}
	wanted := map[group][]string{}
	for _, r := range b.rows {
		for i := range r.refs {
			if r.refs[i].byMail { // people are found by their email as stored: normalised
				r.refs[i].key = email.Normalize(r.refs[i].key)
			}
		}
		for _, rf := range r.refs {
			if rf.target != b.table.typ {
				g := group{rf.target, rf.byMail}
				wanted[g] = append(wanted[g], rf.key)
			}
		}
	}
	found := map[group]map[string]string{}
	for g, keys := range wanted {
		m, err := lookup(ctx, b, g.target, g.byMail, unique(keys))
		if err != nil {
			return err
		}
		found[g] = m
	}
	for _, r := range b.rows {
		for _, rf := range r.refs {
			if rf.target == b.table.typ {
				continue
			}
			id, ok := found[group{rf.target, rf.byMail}][rf.key]
			if !ok {
				how := "external id"
				if rf.byMail {
					how = "email"
				}
				r.fail(rf.field, errs.NotFound.Code(), "no %s with %s %q", describe(rf.target), how, rf.key)
				continue
			}
			r.values[rf.column] = id
		}
	}
	return nil
}

// resolveSelf resolves references to rows of the synced type: to a row of this batch (which
// must then be written first) or to a stored one.
func (b *batch) resolveSelf(ctx context.Context) error {
	inBatch := map[string]*row{}
	for _, r := range b.rows {
		if r.ok() {
			inBatch[r.key] = r
		}
	}
	var stored []string
	for _, r := range b.rows {
		for _, rf := range r.refs {
			if rf.target == b.table.typ && inBatch[rf.key] == nil {
				stored = append(stored, rf.key)
			}
		}
	}
	found, err := lookup(ctx, b, b.table.typ, false, unique(stored))
	if err != nil {
		return err
	}
	for _, r := range b.rows {
		for _, rf := range r.refs {
			if rf.target != b.table.typ {
				continue
			}
			if other := inBatch[rf.key]; other != nil {
				if other == r {
					r.fail(rf.field, errs.Invalid.Code(), "an item cannot refer to itself")
					continue
				}
				r.values[rf.column] = other.id
				r.after = append(r.after, other.key)
			} else if id, ok := found[rf.key]; ok {
				r.values[rf.column] = id
			} else {
				r.fail(rf.field, errs.NotFound.Code(), "no %s with external id %q", describe(rf.target), rf.key)
			}
		}
	}
	return nil
}

// loadExisting finds the stored row of every valid item, by its key or else by the table's
// alternate key (a person's email, a contract's number, a contact's account and person), and
// gives new rows their ids.
//
// The first attempt looks up the alternate keys only of items without a key. An item with a
// key rarely meets a stored row by its alternate key alone (a row a front end created, to
// adopt; an email another person has): the unique index then refuses the write, and the
// batch runs again from its savepoint with every alternate key looked up. That saves a
// query of 1,000 values in nearly every batch, which for pairs often scans the table.
func (b *batch) loadExisting(ctx context.Context) error {
	var keys, alts []string
	for _, r := range b.rows {
		if !r.ok() {
			continue
		}
		if r.key != "" {
			keys = append(keys, r.key)
		}
		if b.table.altKey != nil && (r.key == "" || b.retried) {
			if alt, ok := b.table.altKey(r.values); ok {
				alts = append(alts, alt)
			}
		}
	}
	entities, err := b.loadBoth(ctx, unique(keys), unique(alts))
	if err != nil {
		return fmt.Errorf("loading %s: %w", b.table.name, err)
	}
	byKey, byAlt := map[string]*stored{}, map[string]*stored{}
	for _, e := range entities {
		s := &stored{}
		if s.id, s.version, s.values, err = b.table.existingOf(e); err != nil {
			return err
		}
		if k, ok := s.values[b.table.keyColumn].(string); ok && k != "" {
			byKey[k] = s
		}
		if b.table.altKey != nil {
			if alt, ok := b.table.altKey(s.values); ok {
				byAlt[alt] = s
			}
		}
	}
	firstWithAlt := map[string]int{}
	for _, r := range b.rows {
		if !r.ok() {
			continue
		}
		s := byKey[r.key]
		if r.key == "" {
			s = nil
		}
		if b.table.altKey != nil {
			if alt, ok := b.table.altKey(r.values); ok {
				if i, seen := firstWithAlt[alt]; seen {
					r.fail(b.table.altField, errs.Conflict.Code(), "item %d of this batch has the same %s", i, b.table.altField)
					continue
				}
				firstWithAlt[alt] = r.index
				other := byAlt[alt]
				switch {
				case s == nil && other != nil:
					// Adopt a record created without this key, unless it has another one.
					if k, _ := other.values[b.table.keyColumn].(string); k != "" && r.key != "" && k != r.key {
						r.fail(b.table.altField, errs.Conflict.Code(), "%s belongs to the record with %s %q", b.table.altField, b.table.keyField, k)
						continue
					}
					s = other
				case s != nil && other != nil && other.id != s.id:
					r.fail(b.table.altField, errs.Conflict.Code(), "%s belongs to another record", b.table.altField)
					continue
				}
			}
		}
		if s == nil {
			r.id = pulid.New(b.table.prefix)
			continue
		}
		r.id, r.version, r.existing = s.id, s.version, s.values
	}
	return b.resolveSelf(ctx)
}

// loadBoth returns the stored rows with the keys and those with the alternate keys, locked,
// each once. It does not ask for both in one query: MariaDB answers an OR of IN lists on two
// indexes by scanning, and locking, the whole table. A lookup by an index that is not unique
// may scan too when the batch is much of the table, so such alternate keys are read without
// locks, and the rows they find that the keys did not (rows a front end created, to adopt)
// are then locked by id. A row created in between fails the write on a duplicate key, and the
// batch runs again.
func (b *batch) loadBoth(ctx context.Context, keys, alts []string) ([]any, error) {
	var entities []any
	if len(keys) > 0 {
		found, err := b.table.load(ctx, b, locking(entsql.FieldIn(b.table.keyColumn, keys...)))
		if err != nil {
			return nil, err
		}
		entities = found
	}
	if len(alts) == 0 || b.table.altWhere == nil {
		return entities, nil
	}
	where := b.table.altWhere(alts)
	if b.table.altUnique {
		where = locking(where)
	}
	found, err := b.table.load(ctx, b, where)
	if err != nil {
		return nil, err
	}
	byKey := map[string]bool{}
	for _, e := range entities {
		byKey[idOf(e)] = true
	}
	var others []any
	var ids []string
	for _, e := range found {
		if id := idOf(e); !byKey[id] {
			others, ids = append(others, e), append(ids, id)
		}
	}
	if !b.table.altUnique && len(ids) > 0 {
		if others, err = b.table.load(ctx, b, locking(entsql.FieldIn("id", ids...))); err != nil {
			return nil, err
		}
	}
	return append(entities, others...), nil
}

// locking selects what where selects and locks it for the rest of the transaction
// (derived.LockRows): ent applies a query's predicates to its selector, the lock with them.
func locking(where func(*entsql.Selector)) func(*entsql.Selector) {
	return func(s *entsql.Selector) {
		where(s)
		derived.LockRows(s)
	}
}

// stored is a stored row in canonical form.
type stored struct {
	id      string
	version int64
	values  map[string]any
}

// write inserts the new rows and updates the changed ones, in as few statements as the
// placeholder limits allow.
func (b *batch) write(ctx context.Context) error {
	var created, updated []*row
	for _, r := range b.rows {
		switch r.outcome {
		case Created:
			created = append(created, r)
		case Updated:
			updated = append(updated, r)
		}
	}
	created, err := insertionOrder(created)
	if err != nil {
		return err
	}
	if err := b.insert(ctx, created); err != nil {
		return fmt.Errorf("inserting %s: %w", b.table.name, err)
	}
	if err := b.update(ctx, updated); err != nil {
		return fmt.Errorf("updating %s: %w", b.table.name, err)
	}
	return nil
}

func (b *batch) insert(ctx context.Context, rows []*row) error {
	columns := []string{"id", "tenant_id", "created_at", "updated_at", "version"}
	for _, c := range b.table.columns {
		columns = append(columns, c.name)
	}
	values := make([][]any, len(rows))
	for i, r := range rows {
		values[i] = append(make([]any, 0, len(columns)), r.id, b.viewer.TenantID, b.now, b.now, int64(1))
		for _, c := range b.table.columns {
			v, err := c.stored(r.values[c.name])
			if err != nil {
				return err
			}
			values[i] = append(values[i], v)
		}
	}
	return sqlbatch.Insert(ctx, b.client, b.dialect, b.table.name, columns, values)
}

// update writes the changed columns of the rows in one UPDATE per chunk: each column is set
// with a CASE on the id, so every row gets its own value and keeps the columns it does not
// change.
func (b *batch) update(ctx context.Context, rows []*row) error {
	const per = 300
	quote := func(s string) string { return entsql.Dialect(b.dialect).Select().Quote(s) }
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var sets []string
		var args []any
		for _, c := range b.table.columns {
			var cases strings.Builder
			var caseArgs []any
			for _, r := range chunk {
				if !changes(r, c.name) {
					continue
				}
				v, err := c.stored(r.values[c.name])
				if err != nil {
					return err
				}
				cases.WriteString(" WHEN ? THEN ?")
				caseArgs = append(caseArgs, r.id, v)
			}
			if len(caseArgs) == 0 {
				continue
			}
			sets = append(sets, fmt.Sprintf("%s = CASE %s%s ELSE %s END", quote(c.name), quote("id"), cases.String(), quote(c.name)))
			args = append(args, caseArgs...)
		}
		sets = append(sets, quote("version")+" = "+quote("version")+" + 1", quote("updated_at")+" = ?")
		args = append(args, b.now)
		ids := make([]string, len(chunk))
		for i, r := range chunk {
			ids[i] = "?"
			args = append(args, r.id)
		}
		args = append(args, b.viewer.TenantID)
		query := fmt.Sprintf("UPDATE %s SET %s WHERE %s IN (%s) AND %s = ?", quote(b.table.name),
			strings.Join(sets, ", "), quote("id"), strings.Join(ids, ", "), quote("tenant_id"))
		if _, err := b.client.ExecContext(ctx, query, args...); err != nil {
			return err
		}
	}
	return nil
}

func changes(r *row, column string) bool {
	return slices.ContainsFunc(r.changes, func(f delta.Field) bool { return f.Name == column })
}

// insertionOrder puts rows after the rows of the batch they refer to.
func insertionOrder(rows []*row) ([]*row, error) {
	byKey := make(map[string]*row, len(rows))
	for _, r := range rows {
		byKey[r.key] = r
	}
	ordered := make([]*row, 0, len(rows))
	state := map[*row]int{} // 1 visiting, 2 done
	var visit func(r *row) error
	visit = func(r *row) error {
		switch state[r] {
		case 1:
			return errs.Invalidf("input", "the items refer to each other in a cycle (item %d)", r.index)
		case 2:
			return nil
		}
		state[r] = 1
		for _, k := range r.after {
			if dep := byKey[k]; dep != nil {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		state[r] = 2
		ordered = append(ordered, r)
		return nil
	}
	for _, r := range rows {
		if err := visit(r); err != nil {
			return nil, err
		}
	}
	return ordered, nil
}

func unique(keys []string) []string {
	slices.Sort(keys)
	return slices.Compact(keys)
}
