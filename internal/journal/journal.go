// Package journal records every committed change of every entity in the change journal, in
// the same transaction as the change: one row per created, updated or deleted entity, with
// the actor, the request and the fields before and after.
//
// Sequence numbers are taken just before commit under a per-tenant row lock, so they become
// visible in the order they were handed out and a rolled-back transaction leaves no gap: a
// reader that pages by sequence never misses a committed row.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/change"
	"github.com/stakegraph/stakegraph/ent/changesequence"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/requestid"
	"github.com/stakegraph/stakegraph/internal/sqlbatch"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// entry is a change waiting for its transaction to commit.
type entry struct {
	tenantID   string
	entityType string
	entityID   string
	externalID *string
	op         change.Operation
	actor      string
	at         time.Time
	fields     []delta.Field
	requestID  string
}

// buffer collects the changes of one transaction.
type buffer struct {
	mu      sync.Mutex
	entries []entry
}

func (b *buffer) add(e ...entry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.entries = append(b.entries, e...)
}

type bufferKey struct{}

// Begin opens a transaction whose changes are journaled when it commits. It is the only way to
// write: the data layer refuses a mutation outside such a transaction.
func Begin(ctx context.Context, client *ent.Client) (context.Context, *ent.Tx, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return ctx, nil, err
	}
	buf := &buffer{}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			if err := buf.flush(ctx, tx); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
			return next.Commit(ctx, tx)
		})
	})
	ctx = context.WithValue(ctx, bufferKey{}, buf)
	return ent.NewContext(ent.NewTxContext(ctx, tx), tx.Client()), tx, nil
}

// Run runs fn in a journaled transaction and commits it, or rolls it back when fn fails. When
// the transaction loses a lock conflict (Retryable: a deadlock, a Galera certification
// failure, a lock wait timeout), in fn or at commit, Run rolls it back and runs fn again in a
// new one, up to Attempts times in all, after a random pause that grows with each attempt. So
// fn must do nothing that a rollback does not undo, or do it again harmlessly.
func Run(ctx context.Context, client *ent.Client, fn func(ctx context.Context, tx *ent.Tx) error, opts ...RunOption) error {
	var o runOptions
	for _, opt := range opts {
		opt(&o)
	}
	for attempt := 1; ; attempt++ {
		err := runOnce(ctx, client, fn)
		if err == nil || !Retryable(err) || attempt == Attempts || ctx.Err() != nil {
			return err
		}
		if o.onRetry != nil {
			o.onRetry(attempt, err)
		}
		if perr := pause(ctx, attempt); perr != nil {
			return err
		}
	}
}

