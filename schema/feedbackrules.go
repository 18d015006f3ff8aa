package schema

import (
	"context"
	"strings"
	"time"
	"unicode"

	"entgo.io/ent"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/councilsession"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/hook"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// Score ranges of the kinds that carry a score.
var scoreRanges = map[feedback.Kind][2]int{
	feedback.KindNPS:  {0, 10},
	feedback.KindCSAT: {1, 5},
}

// futureTolerance allows for clocks that run a little ahead: feedback cannot come from the
// future, beyond that.
const futureTolerance = 5 * time.Minute

// MaxTopics bounds the topics of one piece of feedback.
const MaxTopics = 20

// feedbackRules enforces what makes feedback comparable across personas: a score exactly for
// NPS (0–10) and CSAT (1–5), a status exactly for complaints, a persona that matches the
// author's relationship to the account, topics in one spelling, and links (contract,
// council session, interaction) that belong to the same account.
var feedbackRules = func(next ent.Mutator) ent.Mutator {
	return hook.FeedbackFunc(func(ctx context.Context, m *gen.FeedbackMutation) (ent.Value, error) {
		if m.Op().Is(ent.OpCreate) {
			if _, set := m.CapturedByID(); !set {
				if v, ok := viewer.FromContext(ctx); ok && v.MemberID != "" {
					m.SetCapturedByID(v.MemberID)
				}
			}
		}
		if topics, ok := m.Topics(); ok {
			normalized, err := NormalizeTopics(topics)
			if err != nil {
				return nil, err
			}
			m.SetTopics(normalized)
		}
		if at, ok := m.ReceivedAt(); ok && at.After(time.Now().Add(futureTolerance)) {
			return nil, errs.Invalidf("receivedAt", "is in the future (%s)", at.UTC().Format(time.RFC3339))
		}
		if err := checkScoreAndStatus(ctx, m); err != nil {
			return nil, err
		}
		if err := checkPersona(ctx, m); err != nil {
			return nil, err
		}
		if err := checkFeedbackLinks(ctx, m); err != nil {
			return nil, err
		}
		return next.Mutate(ctx, m)
	})
}

func checkScoreAndStatus(ctx context.Context, m *gen.FeedbackMutation) error {
	if !m.Op().Is(ent.OpCreate|ent.OpUpdateOne) && !touches(m, "kind", "score", "status") {
		return nil
	}
	if m.Op().Is(ent.OpUpdate) {
		return errs.E(errs.Invalid, "the kind, score and status of feedback cannot be changed in bulk")
	}
	kind, _, err := after[feedback.Kind](ctx, m, "kind")
	if err != nil {
		return err
	}
	score, hasScore, err := after[int](ctx, m, "score")
	if err != nil {
		return err
	}
	if r, scored := scoreRanges[kind]; scored {
		if !hasScore {
			return errs.Invalidf("score", "is required for %s feedback (%d–%d)", kind, r[0], r[1])
		}
		if score < r[0] || score > r[1] {
			return errs.Invalidf("score", "must be between %d and %d for %s feedback, got %d", r[0], r[1], kind, score)
		}
	} else if hasScore {
		return errs.Invalidf("score", "is only accepted for NPS and CSAT feedback, not for %s", kind)
	}
	_, hasStatus, err := after[feedback.Status](ctx, m, "status")
	if err != nil {
		return err
	}
	switch {
	case kind == feedback.KindCOMPLAINT && !hasStatus:
		m.SetStatus(feedback.StatusOPEN)
	case kind != feedback.KindCOMPLAINT && hasStatus:
		return errs.Invalidf("status", "applies to complaints only, not to %s feedback", kind)
	}
	return nil
}

// checkPersona refuses a persona the author does not have at the account: the purchaser's
// voice comes from buying contacts, the end user's from end users.
func checkPersona(ctx context.Context, m *gen.FeedbackMutation) error {
	persona, set := m.Persona()
	if !set {
		return nil
	}
	accountID, _, err := after[string](ctx, m, "account_id")
	if err != nil {
		return err
	}
	authorID, _, err := after[string](ctx, m, "author_id")
	if err != nil {
		return err
	}
	var related bool
	switch persona {
	case enum.PersonaPurchaser:
		related, err = m.Client().BuyingContact.Query().
			Where(buyingcontact.AccountID(accountID), buyingcontact.PersonID(authorID)).Exist(ctx)
	case enum.PersonaEndUser:
		related, err = m.Client().EndUser.Query().
			Where(enduser.AccountID(accountID), enduser.PersonID(authorID)).Exist(ctx)
	}
	if err != nil {
		return err
	}
	if !related {
		side := map[enum.Persona]string{enum.PersonaPurchaser: "a buying contact", enum.PersonaEndUser: "an end user"}
		return errs.Invalidf("persona", "is %s, but the author is not %s of the account", persona, side[persona])
	}
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
	c := m.Client()
	if id, ok := m.ContractID(); ok {
		ctr, err := c.Contract.Get(ctx, id)
		if err != nil {
			return err
		}
		if ctr.AccountID != accountID {
			return errs.Invalidf("contractID", "belongs to another account")
		}
	}
	if id, ok := m.InteractionID(); ok {
		in, err := c.Interaction.Get(ctx, id)
		if err != nil {
			return err
		}
		if in.AccountID != accountID {
			return errs.Invalidf("interactionID", "belongs to another account")
		}
	}
	if id, ok := m.CouncilSessionID(); ok {
		council, err := c.CouncilSession.Query().Where(councilsession.ID(id)).QueryCouncil().Only(ctx)
		if err != nil {
			return err
		}
		if council.AccountID != nil && *council.AccountID != accountID {
			return errs.Invalidf("councilSessionID", "belongs to a council of another account")
		}
	}
	return nil
}

// NormalizeTopics returns topics trimmed, in lower case, with inner white space folded, without
// empty or repeated ones, and refuses more than MaxTopics or one longer than 60 characters.
func NormalizeTopics(topics []string) ([]string, error) {
	out := make([]string, 0, len(topics))
	seen := make(map[string]bool, len(topics))
	for _, t := range topics {
		t = strings.ToLower(strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " "))
		if t == "" || seen[t] {
			continue
		}
		if len([]rune(t)) > 60 {
			return nil, errs.Invalidf("topics", "%q is longer than 60 characters", t)
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTopics {
		return nil, errs.Invalidf("topics", "at most %d topics, got %d", MaxTopics, len(out))
	}
	return out, nil
}
