package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

func (c *client) person(name string) string {
	c.t.Helper()
	return gqltest.Data(gqltest.CreatePerson(context.Background(), c.api,
		gqltest.CreatePersonInput{Name: name, Email: email(name)})).CreatePerson.Id
}

func (c *client) feedbackCount(accountID string) int {
	c.t.Helper()
	return gqltest.Data(gqltest.FeedbackCount(context.Background(), c.api, accountID)).Feedback.TotalCount
}

// failsWith checks that the operation failed with the code and returns the field named.
func failsWith(t *testing.T, code string, err error) string {
	t.Helper()
	got, field := gqltest.Code(err)
	if got != code {
		t.Fatalf("error %v, want %s", err, code)
	}
	return field
}

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
				out, err := gqltest.CaptureFeedbackPersona(context.Background(), gqltest.WithToken(env, c.tok),
					typedInput[gqltest.CaptureFeedbackInput](t, in))
				if tc.refused {
					if field := refused(t, err); field != tc.want {
						t.Errorf("refused on field %q (%v), want %q", field, err, tc.want)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				accepted++
				f := out.CaptureFeedback
				capturedBy := ""
				if f.CapturedBy != nil {
					capturedBy = f.CapturedBy.Subject
				}
				if string(f.Persona) != tc.want || f.AuthorID != tc.author || f.AccountID != acc || f.Channel != "EMAIL" ||
					f.Kind != "COMMENT" || capturedBy != "alice" {
					t.Errorf("captured %s, want persona %s by alice", dump(f), tc.want)
				}
			})
		}
		// An account that does not exist is not found, whoever the author.
		for _, author := range []string{buyer, stranger} {
			_, err := gqltest.CaptureFeedbackPersona(context.Background(), gqltest.WithToken(env, c.tok),
				typedInput[gqltest.CaptureFeedbackInput](t, map[string]any{"accountID": "acc_01ARZ3NDEKTSV4RRFFQ69G5FAV",
					"authorID": author, "channel": "EMAIL", "kind": "PRAISE"}))
			if field := failsWith(t, "NOT_FOUND", err); field != "accountID" {
				t.Errorf("an unknown account: field %q (%v), want accountID", field, err)
			}
		}

		// A refused capture stores nothing.
		if n := c.feedbackCount(acc); n != accepted || accepted != 4 {
			t.Errorf("%d feedback stored, %d accepted; want 4", n, accepted)
		}

		// Changing the persona later is checked the same way.
		id := c.feedback(map[string]any{"accountID": acc, "authorID": buyer, "kind": "NPS", "score": 9})
		_, err := gqltest.SetFeedbackPersona(context.Background(), gqltest.WithToken(env, c.tok), id, gqltest.PersonaEndUser)
		if field := refused(t, err); field != "persona" {
			t.Errorf("updating to a wrong persona: field %q", field)
		}
		bothID := c.feedback(map[string]any{"accountID": acc, "authorID": both, "persona": "PURCHASER", "kind": "NPS", "score": 9})
		out := gqltest.Data(gqltest.SetFeedbackPersona(context.Background(), c.api, bothID, gqltest.PersonaEndUser))
		if out.UpdateFeedback.Persona != "END_USER" {
			t.Errorf("persona after update %s", out.UpdateFeedback.Persona)
		}
	})
}

type complaintOut = gqltest.ComplaintFields