// runOnce runs fn in one journaled transaction.
func runOnce(ctx context.Context, client *ent.Client, fn func(ctx context.Context, tx *ent.Tx) error) error {
	ctx, tx, err := Begin(ctx, client)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// changeColumns are the columns of a journal row, in the order rowOf writes them.
var changeColumns = []string{change.FieldID, change.FieldTenantID, change.FieldSeq, change.FieldEntityType,
	change.FieldEntityID, change.FieldExternalID, change.FieldOperation, change.FieldActorSubject,
	change.FieldAt, change.FieldFields, change.FieldRequestID}

// rowOf is the journal row of an entry with its sequence number. The journal writes rows with
// SQL of its own (sqlbatch) rather than ent builders: a bulk sync journals thousands of rows a
// second, and the rows need none of the builders' hooks.
func rowOf(e entry, seq int64) ([]any, error) {
	fields, err := json.Marshal(e.fields)
	if err != nil {
		return nil, fmt.Errorf("encoding changed fields: %w", err)
	}
	var externalID any
	if e.externalID != nil {
		externalID = *e.externalID
	}
	return []any{pulid.New("chg"), e.tenantID, seq, e.entityType, e.entityID, externalID,
		string(e.op), e.actor, e.at, string(fields), e.requestID}, nil
}

// flush numbers the buffered changes of each tenant and inserts them.
func (b *buffer) flush(ctx context.Context, tx *ent.Tx) error {
	b.mu.Lock()
	entries := b.entries
	b.entries = nil
	b.mu.Unlock()
	entries = supersede(entries)
	if len(entries) == 0 {
		return nil
	}
	ctx = privacy.DecisionContext(ctx, privacy.Allow) // the journal writes its own rows
	byTenant := map[string][]entry{}
	var tenants []string
	for _, e := range entries {
		if _, seen := byTenant[e.tenantID]; !seen {
			tenants = append(tenants, e.tenantID)
		}
		byTenant[e.tenantID] = append(byTenant[e.tenantID], e)
	}
	for _, tenantID := range tenants {
		es := byTenant[tenantID]
		last, err := allocate(ctx, tx, tenantID, len(es))
		if err != nil {
			return err
		}
		first := last - int64(len(es)) + 1
		rows := make([][]any, len(es))
		for i, e := range es {
			if rows[i], err = rowOf(e, first+int64(i)); err != nil {
				return err
			}
		}
		if err := sqlbatch.Insert(ctx, tx, tx.Client().Dialect(), change.Table, changeColumns, rows); err != nil {
			return err
		}
	}
	return nil
}

// supersede drops the updates of an entity that the same transaction deletes afterwards
// (a cascade clears a session's attendees before deleting it): nobody saw the state in
// between, and the deletion is the one change that committed.
func supersede(entries []entry) []entry {
	deletedAt := map[string]int{}
	for i, e := range entries {
		if e.op == change.OperationDELETE {
			deletedAt[e.entityID] = i
		}
	}
	if len(deletedAt) == 0 {
		return entries
	}
	kept := entries[:0:0]
	for i, e := range entries {
		if at, deleted := deletedAt[e.entityID]; deleted && i < at && e.op == change.OperationUPDATE {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// allocate takes n sequence numbers of the tenant and returns the last. The upsert locks the
// tenant's row until commit, which serialises the commits of a tenant's writers.
func allocate(ctx context.Context, tx *ent.Tx, tenantID string, n int) (int64, error) {
	err := tx.ChangeSequence.Create().
		SetID(tenantID).
		SetLast(int64(n)).
		OnConflictColumns(changesequence.FieldID).
		AddLast(int64(n)).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("taking sequence numbers: %w", err)
	}
	s, err := tx.ChangeSequence.Get(ctx, tenantID)
	if err != nil {
		return 0, fmt.Errorf("reading sequence numbers: %w", err)
	}
	return s.Last, nil
}

// actor names who made a change: the viewer's subject, or the platform and why.
func actor(ctx context.Context) string {
	if v, ok := viewer.FromContext(ctx); ok && v.Subject != "" {
		return v.Subject
	}
	if reason, ok := viewer.SystemReason(ctx); ok {
		return "system:" + reason
	}
	return "unknown"
}

func newEntry(ctx context.Context, tenantID, typ, id string, op change.Operation, fields []delta.Field) entry {
	return entry{
		tenantID:   tenantID,
		entityType: typ,
		entityID:   id,
		op:         op,
		actor:      actor(ctx),
		at:         time.Now().UTC(),
		fields:     fields,
		requestID:  requestid.FromContext(ctx),
	}
}

// Change is a change that a set-based writer (bulk sync) made without ent mutations, which
// journals itself.
type Change struct {
	EntityType string
	EntityID   string
	ExternalID *string
	Operation  change.Operation
	Fields     []delta.Field
}

// Append records changes in the journal of the transaction in ctx, as the hook records those of
// ent mutations: actor, time and request id from ctx.
func Append(ctx context.Context, changes ...Change) error {
	buf, ok := ctx.Value(bufferKey{}).(*buffer)
	if !ok {
		return errs.E(errs.Internal, "journal: changes outside a journaled transaction")
	}
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return errs.E(errs.Internal, "journal: changes without a viewer")
	}
	entries := make([]entry, len(changes))
	for i, c := range changes {
		entries[i] = newEntry(ctx, v.TenantID, c.EntityType, c.EntityID, c.Operation, c.Fields)
		entries[i].externalID = c.ExternalID
	}
	buf.add(entries...)
	return nil
}
