package graph_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

type timelinePage = gqltest.AccountTimelineNodeAccountTimelineTimelineConnection

type (
	timelineInteraction   = gqltest.AccountTimelineNodeAccountTimelineTimelineConnectionEdgesTimelineEdgeNodeTimelineEntryItemInteraction
	timelineFeedback      = gqltest.AccountTimelineNodeAccountTimelineTimelineConnectionEdgesTimelineEdgeNodeTimelineEntryItemFeedback
	timelineContractEvent = gqltest.AccountTimelineNodeAccountTimelineTimelineConnectionEdgesTimelineEdgeNodeTimelineEntryItemContractEvent
)

func (c *client) timeline(accountID string, first int, after *string, kinds []gqltest.TimelineKind) timelinePage {
	c.t.Helper()
	out := gqltest.Data(gqltest.AccountTimeline(context.Background(), c.api, accountID, &first, after, kinds))
	return asNode[*gqltest.AccountTimelineNodeAccount](c.t, out.Node, accountID).Timeline
}

// timelineWorld is an account with interactions, feedback and contracts at known times.
type timelineWorld struct {
	c       *client
	account string
	label   map[string]string    // entity id (or contract id:event) → label
	at      map[string]time.Time // label → when
	pinned  map[string]bool
}

func newTimelineWorld(t *testing.T, env *apitest.Env) *timelineWorld {
	c := newClient(t, env, "ADMIN", "alice")
	w := &timelineWorld{c: c, label: map[string]string{}, at: map[string]time.Time{}, pinned: map[string]bool{}}
	w.account = c.createAccount("Vandelay Industries", nil)
	author := c.endUser(w.account, "Art Vandelay", nil)
	now := time.Now().Truncate(time.Second)
	add := func(label, id string, at time.Time) {
		w.label[id], w.at[label] = label, at
	}
	for label, d := range map[string]float64{"I1": -10, "I2": -3, "I3": -1, "I4": -3} {
		add(label, c.interaction(w.account, label, now.Add(days(d))), now.Add(days(d)))
	}
	for _, f := range []struct {
		label, kind, status string
		d                   float64
	}{
		{"F1", "COMMENT", "", -5},
		{"F2", "COMPLAINT", "OPEN", -20},
		{"F3", "COMPLAINT", "OPEN", -2},
		{"F4", "COMPLAINT", "RESOLVED", -4},
		{"F5", "NPS", "", -6},
		{"F6", "COMMENT", "", -3}, // at the same time as I2 and I4
		{"F7", "COMPLAINT", "ACKNOWLEDGED", -7},
	} {
		in := map[string]any{"accountID": w.account, "authorID": author, "kind": f.kind, "receivedAt": ts(now.Add(days(f.d)))}
		if f.kind == "NPS" {
			in["score"] = 8
		}
		id := c.feedback(in)
		switch f.status {
		case "OPEN":
			w.pinned[f.label] = true
		case "ACKNOWLEDGED":
			gqltest.AcknowledgeComplaint(context.Background(), c.api, id)
		case "RESOLVED":
			gqltest.ResolveComplaint(context.Background(), c.api, id, "done")
		}
		add(f.label, id, now.Add(days(f.d)))
	}
	contract := func(label, status string, start, end float64, signed *float64, events map[string]float64) {
		in := gqltest.CreateContractInput{AccountID: w.account, Number: label, Status: ptr(gqltest.ContractStatus(status)),
			Currency: "USD", StartDate: now.Add(days(start)), EndDate: now.Add(days(end)), RenewalNoticeDays: ptr(30)}
		if signed != nil {
			in.SignedAt = ptr(now.Add(days(*signed)))
		}
		id := gqltest.Data(gqltest.CreateContract(context.Background(), c.api, in)).CreateContract.Id
		for kind, d := range events {
			add(label+":"+kind, id+":"+kind, now.Add(days(d)))
		}
	}
	contract("C1", "ACTIVE", -100, 50, ptr(-110.0), map[string]float64{"SIGNED": -110, "STARTED": -100, "RENEWAL_NOTICE_DUE": 20, "ENDS": 50})
	contract("C2", "EXPIRED", -400, -35, nil, map[string]float64{"STARTED": -400, "ENDED": -35})
	contract("C3", "DRAFT", 10, 375, nil, map[string]float64{"ENDS": 375})
	contract("C4", "TERMINATED", -300, -200, ptr(-310.0), map[string]float64{"SIGNED": -310, "STARTED": -300, "ENDED": -200})
	return w
}

