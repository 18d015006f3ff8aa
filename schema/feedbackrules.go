package schema

import (
	"context"
	"time"

	"entgo.io/ent"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/feedbackrule"
	"github.com/stakegraph/stakegraph/internal/sameaccount"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// feedbackRules applies feedbackrule's rules to one mutation: a score exactly for NPS (0–10)
// and CSAT (1–5), the complaint workflow and its history, a persona that matches the author's
// relationship to the account, topics in one spelling; and links (contract, council session,
// interaction) that belong to the same account.
var feedbackRules = func(next ent.Mutator) ent.Mutator {
	return hook.FeedbackFunc(func(ctx context.Context, m *gen.FeedbackMutation) (ent.Value, error) {
		if m.Op().Is(ent.OpUpdate) && touches(m, workflowFields...) {
			return nil, errs.E(errs.Invalid, "the kind, score, status and complaint history of feedback cannot be changed in bulk")
		}
		if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		v, _ := viewer.FromContext(ctx)
		if m.Op().Is(ent.OpCreate) {
			if _, set := m.CapturedByID(); !set && v.MemberID != "" {
				m.SetCapturedByID(v.MemberID)
			}
		}
		if topics, ok := m.Topics(); ok {
			normalized, err := feedbackrule.NormalizeTopics(topics)
			if err != nil {
				return nil, err
			}
			m.SetTopics(normalized)
		}
		if err := applyPersona(ctx, m); err != nil {
			return nil, err
		}
		if err := applyWorkflow(ctx, m, v.MemberID); err != nil {
			return nil, err
		}
		if err := checkFeedbackLinks(ctx, m); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

// workflowFields are what the score and workflow rules read.
var workflowFields = []string{"kind", "score", "status", "received_at", "acknowledged_at", "resolved_at"}

// applyWorkflow runs feedbackrule.Check on the mutation as a batch of one.
func applyWorkflow(ctx context.Context, m *gen.FeedbackMutation, member string) error {
	if m.Op().Is(ent.OpUpdateOne) && !touches(m, workflowFields...) {
		return nil
	}
	var r feedbackrule.Row
	var err error
	if r.Kind, _, err = after[feedback.Kind](ctx, m, "kind"); err != nil {
		return err
	}
	if r.ReceivedAt, _, err = after[time.Time](ctx, m, "received_at"); err != nil {
		return err
	}
	if r.Score, err = afterPtr[int](ctx, m, "score"); err != nil {
		return err
	}
	if r.Status, err = afterPtr[feedback.Status](ctx, m, "status"); err != nil {
		return err
	}
	if at, ok := m.AcknowledgedAt(); ok {
		r.AcknowledgedAt = &at
	}
	if at, ok := m.ResolvedAt(); ok {
		r.ResolvedAt = &at
	}
	if m.Op().Is(ent.OpUpdateOne) {
		if r.WasStatus, err = m.OldStatus(ctx); err != nil {
			return err
		}
		if r.WasAcknowledgedAt, err = m.OldAcknowledgedAt(ctx); err != nil {
			return err
		}
		if r.WasResolvedAt, err = m.OldResolvedAt(ctx); err != nil {
			return err
		}
	}
	out := feedbackrule.Check([]feedbackrule.Row{r}, time.Now())[0]
	if !out.OK() {
		return out.Errs[0]
	}
	if out.Status != nil {
		m.SetStatus(*out.Status)
	}
	if s := out.Acknowledged; s != nil {
		m.SetAcknowledgedAt(s.At)
		if s.ByWriter && member != "" {
			m.SetAcknowledgedByID(member)
		}
	}
	if s := out.Resolved; s != nil {
		m.SetResolvedAt(s.At)
		if s.ByWriter && member != "" {
			m.SetResolvedByID(member)
		}
	}
	return nil
}

// afterPtr is after for a field that may be null.
func afterPtr[T any](ctx context.Context, m ent.Mutation, name string) (*T, error) {
	v, ok, err := after[T](ctx, m, name)
	if err != nil || !ok {
		return nil, err
	}
	return &v, nil
}

// applyPersona checks the persona a mutation sets against the author's relationship to the
// account, and gives new feedback without one the author's persona.
func applyPersona(ctx context.Context, m *gen.FeedbackMutation) error {
	given, set := m.Persona()
	if !set && !m.Op().Is(ent.OpCreate) {
		return nil
	}
	var author feedbackrule.Author
	var err error
	if author.Account, _, err = after[string](ctx, m, "account_id"); err != nil {
		return err
	}
	if author.Person, _, err = after[string](ctx, m, "author_id"); err != nil {
		return err
	}
	relations, err := feedbackrule.Relations(ctx, m.Client(), []feedbackrule.Author{author})
	if err != nil {
		return err
	}
	var givenPtr *enum.Persona
	if set {
		givenPtr = &given
	}
	persona, refusal := feedbackrule.Persona(givenPtr, relations[author])
	if refusal != nil {
		return refusal
	}
	m.SetPersona(persona)
	return nil
}

// checkFeedbackLinks refuses a contract, interaction or council session of another account.
func checkFeedbackLinks(ctx context.Context, m *gen.FeedbackMutation) error {
	if !touches(m, "contract_id", "interaction_id", "council_session_id") {
		return nil
	}
	accountID, _, err := after[string](ctx, m, "account_id")
	if err != nil {
		return err
	}
	links := []struct {
		target sameaccount.Target
		field  string
		id     func() (string, bool)
	}{
		{sameaccount.Contract, "contractID", m.ContractID},
		{sameaccount.Interaction, "interactionID", m.InteractionID},
		{sameaccount.CouncilSession, "councilSessionID", m.CouncilSessionID},
	}
	for _, l := range links {
		if id, ok := l.id(); ok {
			if err := onSameAccount(ctx, m.Client(), l.target, l.field, accountID, id); err != nil {
				return err
			}
		}
	}
	return nil
}