func TestComplaintWorkflow(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		bg := context.Background()
		alice := newClient(t, env, "ADMIN", "alice")
		bob := newClient(t, env, "ADMIN", "bob")
		acc := alice.createAccount("Acme Rockets", nil)
		author := alice.endUser(acc, "Wile Coyote", nil)
		complaint := func() string {
			return alice.feedback(map[string]any{"accountID": acc, "authorID": author, "kind": "COMPLAINT", "body": "the rocket exploded"})
		}
		get := func(id string) complaintOut {
			t.Helper()
			return asNode[*gqltest.ComplaintNodeFeedback](t, gqltest.Data(gqltest.Complaint(bg, alice.api, id)).Node, id).ComplaintFields
		}
		acknowledge := func(c *client, id string) complaintOut {
			t.Helper()
			return gqltest.Data(gqltest.AcknowledgeComplaintFields(bg, c.api, id)).AcknowledgeComplaint.ComplaintFields
		}
		resolve := func(c *client, id, resolution string) complaintOut {
			t.Helper()
			return gqltest.Data(gqltest.ResolveComplaintFields(bg, c.api, id, resolution)).ResolveComplaint.ComplaintFields
		}
		setStatus := func(c *client, id string, status gqltest.FeedbackStatus) complaintOut {
			t.Helper()
			return gqltest.Data(gqltest.SetFeedbackStatus(bg, c.api, id, status)).UpdateFeedback.ComplaintFields
		}
		// try is the caller's client for operations that may fail.
		try := func(c *client) graphql.Client { return gqltest.WithToken(env, c.tok) }
		within := func(what string, at *time.Time, from, to time.Time) {
			t.Helper()
			if at == nil {
				t.Errorf("%s is null", what)
				return
			}
			if at.Before(from.Add(-time.Second)) || at.After(to.Add(time.Second)) {
				t.Errorf("%s = %v, want between %v and %v", what, *at, from, to)
			}
		}
		status := func(f complaintOut) string {
			if f.Status == nil {
				return "null"
			}
			return string(*f.Status)
		}
		acknowledgedBy := func(f complaintOut) string {
			if f.AcknowledgedBy == nil {
				return ""
			}
			return f.AcknowledgedBy.Subject
		}
		resolvedBy := func(f complaintOut) string {
			if f.ResolvedBy == nil {
				return ""
			}
			return f.ResolvedBy.Subject
		}

		// OPEN → ACKNOWLEDGED → RESOLVED, each move recorded with who and when.
		c1 := complaint()
		f := get(c1)
		if status(f) != "OPEN" || f.AcknowledgedAt != nil || f.AcknowledgedBy != nil || f.ResolvedAt != nil || f.ResolvedBy != nil {
			t.Fatalf("a new complaint: %s", dump(f))
		}
		before := time.Now()
		f = acknowledge(alice, c1)
		after := time.Now()
		if status(f) != "ACKNOWLEDGED" || acknowledgedBy(f) != "alice" || f.ResolvedAt != nil || f.ResolvedBy != nil {
			t.Errorf("acknowledged: %s", dump(f))
		}
		within("acknowledgedAt", f.AcknowledgedAt, before, after)
		acknowledged := f

		before = time.Now()
		f = resolve(bob, c1, "sent a new rocket")
		after = time.Now()
		if status(f) != "RESOLVED" || resolvedBy(f) != "bob" || f.Resolution == nil || *f.Resolution != "sent a new rocket" {
			t.Errorf("resolved: %s", dump(f))
		}
		within("resolvedAt", f.ResolvedAt, before, after)
		if acknowledgedBy(f) != "alice" || f.AcknowledgedAt == nil || !f.AcknowledgedAt.Equal(*acknowledged.AcknowledgedAt) {
			t.Errorf("resolving changed the acknowledgement: %s, was %s", dump(f), dump(acknowledged))
		}
		resolved := get(c1)

		// No going back, by any path; a refused move changes nothing.
		for _, back := range []struct {
			q   string
			try func() error
		}{
			{"updateFeedback(status: OPEN)", func() error {
				_, err := gqltest.SetFeedbackStatus(bg, try(alice), c1, gqltest.FeedbackStatusOpen)
				return err
			}},
			{"updateFeedback(status: ACKNOWLEDGED)", func() error {
				_, err := gqltest.SetFeedbackStatus(bg, try(alice), c1, gqltest.FeedbackStatusAcknowledged)
				return err
			}},
			{"updateFeedback(clearStatus: true)", func() error {
				_, err := gqltest.ClearFeedbackStatus(bg, try(alice), c1)
				return err
			}},
			{"acknowledgeComplaint", func() error {
				_, err := gqltest.AcknowledgeComplaint(bg, try(bob), c1)
				return err
			}},
		} {
			err := back.try()
			if field := refused(t, err); field != "status" {
				t.Errorf("%s: refused on field %q (%v), want status", back.q, field, err)
			}
		}
		if now := get(c1); dump(now) != dump(resolved) {
			t.Errorf("refused moves changed the complaint: %s, was %s", dump(now), dump(resolved))
		}

		// Resolving an open complaint acknowledges it too.
		c2 := complaint()
		before = time.Now()
		f = resolve(bob, c2, "refund")
		after = time.Now()
		if status(f) != "RESOLVED" || acknowledgedBy(f) != "bob" || resolvedBy(f) != "bob" {
			t.Errorf("resolved while open: %s", dump(f))
		}
		within("acknowledgedAt", f.AcknowledgedAt, before, after)
		within("resolvedAt", f.ResolvedAt, before, after)

		// updateFeedback(status) moves forward the same way.
		c3 := complaint()
		f = setStatus(alice, c3, gqltest.FeedbackStatusAcknowledged)
		if status(f) != "ACKNOWLEDGED" || acknowledgedBy(f) != "alice" || f.AcknowledgedAt == nil || f.ResolvedAt != nil {
			t.Errorf("acknowledged by updateFeedback: %s", dump(f))
		}
		_, err := gqltest.SetFeedbackStatus(bg, try(alice), c3, gqltest.FeedbackStatusOpen)
		if field := refused(t, err); field != "status" {
			t.Errorf("ACKNOWLEDGED → OPEN refused on field %q", field)
		}
		f = setStatus(bob, c3, gqltest.FeedbackStatusResolved)
		if status(f) != "RESOLVED" || acknowledgedBy(f) != "alice" || resolvedBy(f) != "bob" || f.ResolvedAt == nil {
			t.Errorf("resolved by updateFeedback: %s", dump(f))
		}
		c4 := complaint()
		f = setStatus(alice, c4, gqltest.FeedbackStatusResolved)
		if status(f) != "RESOLVED" || acknowledgedBy(f) != "alice" || resolvedBy(f) != "alice" || f.AcknowledgedAt == nil {
			t.Errorf("OPEN → RESOLVED by updateFeedback: %s", dump(f))
		}

		// Only complaints have a workflow.
		comment := alice.feedback(map[string]any{"accountID": acc, "authorID": author, "kind": "COMMENT", "body": "nice anvil"})
		_, err = gqltest.AcknowledgeComplaint(bg, try(alice), comment)
		if field := refused(t, err); field != "id" {
			t.Errorf("acknowledgeComplaint on a comment: field %q", field)
		}
		_, err = gqltest.ResolveComplaint(bg, try(alice), comment, "x")
		if field := refused(t, err); field != "id" {
			t.Errorf("resolveComplaint on a comment: field %q", field)
		}
		_, err = gqltest.SetFeedbackStatus(bg, try(alice), comment, gqltest.FeedbackStatusAcknowledged)
		if field := refused(t, err); field != "status" {
			t.Errorf("a status on a comment: field %q", field)
		}
		if f := get(comment); f.Status != nil || f.AcknowledgedAt != nil {
			t.Errorf("the comment changed: %s", dump(f))
		}
		_, err = gqltest.AcknowledgeComplaint(bg, try(alice), "fbk_01ARZ3NDEKTSV4RRFFQ69G5FAV")
		failsWith(t, "NOT_FOUND", err)
	})
}
