// Package timeline merges what happened on an account into one history, newest first:
// interactions, feedback and contract events (upcoming ones too, such as a renewal notice
// falling due), with open complaints pinned on top. It is what someone picking up the
// customer's call needs to see.
package timeline

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// Kind is a kind of timeline entry.
type Kind string

// The kinds of entries.
const (
	KindInteraction   Kind = "INTERACTION"
	KindFeedback      Kind = "FEEDBACK"
	KindContractEvent Kind = "CONTRACT_EVENT"
)

// EventKind is what happened to a contract.
type EventKind string

// The contract events.
const (
	Signed           EventKind = "SIGNED"
	Started          EventKind = "STARTED"
	RenewalNoticeDue EventKind = "RENEWAL_NOTICE_DUE" // the last day to give notice (active contracts)
	Ends             EventKind = "ENDS"               // the end date of a draft or active contract
	Ended            EventKind = "ENDED"              // the end of an expired or terminated contract
)

// ContractEvent is a dated event in a contract's life.
type ContractEvent struct {
	Kind     EventKind
	At       time.Time
	Contract *ent.Contract
}

// Entry is one item of the timeline: exactly one of Interaction, Feedback and ContractEvent.
type Entry struct {
	At            time.Time
	Pinned        bool // an open complaint
	Interaction   *ent.Interaction
	Feedback      *ent.Feedback
	ContractEvent *ContractEvent
	id            string
}

// Cursor returns the entry's position, for paging after it.
func (e Entry) Cursor() string {
	pinned := "0"
	if e.Pinned {
		pinned = "1"
	}
	return pinned + "|" + strconv.FormatInt(e.At.UnixNano(), 10) + "|" + e.id
}

// position is a decoded cursor.
type position struct {
	pinned bool
	at     time.Time
	id     string
}

func parseCursor(s string) (position, error) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) != 3 || (parts[0] != "0" && parts[0] != "1") {
		return position{}, errs.InvalidCursor("after")
	}
	ns, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return position{}, errs.InvalidCursor("after")
	}
	return position{pinned: parts[0] == "1", at: time.Unix(0, ns), id: parts[2]}, nil
}

// before reports whether e comes after the position in timeline order (pinned first, then
// newest first, ties by id).
func (p position) before(e Entry) bool {
	if p.pinned != e.Pinned {
		return p.pinned
	}
	if !e.At.Equal(p.at) {
		return e.At.Before(p.at)
	}
	return e.id < p.id
}

func compare(a, b Entry) int {
	if a.Pinned != b.Pinned {
		if a.Pinned {
			return -1
		}
		return 1
	}
	return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.id, a.id))
}

// Page is a page of the timeline.
type Page struct {
	Entries     []Entry
	HasNextPage bool
	TotalCount  int
}

// Query selects a page of an account's timeline.
type Query struct {
	AccountID string
	Kinds     []Kind // all when empty
	First     int
	After     string // a cursor, or empty for the start
}

// Of returns a page of the account's timeline. Each source is read newest first from the
// cursor on, at most one page of each, and the pages are merged.
func Of(ctx context.Context, c *ent.Client, q Query) (*Page, error) {
	var from *position
	if q.After != "" {
		p, err := parseCursor(q.After)
		if err != nil {
			return nil, err
		}
		from = &p
	}
	wants := func(k Kind) bool { return len(q.Kinds) == 0 || slices.Contains(q.Kinds, k) }
	var entries []Entry
	total := 0
	limit := q.First + 1
	if wants(KindFeedback) {
		fb, n, err := feedbackEntries(ctx, c, q.AccountID, from, limit)
		if err != nil {
			return nil, err
		}
		entries, total = append(entries, fb...), total+n
	}
	if wants(KindInteraction) {
		in, n, err := interactionEntries(ctx, c, q.AccountID, from, limit)
		if err != nil {
			return nil, err
		}
		entries, total = append(entries, in...), total+n
	}
	if wants(KindContractEvent) {
		ev, err := contractEntries(ctx, c, q.AccountID)
		if err != nil {
			return nil, err
		}
		total += len(ev)
		for _, e := range ev {
			if from == nil || from.before(e) {
				entries = append(entries, e)
			}
		}
	}
	slices.SortFunc(entries, compare)
	page := &Page{TotalCount: total}
	if len(entries) > q.First {
		page.HasNextPage = true
		entries = entries[:q.First]
	}
	page.Entries = entries
	return page, nil
}