// labels names the entries of a page, checking each entry's time and pin.
func (w *timelineWorld) labels(t *testing.T, p timelinePage) []string {
	t.Helper()
	var out []string
	for _, e := range p.Edges {
		var key string
		switch item := e.Node.Item.(type) {
		case *timelineInteraction:
			key = item.Id
		case *timelineFeedback:
			key = item.Id
		case *timelineContractEvent:
			key = item.Contract.Id + ":" + string(item.Kind)
			if !item.At.Equal(e.Node.At) {
				t.Errorf("contract event at %v, entry at %v", item.At, e.Node.At)
			}
		}
		label, ok := w.label[key]
		if !ok {
			t.Errorf("unexpected entry %T %s", e.Node.Item, key)
			continue
		}
		if at := e.Node.At; !at.Equal(w.at[label]) {
			t.Errorf("%s at %v, want %v", label, at, w.at[label])
		}
		if e.Node.Pinned != w.pinned[label] {
			t.Errorf("%s pinned %v, want %v", label, e.Node.Pinned, w.pinned[label])
		}
		out = append(out, label)
	}
	return out
}

// expected is the timeline's order by hand: open complaints, then newest first; entries at
// the same time by id, greatest first.
func (w *timelineWorld) expected(keep func(label string) bool) []string {
	tie := []string{"I2", "I4", "F6"} // all three 3 days ago
	ids := map[string]string{}
	for id, label := range w.label {
		ids[label] = id
	}
	sort.Slice(tie, func(i, j int) bool { return ids[tie[i]] > ids[tie[j]] })
	var order []string
	order = append(order, "F3", "F2") // open complaints, newest first
	order = append(order, "C3:ENDS", "C1:ENDS", "C1:RENEWAL_NOTICE_DUE", "I3")
	order = append(order, tie...)
	order = append(order, "F4", "F1", "F5", "F7", "I1", "C2:ENDED", "C1:STARTED", "C1:SIGNED",
		"C4:ENDED", "C4:STARTED", "C4:SIGNED", "C2:STARTED")
	var out []string
	for _, l := range order {
		if keep == nil || keep(l) {
			out = append(out, l)
		}
	}
	return out
}

// walk pages through the timeline and checks every page.
func (w *timelineWorld) walk(t *testing.T, size int, kinds []gqltest.TimelineKind, total int) []string {
	t.Helper()
	var all []string
	var after *string
	for page := 0; ; page++ {
		p := w.c.timeline(w.account, size, after, kinds)
		if p.TotalCount != total {
			t.Errorf("size %d page %d: totalCount %d, want %d", size, page, p.TotalCount, total)
		}
		if len(p.Edges) > size {
			t.Fatalf("size %d page %d: %d entries", size, page, len(p.Edges))
		}
		all = append(all, w.labels(t, p)...)
		if !p.PageInfo.HasNextPage {
			break
		}
		if len(p.Edges) != size || p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor {
			t.Fatalf("size %d page %d: a short page with more to come: %s", size, page, dump(p))
		}
		if page > total {
			t.Fatalf("size %d: paging does not end", size)
		}
		after = p.PageInfo.EndCursor
	}
	seen := map[string]bool{}
	for _, l := range all {
		if seen[l] {
			t.Errorf("size %d: %s appears twice in %v", size, l, all)
		}
		seen[l] = true
	}
	return all
}

