package perception_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/bulksync"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/journal"
)

// TestLatestNPSUnderConcurrentWriters records two NPS answers of the same end user in two
// transactions that overlap: the first, newer answer is not yet committed when the second,
// older one (from a mutation or a bulk sync) refreshes the user's latest answer. The latest
// must be the newer one once both commit. On SQLite the second transaction waits for the first
// to begin with, so this only tells on MariaDB.
func TestLatestNPSUnderConcurrentWriters(t *testing.T) {
	newer, older := time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	for _, secondWriter := range []string{"mutation", "bulk sync"} {
		t.Run("then a "+secondWriter, func(t *testing.T) {
			apitest.Each(t, func(t *testing.T, env *apitest.Env) {
				f := newFixture(t, env, nil, []string{"ada"})
				f.write(func(ctx context.Context, c *ent.Client) error {
					return c.Account.UpdateOneID(f.account).SetExternalID("GLOBEX").Exec(ctx)
				})
				firstCtx, first, err := journal.Begin(f.ctx, f.client)
				if err != nil {
					t.Fatal(err)
				}
				err = first.Feedback.Create().SetAccountID(f.account).SetAuthorID(f.people["ada"]).
					SetPersona(enum.PersonaEndUser).SetChannel(enum.ChannelSurvey).SetKind(feedback.KindNPS).
					SetScore(9).SetReceivedAt(newer).Exec(firstCtx)
				if err != nil {
					t.Fatal(err)
				}
				apitest.Overlap(t, first, func() error {
					return journal.Run(f.ctx, f.client, func(ctx context.Context, tx *ent.Tx) error {
						if secondWriter == "mutation" {
							return tx.Feedback.Create().SetAccountID(f.account).SetAuthorID(f.people["ada"]).
								SetPersona(enum.PersonaEndUser).SetChannel(enum.ChannelSurvey).SetKind(feedback.KindNPS).
								SetScore(3).SetReceivedAt(older).Exec(ctx)
						}
						score, email, persona := 3, "ada@globex.example", enum.PersonaEndUser
						res, err := bulksync.SyncFeedback(ctx, tx.Client(), env.DB.Dialect, []*bulksync.FeedbackInput{{
							ExternalID: "NPS-OLDER", AccountExternalID: "GLOBEX", AuthorEmail: &email, Persona: &persona,
							Channel: enum.ChannelSurvey, Kind: feedback.KindNPS, Score: &score, ReceivedAt: older,
						}}, true)
						if err == nil && res.Created != 1 {
							err = fmt.Errorf("sync created %d: %+v", res.Created, res.Items)
						}
						return err
					})
				})

				latest, err := f.client.LatestNPS.Query().Where(latestnps.AccountID(f.account), latestnps.PersonID(f.people["ada"])).
					Only(privacy.DecisionContext(f.ctx, privacy.Allow))
				if err != nil {
					t.Fatal(err)
				}
				if latest.Score != 9 || !latest.ReceivedAt.Equal(newer) {
					t.Errorf("latest answer %d of %s, want 9 of %s", latest.Score, latest.ReceivedAt, newer)
				}
			})
		})
	}
}
