// Package feedbackrule holds the rules every piece of feedback obeys, once each, as functions
// over a batch: the score range of its kind, the complaint workflow and its history, the
// persona of its author, its topics. The ent hooks call them with a batch of one, bulk sync
// with its batch; each adapts its rows to Row and applies the Outcome.
package feedbackrule

import (
	"time"

	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// FutureTolerance allows for clocks that run a little ahead: nothing about feedback happened
// in the future, beyond that.
const FutureTolerance = 5 * time.Minute

// ScoreRanges are the scores of the kinds that carry one; the other kinds carry none.
var ScoreRanges = map[feedback.Kind][2]int{
	feedback.KindNPS:  {0, 10},
	feedback.KindCSAT: {1, 5},
}

// Row is one piece of feedback as a write leaves it, with what was stored before it.
type Row struct {
	Kind       feedback.Kind
	Score      *int
	ReceivedAt time.Time
	// Status is the complaint status the write leaves: given, or else stored; nil when none.
	Status *feedback.Status
	// WasStatus is the stored status; nil for new feedback.
	WasStatus *feedback.Status
	// AcknowledgedAt and ResolvedAt are the times the write gives (a support desk's history);
	// the Was fields are the stored ones.
	AcknowledgedAt, ResolvedAt       *time.Time
	WasAcknowledgedAt, WasResolvedAt *time.Time
}

// Outcome is what the rules decide for one row: refusals, or what to store besides what the
// write gives.
type Outcome struct {
	Errs []*errs.Error // each names the field at fault, in the mutations' spelling
	// Status is the status to store when the write leaves a complaint without one.
	Status *feedback.Status
	// Acknowledged and Resolved are the workflow times to store when the write gives none.
	Acknowledged, Resolved *Stamp
}

// Stamp is a workflow time the rules fill in.
type Stamp struct {
	At time.Time
	// ByWriter says that the writer made the move, at the time of writing: record them as
	// who did it.
	ByWriter bool
}

func (o *Outcome) refuse(field, format string, args ...any) {
	o.Errs = append(o.Errs, errs.Invalidf(field, format, args...))
}

// OK reports whether the row passed.
func (o *Outcome) OK() bool { return len(o.Errs) == 0 }

// Check applies the score ranges and the complaint workflow to the rows, at time now.
func Check(rows []Row, now time.Time) []Outcome {
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		o := &out[i]
		if r.ReceivedAt.After(now.Add(FutureTolerance)) {
			o.refuse("receivedAt", "is in the future (%s)", r.ReceivedAt.UTC().Format(time.RFC3339))
		}
		checkScore(r, o)
		status := checkStatus(r, o)
		if o.OK() {
			stampHistory(r, status, now, o)
		}
	}
	return out
}

func checkScore(r Row, o *Outcome) {
	rng, scored := ScoreRanges[r.Kind]
	switch {
	case scored && r.Score == nil:
		o.refuse("score", "is required for %s feedback (%d–%d)", r.Kind, rng[0], rng[1])
	case scored && (*r.Score < rng[0] || *r.Score > rng[1]):
		o.refuse("score", "must be between %d and %d for %s feedback, got %d", rng[0], rng[1], r.Kind, *r.Score)
	case !scored && r.Score != nil:
		o.refuse("score", "is only accepted for NPS and CSAT feedback, not for %s", r.Kind)
	}
}

// checkStatus returns the status the row ends with: a complaint's is OPEN unless given, and
// moves OPEN → ACKNOWLEDGED → RESOLVED, never back; other kinds have none.
func checkStatus(r Row, o *Outcome) feedback.Status {
	complaint := r.Kind == feedback.KindCOMPLAINT
	switch {
	case !complaint && r.Status != nil:
		o.refuse("status", "applies to complaints only, not to %s feedback", r.Kind)
		return ""
	case !complaint:
		return ""
	case r.Status == nil:
		open := feedback.StatusOPEN
		o.Status = &open
	}
	to := feedback.StatusOPEN
	if r.Status != nil {
		to = *r.Status
	}
	if r.WasStatus != nil && rank(to) < rank(*r.WasStatus) {
		o.refuse("status", "a complaint moves OPEN → ACKNOWLEDGED → RESOLVED; it cannot go back from %s to %s", *r.WasStatus, to)
	}
	return to
}

// stampHistory checks the workflow times the write gives and fills in those it leaves out:
// a complaint history keeps the times it happened at (never in the future, never before the
// complaint was received, acknowledged no later than resolved), and a move without a time
// happened now. Resolving an open complaint acknowledges it too, at the same time.
func stampHistory(r Row, status feedback.Status, now time.Time, o *Outcome) {
	for _, t := range []struct {
		field, forWhat string
		at             *time.Time
		needs          feedback.Status
	}{
		{"acknowledgedAt", "an ACKNOWLEDGED or RESOLVED complaint", r.AcknowledgedAt, feedback.StatusACKNOWLEDGED},
		{"resolvedAt", "a RESOLVED complaint", r.ResolvedAt, feedback.StatusRESOLVED},
	} {
		switch {
		case t.at == nil:
		case status == "" || rank(status) < rank(t.needs):
			o.refuse(t.field, "is only for %s, not for %s", t.forWhat, describe(status))
		case t.at.After(now.Add(FutureTolerance)):
			o.refuse(t.field, "is in the future (%s)", t.at.UTC().Format(time.RFC3339))
		case t.at.Before(r.ReceivedAt):
			o.refuse(t.field, "is before the complaint was received (%s)", r.ReceivedAt.UTC().Format(time.RFC3339))
		}
	}
	acknowledged, resolved := firstOf(r.AcknowledgedAt, r.WasAcknowledgedAt), firstOf(r.ResolvedAt, r.WasResolvedAt)
	if acknowledged != nil && resolved != nil && resolved.Before(*acknowledged) {
		o.refuse("resolvedAt", "is before the complaint was acknowledged (%s)", acknowledged.UTC().Format(time.RFC3339))
	}
	if !o.OK() || status == "" {
		return
	}
	if status == feedback.StatusRESOLVED && resolved == nil {
		o.Resolved = &Stamp{At: now, ByWriter: true}
		resolved = &now
	}
	switch {
	case acknowledged != nil:
	case status == feedback.StatusACKNOWLEDGED:
		o.Acknowledged = &Stamp{At: now, ByWriter: true}
	case status == feedback.StatusRESOLVED:
		o.Acknowledged = &Stamp{At: *resolved, ByWriter: o.Resolved != nil}
	}
}

func rank(s feedback.Status) int {
	switch s {
	case feedback.StatusACKNOWLEDGED:
		return 1
	case feedback.StatusRESOLVED:
		return 2
	}
	return 0
}

func describe(s feedback.Status) string {
	if s == "" {
		return "feedback of another kind"
	}
	return "one that is " + string(s)
}

func firstOf(ts ...*time.Time) *time.Time {
	for _, t := range ts {
		if t != nil {
			return t
		}
	}
	return nil
}
