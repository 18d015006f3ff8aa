package graph_test

import (
	"sort"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

type timelinePage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
	Edges []struct {
		Cursor string
		Node   struct {
			At     string
			Pinned bool
			Item   struct {
				Typename string `json:"__typename"`
				ID       string
				Kind     string
				At       string
				Contract struct{ ID string }
			}
		}
	}
}

func (c *client) timeline(accountID string, first int, after *string, kinds []string) timelinePage {
	c.t.Helper()
	vars := map[string]any{"id": accountID, "first": first}
	if after != nil {
		vars["after"] = *after
	}
	if kinds != nil {
		vars["kinds"] = kinds
	}
	var out struct {
		Node struct{ Timeline timelinePage }
	}
	c.ok(`query($id: ID!, $first: Int, $after: Cursor, $kinds: [TimelineKind!]) { node(id: $id) { ... on Account {
		timeline(first: $first, after: $after, kinds: $kinds) {
			totalCount pageInfo { hasNextPage endCursor }
			edges { cursor node { at pinned item { __typename
				... on Interaction { id } ... on Feedback { id } ... on ContractEvent { kind at contract { id } } } } } } } } }`, vars, &out)
	return out.Node.Timeline
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
			c.ok(`mutation($id: ID!) { acknowledgeComplaint(id: $id) { id } }`, map[string]any{"id": id}, nil)
		case "RESOLVED":
			c.ok(`mutation($id: ID!) { resolveComplaint(id: $id, resolution: "done") { id } }`, map[string]any{"id": id}, nil)
		}
		add(f.label, id, now.Add(days(f.d)))
	}
	contract := func(label, status string, start, end float64, signed *float64, events map[string]float64) {
		in := map[string]any{"accountID": w.account, "number": label, "status": status, "currency": "USD",
			"startDate": ts(now.Add(days(start))), "endDate": ts(now.Add(days(end))), "renewalNoticeDays": 30}
		if signed != nil {
			in["signedAt"] = ts(now.Add(days(*signed)))
		}
		var out struct{ CreateContract struct{ ID string } }
		c.ok(`mutation($in: CreateContractInput!) { createContract(input: $in) { id } }`, map[string]any{"in": in}, &out)
		for kind, d := range events {
			add(label+":"+kind, out.CreateContract.ID+":"+kind, now.Add(days(d)))
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
		key := e.Node.Item.ID
		if e.Node.Item.Typename == "ContractEvent" {
			key = e.Node.Item.Contract.ID + ":" + e.Node.Item.Kind
			if !parseTS(t, e.Node.Item.At).Equal(parseTS(t, e.Node.At)) {
				t.Errorf("contract event at %s, entry at %s", e.Node.Item.At, e.Node.At)
			}
		}
		label, ok := w.label[key]
		if !ok {
			t.Errorf("unexpected entry %s %s", e.Node.Item.Typename, key)
			continue
		}
		if at := parseTS(t, e.Node.At); !at.Equal(w.at[label]) {
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
func (w *timelineWorld) walk(t *testing.T, size int, kinds []string, total int) []string {
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
			kinds []string
			keep  func(string) bool
		}{
			{[]string{"CONTRACT_EVENT"}, isKind("C")},
			{[]string{"FEEDBACK"}, isKind("F")},
			{[]string{"INTERACTION"}, isKind("I")},
			{[]string{"INTERACTION", "FEEDBACK"}, isKind("I", "F")},
			{[]string{"FEEDBACK", "CONTRACT_EVENT", "INTERACTION"}, nil},
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
		w.c.ok(`mutation($id: ID!) { acknowledgeComplaint(id: $id) { id } }`, map[string]any{"id": f3}, nil)
		w.pinned["F3"] = false
		got := w.labels(t, w.c.timeline(w.account, 5, nil, nil))
		if !sameList(got, []string{"F2", "C3:ENDS", "C1:ENDS", "C1:RENEWAL_NOTICE_DUE", "I3"}) {
			t.Errorf("after acknowledging F3: %v", got)
		}
		got = w.labels(t, w.c.timeline(w.account, 100, nil, nil))
		if len(got) < 6 || got[5] != "F3" {
			t.Errorf("F3 (2 days ago) should follow I3 (1 day ago): %v", got)
		}

		w.c.fail("BAD_USER_INPUT", `query($id: ID!) { node(id: $id) { ... on Account { timeline(first: 5, after: "bm9wZQ") { totalCount } } } }`,
			map[string]any{"id": w.account})
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
