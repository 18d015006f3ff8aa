// Package bulksync upserts batches of records by their external ids, for integrators who keep
// stakegraph in step with an ERP, a survey tool or a support desk.
//
// A batch is set-based work: one query per kind of reference to resolve, one to load the rows that
// exist by key (and one by alternate key: email, contract number, account and person, for items
// without a key or when the unique index refused a first attempt), one multi-row INSERT for the
// new rows and one UPDATE for the changed ones, and the journal rows of the batch in one insert at
// commit. Unchanged items write nothing: no new version, no journal row. This is the one write
// path that does not go through ent mutations, for throughput; it keeps their guarantees itself:
// the tenant comes from the viewer, whom the type's policy must allow to write in bulk
// (rule.BulkWriters: roles that see the whole tenant), every read
// goes through the access rules, fields pass the schema's validators and normalisation, references
// must resolve in the tenant, and every change is journaled in the same transaction.
package bulksync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/optimistic"
	"github.com/stakegraph/stakegraph/internal/viewer"

	// The tables' defaults read the schema's, which ent/runtime sets when it initialises: it
	// must do so before this package's variables are, and importing it orders that.
	_ "github.com/stakegraph/stakegraph/ent/runtime"
)

// MaxBatch is the most items one call takes.
const MaxBatch = 1000

// Outcome is what happened to one item.
type Outcome string

// The outcomes.
const (
	Created   Outcome = "CREATED"
	Updated   Outcome = "UPDATED"
	Unchanged Outcome = "UNCHANGED"
	Failed    Outcome = "FAILED"
	Skipped   Outcome = "SKIPPED" // valid, but not applied: allOrNone and another item failed
)

// ItemError is what is wrong with one item.
type ItemError struct {
	Field   string
	Code    string
	Message string
}

// ItemResult reports on one item of a batch, by its index in the input.
type ItemResult struct {
	Index      int
	Outcome    Outcome
	ID         *string
	Version    *int64
	ExternalID *string
	Errors     []ItemError
}

// Result reports on a batch.
type Result struct {
	Committed bool // false when allOrNone refused the batch
	Created   int
	Updated   int
	Unchanged int
	Failed    int
	Items     []ItemResult
}

// row is one item on its way into the database.
type row struct {
	index    int
	key      string         // the external id (a person without one: the email)
	expected *int           // the version the item expects its record at, if it names one
	values   map[string]any // the columns the item sets, as they will be stored
	refs     []ref          // references to resolve into the values
	errs     []ItemError
	id       string
	version  int64
	existing map[string]any // the stored row, canonical; nil for a new row
	changes  []delta.Field
	outcome  Outcome
	after    []string // keys of rows of the same batch that must be inserted first
}

// ref is a reference an item makes by external id (or email), resolved to an id.
type ref struct {
	column string // where the id goes
	field  string // the API's name of the reference, for errors
	target string // the type referred to
	key    string // the external id or email given
	byMail bool   // key is a person's email
}