func TestTimelineOrder(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		w := newTimelineWorld(t, env)
		want := w.expected(nil)
		if len(want) != 21 {
			t.Fatalf("the hand-made order has %d entries", len(want))
		}
		p := w.c.timeline(w.account, 100, nil, nil)
		if got := w.labels(t, p); !sameList(got, want) {
			t.Errorf("timeline\n got %v\nwant %v", got, want)
		}
		if p.TotalCount != 21 || p.PageInfo.HasNextPage {
			t.Errorf("totalCount %d hasNextPage %v, want 21 false", p.TotalCount, p.PageInfo.HasNextPage)
		}

		isKind := func(prefixes ...string) func(string) bool {
			return func(l string) bool {
				for _, p := range prefixes {
					if l[:1] == p {
						return true
					}
				}
				return false
			}
		}
		for _, tc := range []struct {
			kinds []gqltest.TimelineKind
			keep  func(string) bool
		}{
			{[]gqltest.TimelineKind{gqltest.TimelineKindContractEvent}, isKind("C")},
			{[]gqltest.TimelineKind{gqltest.TimelineKindFeedback}, isKind("F")},
			{[]gqltest.TimelineKind{gqltest.TimelineKindInteraction}, isKind("I")},
			{[]gqltest.TimelineKind{gqltest.TimelineKindInteraction, gqltest.TimelineKindFeedback}, isKind("I", "F")},
			{[]gqltest.TimelineKind{gqltest.TimelineKindFeedback, gqltest.TimelineKindContractEvent, gqltest.TimelineKindInteraction}, nil},
		} {
			want := w.expected(tc.keep)
			p := w.c.timeline(w.account, 100, nil, tc.kinds)
			if got := w.labels(t, p); !sameList(got, want) || p.TotalCount != len(want) {
				t.Errorf("kinds %v: %v (totalCount %d), want %v", tc.kinds, got, p.TotalCount, want)
			}
			if got := w.walk(t, 3, tc.kinds, len(want)); !sameList(got, want) {
				t.Errorf("kinds %v by 3: %v, want %v", tc.kinds, got, want)
			}
		}

		// Acknowledged, a complaint is no longer pinned: it takes its place by time.
		var f3 string
		for id, l := range w.label {
			if l == "F3" {
				f3 = id
			}
		}
		gqltest.AcknowledgeComplaint(context.Background(), w.c.api, f3)
		w.pinned["F3"] = false
		got := w.labels(t, w.c.timeline(w.account, 5, nil, nil))
		if !sameList(got, []string{"F2", "C3:ENDS", "C1:ENDS", "C1:RENEWAL_NOTICE_DUE", "I3"}) {
			t.Errorf("after acknowledging F3: %v", got)
		}
		got = w.labels(t, w.c.timeline(w.account, 100, nil, nil))
		if len(got) < 6 || got[5] != "F3" {
			t.Errorf("F3 (2 days ago) should follow I3 (1 day ago): %v", got)
		}

		_, err := gqltest.AccountTimeline(context.Background(), gqltest.WithToken(env, w.c.tok), w.account, ptr(5), ptr("bm9wZQ"), nil)
		if code, _ := gqltest.Code(err); code != "BAD_USER_INPUT" {
			t.Errorf("timeline after a bad cursor: %v, want BAD_USER_INPUT", err)
		}
	})
}

// Every page size yields every entry exactly once, in order.
func TestTimelinePaging(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		w := newTimelineWorld(t, env)
		want := w.expected(nil)
		for size := 1; size <= len(want)+1; size++ {
			if got := w.walk(t, size, nil, len(want)); !sameList(got, want) {
				t.Errorf("pages of %d: %v\nwant %v", size, got, want)
			}
		}
		// An empty page asks for nothing and says there is more.
		p := w.c.timeline(w.account, 0, nil, nil)
		if len(p.Edges) != 0 || !p.PageInfo.HasNextPage || p.TotalCount != len(want) {
			t.Errorf("first 0: %s", dump(p))
		}
	})
}
