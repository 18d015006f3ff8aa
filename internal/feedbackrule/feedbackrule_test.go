package feedbackrule_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/feedbackrule"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// refusedOn returns the fields the outcome refuses, or "" when it passes.
func refusedOn(o feedbackrule.Outcome) string {
	if o.OK() {
		return ""
	}
	return o.Errs[0].Field
}

// TestScoreRanges: each kind's range at its ends and one past them.
func TestScoreRanges(t *testing.T) {
	received := now.Add(-time.Hour)
	for _, c := range []struct {
		kind  feedback.Kind
		score *int
		field string
	}{
		{feedback.KindNPS, ptr(0), ""}, {feedback.KindNPS, ptr(10), ""},
		{feedback.KindNPS, ptr(-1), "score"}, {feedback.KindNPS, ptr(11), "score"}, {feedback.KindNPS, nil, "score"},
		{feedback.KindCSAT, ptr(1), ""}, {feedback.KindCSAT, ptr(5), ""},
		{feedback.KindCSAT, ptr(0), "score"}, {feedback.KindCSAT, ptr(6), "score"}, {feedback.KindCSAT, nil, "score"},
		{feedback.KindCOMMENT, nil, ""}, {feedback.KindCOMMENT, ptr(3), "score"},
	} {
		out := feedbackrule.Check([]feedbackrule.Row{{Kind: c.kind, Score: c.score, ReceivedAt: received}}, now)[0]
		if got := refusedOn(out); got != c.field {
			t.Errorf("%s score %v: refused on %q, want %q", c.kind, c.score, got, c.field)
		}
	}
}

// TestComplaintWorkflow: the status moves OPEN → ACKNOWLEDGED → RESOLVED and never back; a
// complaint without one is OPEN; other kinds have none.
func TestComplaintWorkflow(t *testing.T) {
	open, ack, resolved := feedback.StatusOPEN, feedback.StatusACKNOWLEDGED, feedback.StatusRESOLVED
	for _, c := range []struct {
		was, to *feedback.Status
		field   string
	}{
		{nil, nil, ""}, {nil, &resolved, ""}, {&open, &ack, ""}, {&ack, &ack, ""}, {&ack, &resolved, ""},
		{&resolved, &resolved, ""}, {&resolved, &open, "status"}, {&resolved, &ack, "status"}, {&ack, &open, "status"},
		{&resolved, nil, "status"},
	} {
		r := feedbackrule.Row{Kind: feedback.KindCOMPLAINT, ReceivedAt: now.Add(-time.Hour), Status: c.to, WasStatus: c.was}
		if c.was != nil && *c.was != open {
			r.WasAcknowledgedAt = ptr(now.Add(-time.Minute))
		}
		if c.was != nil && *c.was == resolved {
			r.WasResolvedAt = ptr(now.Add(-time.Minute))
		}
		out := feedbackrule.Check([]feedbackrule.Row{r}, now)[0]
		if got := refusedOn(out); got != c.field {
			t.Errorf("%v → %v: refused on %q, want %q", c.was, c.to, got, c.field)
		}
		if c.to == nil && out.OK() && (out.Status == nil || *out.Status != open) {
			t.Errorf("a complaint without a status gets %v, want OPEN", out.Status)
		}
	}
	out := feedbackrule.Check([]feedbackrule.Row{{Kind: feedback.KindPRAISE, Status: &open}}, now)[0]
	if refusedOn(out) != "status" {
		t.Errorf("praise with a status: %+v, want refused on status", out.Errs)
	}
}

