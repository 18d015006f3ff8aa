package derived

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// NPSKey names one person's voice on one account.
type NPSKey struct {
	Account string
	Persona enum.Persona
	Person  string
}

// NPSResponse is a new NPS response.
type NPSResponse struct {
	Key        NPSKey
	FeedbackID string
	Score      int
	ReceivedAt time.Time
}

// newer reports whether the response a comes after b: the later one, and of two at the same
// time the one with the greater id.
func newer(aAt time.Time, aID string, bAt time.Time, bID string) bool {
	return aAt.After(bAt) || (aAt.Equal(bAt) && aID > bID)
}

// FoldNPSResponses makes each new response its person's latest when it is newer than the one
// on record: the common case, new responses, with one read and one upsert for the batch.
func FoldNPSResponses(ctx context.Context, c *ent.Client, responses []NPSResponse) error {
	v, ok := viewer.FromContext(ctx)
	if !ok || len(responses) == 0 {
		return nil
	}
	newest := map[NPSKey]NPSResponse{}
	var accounts, people []string
	for _, r := range responses {
		if cur, ok := newest[r.Key]; !ok || newer(r.ReceivedAt, r.FeedbackID, cur.ReceivedAt, cur.FeedbackID) {
			newest[r.Key] = r
		}
		accounts, people = append(accounts, r.Key.Account), append(people, r.Key.Person)
	}
	write := privacy.DecisionContext(ctx, privacy.Allow)
	// Locked, the read waits for a transaction that is recording a newer response of the same
	// people, and sees it once committed, rather than overwriting it with an older one.
	q := c.LatestNPS.Query().
		Where(latestnps.AccountIDIn(distinctNPSIDs(accounts)...), latestnps.PersonIDIn(distinctNPSIDs(people)...))
	q.Modify(LockRows)
	onRecord, err := q.All(write)
	if err != nil {
		return fmt.Errorf("reading latest NPS: %w", err)
	}
	for _, l := range onRecord {
		k := NPSKey{Account: l.AccountID, Persona: l.Persona, Person: l.PersonID}
		if r, ok := newest[k]; ok && newer(l.ReceivedAt, l.FeedbackID, r.ReceivedAt, r.FeedbackID) {
			delete(newest, k)
		}
	}
	latest := make([]NPSResponse, 0, len(newest))
	for _, r := range newest {
		latest = append(latest, r)
	}
	return storeLatestNPS(write, c, v.TenantID, latest)
}

// storeLatestNPS makes the responses their people's latest, in one statement.
func storeLatestNPS(ctx context.Context, c *ent.Client, tenantID string, latest []NPSResponse) error {
	if len(latest) == 0 {
		return nil
	}
	builders := make([]*ent.LatestNPSCreate, len(latest))
	for i, r := range latest {
		builders[i] = c.LatestNPS.Create().
			SetTenantID(tenantID).
			SetAccountID(r.Key.Account).
			SetPersona(r.Key.Persona).
			SetPersonID(r.Key.Person).
			SetFeedbackID(r.FeedbackID).
			SetScore(r.Score).
			SetReceivedAt(r.ReceivedAt)
	}
	err := c.LatestNPS.CreateBulk(builders...).
		OnConflictColumns(latestnps.FieldTenantID, latestnps.FieldAccountID, latestnps.FieldPersona, latestnps.FieldPersonID).
		UpdateFeedbackID().
		UpdateScore().
		UpdateReceivedAt().
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("storing latest NPS: %w", err)
	}
	return nil
}

// RefreshLatestNPS recomputes the LatestNPS rows of the keys from the feedback as it now is:
// for changed or deleted responses, which may leave an older one the latest.
func RefreshLatestNPS(ctx context.Context, c *ent.Client, keys []NPSKey) error {
	v, ok := viewer.FromContext(ctx)
	if !ok || len(keys) == 0 {
		return nil
	}
	write := privacy.DecisionContext(ctx, privacy.Allow)
	seen := map[NPSKey]bool{}
	var latest []NPSResponse
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		found, err := c.Feedback.Query().
			Where(feedback.AccountID(k.Account), feedback.PersonaEQ(k.Persona), feedback.AuthorID(k.Person),
				feedback.KindEQ(feedback.KindNPS), feedback.ScoreNotNil()).
			Order(feedback.ByReceivedAt(sql.OrderDesc()), feedback.ByID(sql.OrderDesc())).
			Modify(LockRows).
			First(write)
		if ent.IsNotFound(err) {
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
		latest = append(latest, NPSResponse{Key: k, FeedbackID: found.ID, Score: *found.Score, ReceivedAt: found.ReceivedAt})
	}
	return storeLatestNPS(write, c, v.TenantID, latest)
}

// RebuildLatestNPS recomputes a tenant's LatestNPS rows from its feedback in two statements,
// for data written around the hooks (the scale generator) and as a repair. It writes with SQL
// of its own: call it in a transaction.
func RebuildLatestNPS(ctx context.Context, c *ent.Client, dialectName, tenantID string) error {
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

func distinctNPSIDs(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
