package graph_test

import (
	"testing"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestFeedbackScoreBoundaries: captureFeedback and updateFeedback take NPS 0 to 10 and CSAT
// 1 to 5, both ends included, and refuse one past either end on score (bulk sync's side is
// TestSyncScoreBoundaries; the rule is feedbackrule's).
func TestFeedbackScoreBoundaries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Initech", nil)
		author := c.buyer(acc, "Bill Lumbergh")
		const (
			capture = `mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) { id } }`
			update  = `mutation($id: ID!, $score: Int) { updateFeedback(id: $id, input: {score: $score}) { id } }`
		)
		for _, s := range []struct {
			kind      string
			low, high int
		}{{"NPS", 0, 10}, {"CSAT", 1, 5}} {
			in := func(score int) map[string]any {
				return map[string]any{"in": map[string]any{"accountID": acc, "authorID": author, "channel": "SURVEY", "kind": s.kind, "score": score}}
			}
			for _, score := range []int{s.low, s.high} {
				c.ok(capture, in(score), nil)
			}
			for _, score := range []int{s.low - 1, s.high + 1} {
				if e := c.fail("BAD_USER_INPUT", capture, in(score)); e.Field() != "score" {
					t.Errorf("%s %d: refused on %q (%s), want score", s.kind, score, e.Field(), e.Message)
				}
			}
			id := c.feedback(in(s.low)["in"].(map[string]any))
			for _, score := range []int{s.high, s.low} {
				c.ok(update, map[string]any{"id": id, "score": score}, nil)
			}
			for _, score := range []int{s.low - 1, s.high + 1} {
				if e := c.fail("BAD_USER_INPUT", update, map[string]any{"id": id, "score": score}); e.Field() != "score" {
					t.Errorf("updating %s to %d: refused on %q (%s), want score", s.kind, score, e.Field(), e.Message)
				}
			}
		}
	})
}
