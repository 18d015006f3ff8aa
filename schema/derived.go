package schema

import (
	"context"
	"fmt"

	"entgo.io/ent"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/internal/derived"
)

// maintainLatestNPS keeps LatestNPS in step with NPS feedback: a new response is folded in as
// bulk sync folds its batch; after any other change that can alter a person's latest NPS
// response on an account, it recomputes that person's row.
var maintainLatestNPS = func(next ent.Mutator) ent.Mutator {
	return hook.FeedbackFunc(func(ctx context.Context, m *gen.FeedbackMutation) (ent.Value, error) {
		var keys []derived.NPSKey
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
			return v, derived.RefreshLatestNPS(ctx, m.Client(), keys)
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		created, ok := v.(*gen.Feedback)
		if !ok || created.Kind != feedback.KindNPS || created.Score == nil {
			return v, nil
		}
		return v, derived.FoldNPSResponses(ctx, m.Client(), []derived.NPSResponse{{
			Key:        derived.NPSKey{Account: created.AccountID, Persona: created.Persona, Person: created.AuthorID},
			FeedbackID: created.ID, Score: *created.Score, ReceivedAt: created.ReceivedAt,
		}})
	})
}

// npsKeys returns the keys of those of the feedback rows that are NPS responses.
func npsKeys(ctx context.Context, c *gen.Client, ids []string) ([]derived.NPSKey, error) {
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
	keys := make([]derived.NPSKey, len(rows))
	for i, r := range rows {
		keys[i] = derived.NPSKey{Account: r.AccountID, Persona: r.Persona, Person: r.AuthorID}
	}
	return keys, nil
}
