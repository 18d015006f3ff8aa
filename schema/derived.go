package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// complaintWorkflow moves complaints OPEN → ACKNOWLEDGED → RESOLVED (resolving an open one
// acknowledges it too) and records who did it and when.
var complaintWorkflow = hook.On(func(next ent.Mutator) ent.Mutator {
	return hook.FeedbackFunc(func(ctx context.Context, m *gen.FeedbackMutation) (ent.Value, error) {
		to, set := m.Status()
		if !set {
			return next.Mutate(ctx, m)
		}
		from := feedback.StatusOPEN
		if m.Op().Is(ent.OpUpdateOne) {
			old, err := m.OldStatus(ctx)
			if err != nil {
				return nil, err
			}
			if old != nil {
				from = *old
			}
		}
		if from == to && m.Op().Is(ent.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		if rank(to) < rank(from) {
			return nil, errs.Invalidf("status", "a complaint moves OPEN → ACKNOWLEDGED → RESOLVED; it cannot go back from %s to %s", from, to)
		}
		now := time.Now()
		v, _ := viewer.FromContext(ctx)
		if rank(to) >= rank(feedback.StatusACKNOWLEDGED) && rank(from) < rank(feedback.StatusACKNOWLEDGED) {
			m.SetAcknowledgedAt(now)
			if v.MemberID != "" {
				m.SetAcknowledgedByID(v.MemberID)
			}
		}
		if to == feedback.StatusRESOLVED {
			m.SetResolvedAt(now)
			if v.MemberID != "" {
				m.SetResolvedByID(v.MemberID)
			}
		}
		return next.Mutate(ctx, m)
	})
}, ent.OpCreate|ent.OpUpdateOne)

func rank(s feedback.Status) int {
	switch s {
	case feedback.StatusACKNOWLEDGED:
		return 1
	case feedback.StatusRESOLVED:
		return 2
	}
	return 0
}

// NPSKey names one person's voice on one account.
type NPSKey struct {
	Account string
	Persona enum.Persona
	Person  string
}

// maintainLatestNPS keeps LatestNPS in step with NPS feedback: after any change that can alter
// a person's latest NPS response on an account, it recomputes that person's row.
var maintainLatestNPS = func(next ent.Mutator) ent.Mutator {
	return hook.FeedbackFunc(func(ctx context.Context, m *gen.FeedbackMutation) (ent.Value, error) {
		var keys []NPSKey
		if !m.Op().Is(ent.OpCreate) {
			// The rows' keys before the change; the same rows' keys after are found below.
			ids, err := m.IDs(ctx)
			if err != nil {
				return nil, err
			}
			before, err := npsKeys(ctx, m.Client(), ids)
			if err != nil {
				return nil, err
			}
			keys = append(keys, before...)
			v, err := next.Mutate(ctx, m)
			if err != nil {
				return v, err
			}
			if !m.Op().Is(ent.OpDelete | ent.OpDeleteOne) {
				after, err := npsKeys(ctx, m.Client(), ids)
				if err != nil {
					return nil, err
				}
				keys = append(keys, after...)
			}
			return v, RefreshLatestNPS(ctx, m.Client(), keys)
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		if kind, _ := m.Kind(); kind == feedback.KindNPS {
			account, _ := m.AccountID()
			persona, _ := m.Persona()
			author, _ := m.AuthorID()
			keys = append(keys, NPSKey{account, persona, author})
		}
		return v, RefreshLatestNPS(ctx, m.Client(), keys)
	})
}

// npsKeys returns the keys of those of the feedback rows that are NPS responses.
func npsKeys(ctx context.Context, c *gen.Client, ids []string) ([]NPSKey, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := c.Feedback.Query().
		Where(feedback.IDIn(ids...), feedback.KindEQ(feedback.KindNPS)).
		Select(feedback.FieldAccountID, feedback.FieldPersona, feedback.FieldAuthorID).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading NPS keys: %w", err)
	}
	keys := make([]NPSKey, len(rows))
	for i, r := range rows {
		keys[i] = NPSKey{r.AccountID, r.Persona, r.AuthorID}
	}
	return keys, nil
}

// RefreshLatestNPS recomputes the LatestNPS rows of the keys from the feedback as it now is.
func RefreshLatestNPS(ctx context.Context, c *gen.Client, keys []NPSKey) error {
	v, ok := viewer.FromContext(ctx)
	if !ok || len(keys) == 0 {
		return nil
	}
	write := privacy.DecisionContext(ctx, privacy.Allow)
	seen := map[NPSKey]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		latest, err := c.Feedback.Query().
			Where(feedback.AccountID(k.Account), feedback.PersonaEQ(k.Persona), feedback.AuthorID(k.Person),
				feedback.KindEQ(feedback.KindNPS), feedback.ScoreNotNil()).
			Order(feedback.ByReceivedAt(sql.OrderDesc()), feedback.ByID(sql.OrderDesc())).
			Modify(derived.LockRows).
			First(write)
		if gen.IsNotFound(err) {
			_, err = c.LatestNPS.Delete().
				Where(latestnps.AccountID(k.Account), latestnps.PersonaEQ(k.Persona), latestnps.PersonID(k.Person)).
				Exec(write)
			if err != nil {
				return fmt.Errorf("clearing latest NPS: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("finding latest NPS: %w", err)
		}
		err = c.LatestNPS.Create().
			SetTenantID(v.TenantID).
			SetAccountID(k.Account).
			SetPersona(k.Persona).
			SetPersonID(k.Person).
			SetFeedbackID(latest.ID).
			SetScore(*latest.Score).
			SetReceivedAt(latest.ReceivedAt).
			OnConflictColumns(latestnps.FieldTenantID, latestnps.FieldAccountID, latestnps.FieldPersona, latestnps.FieldPersonID).
			UpdateFeedbackID().
			UpdateScore().
			UpdateReceivedAt().
			Exec(write)
		if err != nil {
			return fmt.Errorf("storing latest NPS: %w", err)
		}
	}
	return nil
}

// RebuildLatestNPS recomputes a tenant's LatestNPS rows from its feedback in two statements,
// for data written around the hooks (the scale generator) and as a repair. It writes with SQL
// of its own: call it in a transaction.
func RebuildLatestNPS(ctx context.Context, c *gen.Client, dialectName, tenantID string) error {
	concat := "CONCAT('lnp_', SUBSTR(f.id, 5))"
	if dialectName == dialect.SQLite {
		concat = "'lnp_' || SUBSTR(f.id, 5)"
	}
	if _, err := c.ExecContext(ctx, "DELETE FROM "+latestnps.Table+" WHERE tenant_id = ?", tenantID); err != nil {
		return fmt.Errorf("clearing latest NPS: %w", err)
	}
	// Each feedback is the latest of at most one person's voice, so its id can name the row.
	query := `INSERT INTO ` + latestnps.Table + ` (id, tenant_id, account_id, persona, person_id, feedback_id, score, received_at)
SELECT ` + concat + `, f.tenant_id, f.account_id, f.persona, f.author_id, f.id, f.score, f.received_at
FROM (SELECT id, tenant_id, account_id, persona, author_id, score, received_at,
        ROW_NUMBER() OVER (PARTITION BY account_id, persona, author_id ORDER BY received_at DESC, id DESC) AS rn
      FROM ` + feedback.Table + ` WHERE tenant_id = ? AND kind = 'NPS' AND score IS NOT NULL) f
WHERE f.rn = 1`
	if _, err := c.ExecContext(ctx, query, tenantID); err != nil {
		return fmt.Errorf("rebuilding latest NPS: %w", err)
	}
	return nil
}
