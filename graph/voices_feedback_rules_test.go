package graph_test

import (
	"context"
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// TestFeedbackScoreBoundaries: captureFeedback and updateFeedback take NPS 0 to 10 and CSAT
// 1 to 5, both ends included, and refuse one past either end on score (bulk sync's side is
// TestSyncScoreBoundaries; the rule is feedbackrule's).
func TestFeedbackScoreBoundaries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		author := c.buyer(acc, "Bill Lumbergh")
		bg := context.Background()
		try := gqltest.WithToken(env, c.tok) // for operations that may fail
		for _, s := range []struct {
			kind      string
			low, high int
		}{{"NPS", 0, 10}, {"CSAT", 1, 5}} {
			in := func(score int) map[string]any {
				return map[string]any{"accountID": acc, "authorID": author, "channel": "SURVEY", "kind": s.kind, "score": score}
			}
			for _, score := range []int{s.low, s.high} {
				gqltest.CaptureFeedback(bg, c.api, typedInput[gqltest.CaptureFeedbackInput](t, in(score)))
			}
			for _, score := range []int{s.low - 1, s.high + 1} {
				_, err := gqltest.CaptureFeedback(bg, try, typedInput[gqltest.CaptureFeedbackInput](t, in(score)))
				if field := refused(t, err); field != "score" {
					t.Errorf("%s %d: refused on %q (%v), want score", s.kind, score, field, err)
				}
			}
			id := c.feedback(in(s.low))
			for _, score := range []int{s.high, s.low} {
				gqltest.SetFeedbackScore(bg, c.api, id, &score)
			}
			for _, score := range []int{s.low - 1, s.high + 1} {
				_, err := gqltest.SetFeedbackScore(bg, try, id, &score)
				if field := refused(t, err); field != "score" {
					t.Errorf("updating %s to %d: refused on %q (%v), want score", s.kind, score, field, err)
				}
			}
		}
	})
}