// TestComplaintHistory: the source's times are kept when they are not in the future, not
// before the complaint was received and in order (boundaries included); a move without a time
// happened now, by the writer; resolving an open complaint acknowledges it at the same time.
func TestComplaintHistory(t *testing.T) {
	received := now.Add(-48 * time.Hour)
	ack, resolved := feedback.StatusACKNOWLEDGED, feedback.StatusRESOLVED
	at := func(d time.Duration) *time.Time { return ptr(received.Add(d)) }
	for _, c := range []struct {
		name                 string
		status               *feedback.Status
		given                [2]*time.Time // acknowledgedAt, resolvedAt
		was                  [2]*time.Time
		field                string
		wantAck, wantResolve *feedbackrule.Stamp
	}{
		{"acknowledged now", &ack, [2]*time.Time{}, [2]*time.Time{}, "", &feedbackrule.Stamp{At: now, ByWriter: true}, nil},
		{"resolved now", &resolved, [2]*time.Time{}, [2]*time.Time{}, "",
			&feedbackrule.Stamp{At: now, ByWriter: true}, &feedbackrule.Stamp{At: now, ByWriter: true}},
		{"the source's times", &resolved, [2]*time.Time{at(time.Hour), at(2 * time.Hour)}, [2]*time.Time{}, "", nil, nil},
		{"at the boundaries", &resolved, [2]*time.Time{at(0), at(0)}, [2]*time.Time{}, "", nil, nil},
		{"within the clock tolerance", &ack, [2]*time.Time{ptr(now.Add(feedbackrule.FutureTolerance))}, [2]*time.Time{}, "", nil, nil},
		{"resolved at the source", &resolved, [2]*time.Time{nil, at(time.Hour)}, [2]*time.Time{}, "",
			&feedbackrule.Stamp{At: *at(time.Hour)}, nil},
		{"resolved now, acknowledged before", &resolved, [2]*time.Time{}, [2]*time.Time{at(time.Hour)}, "",
			nil, &feedbackrule.Stamp{At: now, ByWriter: true}},
		{"stored history kept", &resolved, [2]*time.Time{}, [2]*time.Time{at(time.Hour), at(2 * time.Hour)}, "", nil, nil},
		{"in the future", &ack, [2]*time.Time{ptr(now.Add(feedbackrule.FutureTolerance + time.Second))}, [2]*time.Time{}, "acknowledgedAt", nil, nil},
		{"before received", &ack, [2]*time.Time{at(-time.Second)}, [2]*time.Time{}, "acknowledgedAt", nil, nil},
		{"resolved before received", &resolved, [2]*time.Time{nil, at(-time.Second)}, [2]*time.Time{}, "resolvedAt", nil, nil},
		{"out of order", &resolved, [2]*time.Time{at(time.Hour), at(time.Hour - time.Second)}, [2]*time.Time{}, "resolvedAt", nil, nil},
		{"before the stored acknowledgement", &resolved, [2]*time.Time{nil, at(time.Minute)}, [2]*time.Time{at(time.Hour)}, "resolvedAt", nil, nil},
		{"resolved time of an acknowledged one", &ack, [2]*time.Time{at(time.Hour), at(2 * time.Hour)}, [2]*time.Time{}, "resolvedAt", nil, nil},
		{"acknowledged time of an open one", nil, [2]*time.Time{at(time.Hour)}, [2]*time.Time{}, "acknowledgedAt", nil, nil},
	} {
		r := feedbackrule.Row{Kind: feedback.KindCOMPLAINT, ReceivedAt: received, Status: c.status,
			AcknowledgedAt: c.given[0], ResolvedAt: c.given[1], WasAcknowledgedAt: c.was[0], WasResolvedAt: c.was[1]}
		out := feedbackrule.Check([]feedbackrule.Row{r}, now)[0]
		if got := refusedOn(out); got != c.field {
			t.Errorf("%s: refused on %q (%v), want %q", c.name, got, out.Errs, c.field)
			continue
		}
		if !sameStamp(out.Acknowledged, c.wantAck) || !sameStamp(out.Resolved, c.wantResolve) {
			t.Errorf("%s: stamps acknowledged %+v resolved %+v, want %+v and %+v", c.name, out.Acknowledged, out.Resolved, c.wantAck, c.wantResolve)
		}
	}
	// Times for other kinds of feedback are refused.
	out := feedbackrule.Check([]feedbackrule.Row{{Kind: feedback.KindPRAISE, ReceivedAt: received, AcknowledgedAt: at(time.Hour)}}, now)[0]
	if refusedOn(out) != "acknowledgedAt" {
		t.Errorf("praise with acknowledgedAt: %v, want refused on acknowledgedAt", out.Errs)
	}
}

func sameStamp(a, b *feedbackrule.Stamp) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.At.Equal(b.At) && a.ByWriter == b.ByWriter
}

// TestPersona: a given persona must match the author's relationship; without one, the only
// relationship the author has decides.
func TestPersona(t *testing.T) {
	purchaser, endUser := enum.PersonaPurchaser, enum.PersonaEndUser
	buyer, user, both := feedbackrule.Relation{Buyer: true}, feedbackrule.Relation{User: true}, feedbackrule.Relation{Buyer: true, User: true}
	for _, c := range []struct {
		given *enum.Persona
		rel   feedbackrule.Relation
		want  enum.Persona
		field string
	}{
		{nil, buyer, purchaser, ""}, {nil, user, endUser, ""}, {nil, both, "", "persona"}, {nil, feedbackrule.Relation{}, "", "authorID"},
		{&purchaser, both, purchaser, ""}, {&endUser, both, endUser, ""},
		{&purchaser, user, "", "persona"}, {&endUser, buyer, "", "persona"},
	} {
		got, refusal := feedbackrule.Persona(c.given, c.rel)
		field := ""
		if refusal != nil {
			field = refusal.Field
		}
		if got != c.want || field != c.field {
			t.Errorf("given %v, %+v: %q refused on %q, want %q refused on %q", c.given, c.rel, got, field, c.want, c.field)
		}
	}
}

// TestNormalizeTopics: topics are folded into one spelling, up to the limits.
func TestNormalizeTopics(t *testing.T) {
	got, err := feedbackrule.NormalizeTopics([]string{" Onboarding ", "SUPPORT   team", "onboarding", ""})
	if err != nil || len(got) != 2 || got[0] != "onboarding" || got[1] != "support team" {
		t.Fatalf("normalised to %q, %v", got, err)
	}
	many := make([]string, feedbackrule.MaxTopics+1)
	for i := range many {
		many[i] = string(rune('a' + i))
	}
	if _, err := feedbackrule.NormalizeTopics(many[:feedbackrule.MaxTopics]); err != nil {
		t.Errorf("%d topics refused: %v", feedbackrule.MaxTopics, err)
	}
	if _, err := feedbackrule.NormalizeTopics(many); err == nil {
		t.Errorf("%d topics accepted", len(many))
	}
	long := make([]rune, feedbackrule.MaxTopicLength)
	for i := range long {
		long[i] = 'x'
	}
	if _, err := feedbackrule.NormalizeTopics([]string{string(long)}); err != nil {
		t.Errorf("a topic of %d characters refused: %v", len(long), err)
	}
	if _, err := feedbackrule.NormalizeTopics([]string{string(long) + "x"}); err == nil {
		t.Errorf("a topic of %d characters accepted", len(long)+1)
	}
}
