package stakeholders

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// SessionInput records a council session.
type SessionInput struct {
	CouncilID   string
	HeldAt      time.Time
	Title       *string
	Agenda      *string
	Notes       *string
	AttendeeIDs []string
	Feedback    []*SessionFeedbackInput
}

// SessionFeedbackInput is feedback given at a session by one of its attendees.
type SessionFeedbackInput struct {
	AuthorID  string
	Persona   *enum.Persona
	Kind      feedback.Kind
	Score     *int
	Sentiment *float64
	Body      *string
	Topics    []string
}

// RecordCouncilSession records a session, its attendees and the feedback given there. The
// feedback goes on the council's account, or, for a cross-account council, on the one account
// the author buys for or uses the product at.
func RecordCouncilSession(ctx context.Context, c *ent.Client, in SessionInput) (*ent.CouncilSession, error) {
	council, err := c.UserCouncil.Get(ctx, in.CouncilID)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, errs.NotFoundf("councilID", "no council with id %q", in.CouncilID)
		}
		return nil, err
	}
	session, err := c.CouncilSession.Create().
		SetCouncilID(in.CouncilID).
		SetHeldAt(in.HeldAt).
		SetNillableTitle(in.Title).
		SetNillableAgenda(in.Agenda).
		SetNillableNotes(in.Notes).
		AddAttendeeIDs(in.AttendeeIDs...).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	for i, f := range in.Feedback {
		if err := mustSee(ctx, c, "authorID", person.Table, f.AuthorID); err != nil {
			return nil, prefixField(err, fmt.Sprintf("feedback[%d].", i))
		}
		if !slices.Contains(in.AttendeeIDs, f.AuthorID) {
			return nil, errs.Invalidf(fmt.Sprintf("feedback[%d].authorID", i), "did not attend the session: list them in attendeeIDs")
		}
		accountID, err := sessionFeedbackAccount(ctx, c, council, f.AuthorID)
		if err != nil {
			return nil, prefixField(err, fmt.Sprintf("feedback[%d].", i))
		}
		_, err = CaptureFeedback(ctx, c, FeedbackInput{
			AccountID:        accountID,
			AuthorID:         f.AuthorID,
			Persona:          f.Persona,
			Channel:          enum.ChannelCouncilSession,
			Kind:             f.Kind,
			Score:            f.Score,
			Sentiment:        f.Sentiment,
			Body:             f.Body,
			Topics:           f.Topics,
			ReceivedAt:       &in.HeldAt,
			CouncilSessionID: &session.ID,
		})
		if err != nil {
			return nil, prefixField(err, fmt.Sprintf("feedback[%d].", i))
		}
	}
	return session, nil
}

func sessionFeedbackAccount(ctx context.Context, c *ent.Client, council *ent.UserCouncil, authorID string) (string, error) {
	if council.AccountID != nil {
		return *council.AccountID, nil
	}
	wide := rule.TenantWide(ctx)
	accounts, err := c.BuyingContact.Query().Where(buyingcontact.PersonID(authorID)).
		Select(buyingcontact.FieldAccountID).Strings(wide)
	if err != nil {
		return "", err
	}
	used, err := c.EndUser.Query().Where(enduser.PersonID(authorID)).
		Select(enduser.FieldAccountID).Strings(wide)
	if err != nil {
		return "", err
	}
	distinct := map[string]bool{}
	for _, a := range append(accounts, used...) {
		distinct[a] = true
	}
	if len(distinct) == 0 {
		if err := mustSee(ctx, c, "authorID", person.Table, authorID); err != nil {
			return "", err
		}
	}
	if len(distinct) != 1 {
		return "", errs.Invalidf("authorID", "is linked to %d accounts; capture this feedback on one of them with captureFeedback", len(distinct))
	}
	for a := range distinct {
		return a, nil
	}
	return "", nil
}

// prefixField places a field error inside a list item of the input.
func prefixField(err error, prefix string) error {
	if e, ok := errs.As(err); ok && e.Field != "" {
		c := *e
		c.Field = prefix + e.Field
		return &c
	}
	return err
}

// viewerMember returns the caller's member id, if the caller is a member.
func viewerMember(ctx context.Context) *string {
	if v, ok := viewer.FromContext(ctx); ok && v.MemberID != "" {
		return &v.MemberID
	}
	return nil
}