func (r *row) fail(field, code, format string, args ...any) {
	r.errs = append(r.errs, ItemError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (r *row) invalid(field string, err error) {
	if err != nil {
		r.fail(field, errs.Invalid.Code(), "%s", errs.Validation(field, err).Message)
	}
}

func (r *row) ok() bool { return len(r.errs) == 0 }

// set stores a column value the item sets.
func (r *row) set(column string, v any) { r.values[column] = v }

// batch is the work on one call.
type batch struct {
	client  *ent.Client
	dialect string
	viewer  viewer.Viewer
	table   *table
	rows    []*row
	now     time.Time
	changes []journal.Change // what the batch changed, for the journal
	// retried is set when an earlier attempt met a duplicate key: this one looks up every
	// alternate key (see loadExisting).
	retried bool
}

// syncAttempts bounds how often a batch runs when a unique index refuses it: once without
// every alternate key looked up, then against concurrent batches creating the same rows.
const syncAttempts = 4

// run syncs the rows into the table: validates and resolves them, loads what exists, writes
// what changed and journals it.
func run(ctx context.Context, c *ent.Client, dialect string, t *table, rows []*row, allOrNone bool) (*Result, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, errs.E(errs.Unauthenticated, "no viewer")
	}
	if err := mayWrite(ctx, c, t.typ); err != nil {
		return nil, err
	}
	if len(rows) > MaxBatch {
		return nil, errs.Invalidf("input", "at most %d items a call, got %d", MaxBatch, len(rows))
	}
	// A batch that meets a concurrent one creating the same records waits for it on the unique
	// index and then finds them taken: it goes back to its savepoint and runs again, now
	// finding them stored. Batches of a tenant so run side by side, without a lock of their own.
	// The same happens to a first attempt that did not look up every alternate key.
	for attempt := 1; ; attempt++ {
		if err := exec(ctx, c, "SAVEPOINT bulk_sync"); err != nil {
			return nil, err
		}
		b := &batch{client: c, dialect: dialect, viewer: v, table: t, rows: cloneRows(rows), now: time.Now().UTC(),
			retried: attempt > 1}
		res, err := b.sync(ctx, allOrNone)
		if err == nil {
			if err := exec(ctx, c, "RELEASE SAVEPOINT bulk_sync"); err != nil {
				return nil, err
			}
			// Journal only the attempt that stands.
			return res, journal.Append(ctx, b.changes...)
		}
		if !duplicate(err) || attempt == syncAttempts {
			return nil, err
		}
		if err := exec(ctx, c, "ROLLBACK TO SAVEPOINT bulk_sync"); err != nil {
			return nil, err
		}
	}
}

// sync validates and resolves the batch's rows, loads what exists, writes what changed and
// journals it.
func (b *batch) sync(ctx context.Context, allOrNone bool) (*Result, error) {
	b.refuseDuplicateKeys()
	if err := b.resolve(ctx); err != nil {
		return nil, err
	}
	if err := b.loadExisting(ctx); err != nil {
		return nil, err
	}
	if b.table.check != nil {
		if err := b.table.check(ctx, b); err != nil {
			return nil, err
		}
	}
	b.refuseStale()
	b.classify()
	failed := false
	for _, r := range b.rows {
		failed = failed || !r.ok()
	}
	if failed && allOrNone {
		return b.result(false), nil
	}
	if err := b.write(ctx); err != nil {
		return nil, err
	}
	b.journal()
	if b.table.afterWrite != nil {
		if err := b.table.afterWrite(ctx, b); err != nil {
			return nil, err
		}
	}
	return b.result(true), nil
}

func exec(ctx context.Context, c *ent.Client, statement string) error {
	if _, err := c.ExecContext(ctx, statement); err != nil {
		return fmt.Errorf("bulk sync: %s: %w", statement, err)
	}
	return nil
}

// duplicate reports whether err is a unique-key violation.
func duplicate(err error) bool {
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		return my.Number == 1062
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// cloneRows copies the rows as the input made them, for another attempt.
func cloneRows(rows []*row) []*row {
	out := make([]*row, len(rows))
	for i, r := range rows {
		c := *r
		c.values = maps.Clone(r.values)
		c.refs = slices.Clone(r.refs)
		c.errs = slices.Clone(r.errs)
		out[i] = &c
	}
	return out
}

// refuseDuplicateKeys fails the later items that repeat an earlier item's key.
func (b *batch) refuseDuplicateKeys() {
	first := map[string]int{}
	for _, r := range b.rows {
		if r.key == "" {
			continue
		}
		if i, seen := first[r.key]; seen {
			r.fail(b.table.keyField, errs.Conflict.Code(), "%q is also the key of item %d of this batch", r.key, i)
			continue
		}
		first[r.key] = r.index
	}
}

// refuseStale fails the items whose record is not at the version they expect (the stored rows
// are locked since loadExisting, so the version compared is the one the write would change).
func (b *batch) refuseStale() {
	var rows []*row
	var writes []optimistic.Write
	for _, r := range b.rows {
		if r.ok() && r.expected != nil {
			rows, writes = append(rows, r), append(writes, optimistic.Write{Expected: r.expected, Current: r.version})
		}
	}
	for i, err := range optimistic.Check(writes) {
		var e *errs.Error
		if errors.As(err, &e) {
			rows[i].fail(e.Field, e.Kind.Code(), "%s", e.Message)
		}
	}
}

// classify decides what each valid row is: new, changed or unchanged.
func (b *batch) classify() {
	for _, r := range b.rows {
		switch {
		case !r.ok():
			r.outcome = Failed
		case r.existing == nil:
			r.outcome = Created
			r.version = 1
			for _, col := range b.table.columns {
				v, ok := r.values[col.name]
				if !ok {
					if d, hasDefault := b.table.defaults[col.name]; hasDefault {
						v, ok = d, true
						r.values[col.name] = d
					}
				}
				if ok && v != nil {
					r.changes = append(r.changes, delta.Field{Name: col.name, New: journal.Canonical(v)})
				}
			}
		default:
			for _, col := range b.table.columns {
				v, ok := r.values[col.name]
				if !ok {
					continue
				}
				old, now := r.existing[col.name], journal.Canonical(v)
				if !equal(old, now) {
					r.changes = append(r.changes, delta.Field{Name: col.name, Old: old, New: now})
				}
			}
			if len(r.changes) == 0 {
				r.outcome = Unchanged
			} else {
				r.outcome = Updated
				r.version++
			}
		}
	}
}

// journal notes the batch's creates and updates for the journal.
func (b *batch) journal() {
	for _, r := range b.rows {
		op := change.OperationCREATE
		switch r.outcome {
		case Created:
		case Updated:
			op = change.OperationUPDATE
		default:
			continue
		}
		c := journal.Change{EntityType: b.table.typ, EntityID: r.id, Operation: op, Fields: r.changes}
		if ext, ok := r.final(col("external_id", text)).(string); ok && ext != "" {
			c.ExternalID = &ext
		}
		b.changes = append(b.changes, c)
	}
}

func (b *batch) result(committed bool) *Result {
	res := &Result{Committed: committed, Items: make([]ItemResult, len(b.rows))}
	for i, r := range b.rows {
		item := ItemResult{Index: r.index, Outcome: r.outcome, Errors: r.errs}
		if ext, ok := r.values["external_id"].(string); ok {
			item.ExternalID = &ext
		}
		if r.ok() {
			if !committed {
				item.Outcome = Skipped
			} else {
				id, version := r.id, r.version
				item.ID, item.Version = &id, &version
			}
		}
		switch item.Outcome {
		case Created:
			res.Created++
		case Updated:
			res.Updated++
		case Unchanged:
			res.Unchanged++
		case Failed:
			res.Failed++
		}
		res.Items[i] = item
	}
	return res
}
