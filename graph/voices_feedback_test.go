package graph_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

func (c *client) person(name string) string {
	c.t.Helper()
	var out struct{ CreatePerson struct{ ID string } }
	c.ok(`mutation($in: CreatePersonInput!) { createPerson(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": name, "email": email(name)}}, &out)
	return out.CreatePerson.ID
}

func (c *client) feedbackCount(accountID string) int {
	c.t.Helper()
	var out struct{ Feedback struct{ TotalCount int } }
	c.ok(`query($id: ID!) { feedback(first: 1, where: {accountID: $id}) { totalCount } }`, map[string]any{"id": accountID}, &out)
	return out.Feedback.TotalCount
}

const captureMutation = `mutation($in: CaptureFeedbackInput!) { captureFeedback(input: $in) {
	id persona channel kind authorID accountID capturedBy { subject } } }`

func TestCaptureFeedbackPersona(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		acc := c.createAccount("Wayne Enterprises", nil)
		other := c.createAccount("LexCorp", nil)
		buyer := c.buyer(acc, "Lucius Fox")
		user := c.endUser(acc, "Alfred Pennyworth", nil)
		both := c.buyer(acc, "Bruce Wayne")
		c.endUser(acc, "Bruce Wayne", nil)
		stranger := c.person("Selina Kyle")
		elsewhere := c.buyer(other, "Lex Luthor")
		c.endUser(other, "Lucius Fox", nil) // an end user elsewhere: irrelevant here

		accepted := 0
		for _, tc := range []struct {
			name    string
			author  string
			persona string // "" for none given
			want    string // the persona, or the field of the BAD_USER_INPUT error
			refused bool
		}{
			{"buying contact", buyer, "", "PURCHASER", false},
			{"end user", user, "", "END_USER", false},
			{"both, unsaid", both, "", "persona", true},
			{"both, as purchaser", both, "PURCHASER", "PURCHASER", false},
			{"both, as end user", both, "END_USER", "END_USER", false},
			{"neither", stranger, "", "authorID", true},
			{"buyer of another account", elsewhere, "", "authorID", true},
			{"buyer speaking as end user", buyer, "END_USER", "persona", true},
			{"end user speaking as purchaser", user, "PURCHASER", "persona", true},
			{"stranger with a persona", stranger, "PURCHASER", "persona", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := map[string]any{"accountID": acc, "authorID": tc.author, "channel": "EMAIL", "kind": "COMMENT", "body": tc.name}
				if tc.persona != "" {
					in["persona"] = tc.persona
				}
				r := env.Do(c.tok, captureMutation, map[string]any{"in": in})
				if tc.refused {
					if e := r.MustFail(t, "BAD_USER_INPUT"); e.Field() != tc.want {
						t.Errorf("refused on field %q (%s), want %q", e.Field(), e.Message, tc.want)
					}
					return
				}
				var out struct {
					CaptureFeedback struct {
						Persona, Channel, Kind, AuthorID, AccountID string
						CapturedBy                                  struct{ Subject string }
					}
				}
				r.MustOK(t, &out)
				accepted++
				f := out.CaptureFeedback
				if f.Persona != tc.want || f.AuthorID != tc.author || f.AccountID != acc || f.Channel != "EMAIL" ||
					f.Kind != "COMMENT" || f.CapturedBy.Subject != "alice" {
					t.Errorf("captured %+v, want persona %s by alice", f, tc.want)
				}
			})
		}
		// An account that does not exist is not found, whoever the author.
		for _, author := range []string{buyer, stranger} {
			r := env.Do(c.tok, captureMutation, map[string]any{"in": map[string]any{"accountID": "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
				"authorID": author, "channel": "EMAIL", "kind": "PRAISE"}})
			if e := r.MustFail(t, "NOT_FOUND"); e.Field() != "accountID" {
				t.Errorf("an unknown account: field %q (%s), want accountID", e.Field(), e.Message)
			}
		}

		// A refused capture stores nothing.
		if n := c.feedbackCount(acc); n != accepted || accepted != 4 {
			t.Errorf("%d feedback stored, %d accepted; want 4", n, accepted)
		}

		// Changing the persona later is checked the same way.
		id := c.feedback(map[string]any{"accountID": acc, "authorID": buyer, "kind": "NPS", "score": 9})
		e := c.fail("BAD_USER_INPUT", `mutation($id: ID!) { updateFeedback(id: $id, input: {persona: END_USER}) { id } }`,
			map[string]any{"id": id})
		if e.Field() != "persona" {
			t.Errorf("updating to a wrong persona: field %q", e.Field())
		}
		bothID := c.feedback(map[string]any{"accountID": acc, "authorID": both, "persona": "PURCHASER", "kind": "NPS", "score": 9})
		var out struct{ UpdateFeedback struct{ Persona string } }
		c.ok(`mutation($id: ID!) { updateFeedback(id: $id, input: {persona: END_USER}) { persona } }`, map[string]any{"id": bothID}, &out)
		if out.UpdateFeedback.Persona != "END_USER" {
			t.Errorf("persona after update %s", out.UpdateFeedback.Persona)
		}
	})
}

type complaintOut struct {
	ID             string
	Kind           string
	Status         *string
	Version        int
	AcknowledgedAt *string
	AcknowledgedBy *struct{ Subject string }
	ResolvedAt     *string
	ResolvedBy     *struct{ Subject string }
	Resolution     *string
}

const complaintFields = `id kind status version acknowledgedAt acknowledgedBy { subject } resolvedAt resolvedBy { subject } resolution`

func TestComplaintWorkflow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		alice := newClient(t, env, "ADMIN", "alice")
		bob := newClient(t, env, "ADMIN", "bob")
		acc := alice.createAccount("Acme Rockets", nil)
		author := alice.endUser(acc, "Wile Coyote", nil)
		complaint := func() string {
			return alice.feedback(map[string]any{"accountID": acc, "authorID": author, "kind": "COMPLAINT", "body": "the rocket exploded"})
		}
		get := func(id string) complaintOut {
			t.Helper()
			var out struct{ Node complaintOut }
			alice.ok(`query($id: ID!) { node(id: $id) { ... on Feedback { `+complaintFields+` } } }`, map[string]any{"id": id}, &out)
			return out.Node
		}
		move := func(c *client, mutation, id string) complaintOut {
			t.Helper()
			var out map[string]complaintOut
			q := `mutation($id: ID!) { ` + mutation + ` { ` + complaintFields + ` } }`
			c.ok(q, map[string]any{"id": id}, &out)
			for _, v := range out {
				return v
			}
			return complaintOut{}
		}
		within := func(what string, s *string, from, to time.Time) {
			t.Helper()
			if s == nil {
				t.Errorf("%s is null", what)
				return
			}
			if at := parseTS(t, *s); at.Before(from.Add(-time.Second)) || at.After(to.Add(time.Second)) {
				t.Errorf("%s = %v, want between %v and %v", what, at, from, to)
			}
		}
		status := func(f complaintOut) string {
			if f.Status == nil {
				return "null"
			}
			return *f.Status
		}
		by := func(s *struct{ Subject string }) string {
			if s == nil {
				return ""
			}
			return s.Subject
		}

		// OPEN → ACKNOWLEDGED → RESOLVED, each move recorded with who and when.
		c1 := complaint()
		f := get(c1)
		if status(f) != "OPEN" || f.AcknowledgedAt != nil || f.AcknowledgedBy != nil || f.ResolvedAt != nil || f.ResolvedBy != nil {
			t.Fatalf("a new complaint: %s", dump(f))
		}
		before := time.Now()
		f = move(alice, "acknowledgeComplaint(id: $id)", c1)
		after := time.Now()
		if status(f) != "ACKNOWLEDGED" || by(f.AcknowledgedBy) != "alice" || f.ResolvedAt != nil || f.ResolvedBy != nil {
			t.Errorf("acknowledged: %s", dump(f))
		}
		within("acknowledgedAt", f.AcknowledgedAt, before, after)
		acknowledged := f

		before = time.Now()
		f = move(bob, `resolveComplaint(id: $id, resolution: "sent a new rocket")`, c1)
		after = time.Now()
		if status(f) != "RESOLVED" || by(f.ResolvedBy) != "bob" || f.Resolution == nil || *f.Resolution != "sent a new rocket" {
			t.Errorf("resolved: %s", dump(f))
		}
		within("resolvedAt", f.ResolvedAt, before, after)
		if by(f.AcknowledgedBy) != "alice" || f.AcknowledgedAt == nil || *f.AcknowledgedAt != *acknowledged.AcknowledgedAt {
			t.Errorf("resolving changed the acknowledgement: %s, was %s", dump(f), dump(acknowledged))
		}
		resolved := get(c1)

		// No going back, by any path; a refused move changes nothing.
		for _, back := range []struct {
			client *client
			q      string
		}{
			{alice, `updateFeedback(id: $id, input: {status: OPEN}) { id }`},
			{alice, `updateFeedback(id: $id, input: {status: ACKNOWLEDGED}) { id }`},
			{alice, `updateFeedback(id: $id, input: {clearStatus: true}) { id }`},
			{bob, `acknowledgeComplaint(id: $id) { id }`},
		} {
			e := back.client.fail("BAD_USER_INPUT", `mutation($id: ID!) { `+back.q+` }`, map[string]any{"id": c1})
			if e.Field() != "status" {
				t.Errorf("%s: refused on field %q (%s), want status", back.q, e.Field(), e.Message)
			}
		}
		if now := get(c1); dump(now) != dump(resolved) {
			t.Errorf("refused moves changed the complaint: %s, was %s", dump(now), dump(resolved))
		}

		// Resolving an open complaint acknowledges it too.
		c2 := complaint()
		before = time.Now()
		f = move(bob, `resolveComplaint(id: $id, resolution: "refund")`, c2)
		after = time.Now()
		if status(f) != "RESOLVED" || by(f.AcknowledgedBy) != "bob" || by(f.ResolvedBy) != "bob" {
			t.Errorf("resolved while open: %s", dump(f))
		}
		within("acknowledgedAt", f.AcknowledgedAt, before, after)
		within("resolvedAt", f.ResolvedAt, before, after)

		// updateFeedback(status) moves forward the same way.
		c3 := complaint()
		f = move(alice, `updateFeedback(id: $id, input: {status: ACKNOWLEDGED})`, c3)
		if status(f) != "ACKNOWLEDGED" || by(f.AcknowledgedBy) != "alice" || f.AcknowledgedAt == nil || f.ResolvedAt != nil {
			t.Errorf("acknowledged by updateFeedback: %s", dump(f))
		}
		e := alice.fail("BAD_USER_INPUT", `mutation($id: ID!) { updateFeedback(id: $id, input: {status: OPEN}) { id } }`, map[string]any{"id": c3})
		if e.Field() != "status" {
			t.Errorf("ACKNOWLEDGED → OPEN refused on field %q", e.Field())
		}
		f = move(bob, `updateFeedback(id: $id, input: {status: RESOLVED})`, c3)
		if status(f) != "RESOLVED" || by(f.AcknowledgedBy) != "alice" || by(f.ResolvedBy) != "bob" || f.ResolvedAt == nil {
			t.Errorf("resolved by updateFeedback: %s", dump(f))
		}
		c4 := complaint()
		f = move(alice, `updateFeedback(id: $id, input: {status: RESOLVED})`, c4)
		if status(f) != "RESOLVED" || by(f.AcknowledgedBy) != "alice" || by(f.ResolvedBy) != "alice" || f.AcknowledgedAt == nil {
			t.Errorf("OPEN → RESOLVED by updateFeedback: %s", dump(f))
		}

		// Only complaints have a workflow.
		comment := alice.feedback(map[string]any{"accountID": acc, "authorID": author, "kind": "COMMENT", "body": "nice anvil"})
		for _, q := range []string{`acknowledgeComplaint(id: $id) { id }`, `resolveComplaint(id: $id, resolution: "x") { id }`} {
			if e := alice.fail("BAD_USER_INPUT", `mutation($id: ID!) { `+q+` }`, map[string]any{"id": comment}); e.Field() != "id" {
				t.Errorf("%s on a comment: field %q", q, e.Field())
			}
		}
		if e := alice.fail("BAD_USER_INPUT", `mutation($id: ID!) { updateFeedback(id: $id, input: {status: ACKNOWLEDGED}) { id } }`,
			map[string]any{"id": comment}); e.Field() != "status" {
			t.Errorf("a status on a comment: field %q", e.Field())
		}
		if f := get(comment); f.Status != nil || f.AcknowledgedAt != nil {
			t.Errorf("the comment changed: %s", dump(f))
		}
		alice.fail("NOT_FOUND", `mutation { acknowledgeComplaint(id: "fbk_01ARZ3NDEKTSV4RRFFQ69G5FAV") { id } }`, nil)
	})
}