func feedbackEntries(ctx context.Context, c *ent.Client, accountID string, from *position, limit int) ([]Entry, int, error) {
	base := func() *ent.FeedbackQuery {
		return c.Feedback.Query().Where(feedback.AccountID(accountID)).WithAuthor().WithCapturedBy()
	}
	open := feedback.And(feedback.KindEQ(feedback.KindCOMPLAINT), feedback.StatusEQ(feedback.StatusOPEN))
	total, err := base().Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("counting feedback: %w", err)
	}
	var out []Entry
	// Pinned open complaints come first: read them unless the cursor is already past them.
	if from == nil || from.pinned {
		q := base().Where(open)
		if from != nil {
			q = q.Where(afterPosition(feedback.FieldReceivedAt, from))
		}
		pinned, err := q.Order(feedback.ByReceivedAt(entsql.OrderDesc()), feedback.ByID(entsql.OrderDesc())).Limit(limit).All(ctx)
		if err != nil {
			return nil, 0, err
		}
		for _, f := range pinned {
			out = append(out, Entry{At: f.ReceivedAt, Pinned: true, Feedback: f, id: f.ID})
		}
	}
	q := base().Where(feedback.Not(open))
	if from != nil && !from.pinned {
		q = q.Where(afterPosition(feedback.FieldReceivedAt, from))
	}
	rest, err := q.Order(feedback.ByReceivedAt(entsql.OrderDesc()), feedback.ByID(entsql.OrderDesc())).Limit(limit).All(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, f := range rest {
		out = append(out, Entry{At: f.ReceivedAt, Feedback: f, id: f.ID})
	}
	return out, total, nil
}

func interactionEntries(ctx context.Context, c *ent.Client, accountID string, from *position, limit int) ([]Entry, int, error) {
	base := c.Interaction.Query().Where(interaction.AccountID(accountID))
	total, err := base.Clone().Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("counting interactions: %w", err)
	}
	q := base.WithHandledBy()
	if from != nil && !from.pinned {
		q = q.Where(afterPosition(interaction.FieldOccurredAt, from))
	}
	rows, err := q.Order(interaction.ByOccurredAt(entsql.OrderDesc()), interaction.ByID(entsql.OrderDesc())).Limit(limit).All(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Entry, len(rows))
	for i, in := range rows {
		out[i] = Entry{At: in.OccurredAt, Interaction: in, id: in.ID}
	}
	return out, total, nil
}

// afterPosition selects rows that come after the position: older, or as old with a smaller id.
func afterPosition(timeColumn string, p *position) func(*entsql.Selector) {
	return func(s *entsql.Selector) {
		s.Where(entsql.Or(
			entsql.LT(s.C(timeColumn), p.at),
			entsql.And(entsql.EQ(s.C(timeColumn), p.at), entsql.LT(s.C("id"), p.id)),
		))
	}
}

// contractEntries lists the dated events of the account's contracts; an account has few.
func contractEntries(ctx context.Context, c *ent.Client, accountID string) ([]Entry, error) {
	contracts, err := c.Contract.Query().Where(contract.AccountID(accountID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading contracts: %w", err)
	}
	var out []Entry
	add := func(k EventKind, at time.Time, ctr *ent.Contract) {
		out = append(out, Entry{At: at, ContractEvent: &ContractEvent{Kind: k, At: at, Contract: ctr}, id: ctr.ID + ":" + string(k)})
	}
	for _, ctr := range contracts {
		if ctr.SignedAt != nil {
			add(Signed, *ctr.SignedAt, ctr)
		}
		if ctr.Status != contract.StatusDRAFT {
			add(Started, ctr.StartDate, ctr)
		}
		switch ctr.Status {
		case contract.StatusACTIVE:
			add(RenewalNoticeDue, ctr.EndDate.AddDate(0, 0, -ctr.RenewalNoticeDays), ctr)
			add(Ends, ctr.EndDate, ctr)
		case contract.StatusDRAFT:
			add(Ends, ctr.EndDate, ctr)
		default:
			add(Ended, ctr.EndDate, ctr)
		}
	}
	return out, nil
}

// Item is what an entry holds: an *ent.Interaction, an *ent.Feedback or a *ContractEvent.
type Item interface{}

// Item returns what the entry holds.
func (e Entry) Item() Item {
	switch {
	case e.Interaction != nil:
		return e.Interaction
	case e.Feedback != nil:
		return e.Feedback
	}
	return e.ContractEvent
}
