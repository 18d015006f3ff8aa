// Package stakeholders grows an account's graph the way a front end does: buying contacts and
// end users added by email, council members and sessions, interactions and feedback in the
// voice of the right persona. Each function runs on the client it is given, which for the API
// is the mutation's transaction; the data layer's rules and validation apply as always.
package stakeholders

import (
	"context"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/internal/email"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// PersonByEmail returns the tenant's person with the email, creating them with name and title
// when the email is new. People are looked up across the whole tenant: a key-account manager
// may link a person whom another account already knows.
func PersonByEmail(ctx context.Context, c *ent.Client, address string, name, title *string) (*ent.Person, error) {
	normalized := email.Normalize(address)
	p, err := c.Person.Query().Where(person.Email(normalized)).Only(rule.TenantWide(ctx))
	switch {
	case err == nil:
		return p, nil
	case !ent.IsNotFound(err):
		return nil, err
	case name == nil || *name == "":
		return nil, errs.Invalidf("name", "is required: no person of the tenant has the email %s", normalized)
	}
	return c.Person.Create().
		SetEmail(normalized).
		SetName(*name).
		SetNillableTitle(title).
		Save(ctx)
}

// BuyingContactInput adds a buying contact by the person's email.
type BuyingContactInput struct {
	AccountID string
	Email     string
	Name      *string
	Title     *string
	Roles     []enum.BuyingRole
	Primary   *bool
	Influence *buyingcontact.Influence
	Since     *time.Time
	Until     *time.Time
}

// AddBuyingContact adds the person with the email as a buying contact of the account.
func AddBuyingContact(ctx context.Context, c *ent.Client, in BuyingContactInput) (*ent.BuyingContact, error) {
	p, err := PersonByEmail(ctx, c, in.Email, in.Name, in.Title)
	if err != nil {
		return nil, err
	}
	if err := refuseDuplicate(ctx, c.BuyingContact.Query().
		Where(buyingcontact.AccountID(in.AccountID), buyingcontact.PersonID(p.ID)).Exist,
		"is already a buying contact of the account"); err != nil {
		return nil, err
	}
	return c.BuyingContact.Create().SetInput(ent.CreateBuyingContactInput{
		AccountID: in.AccountID,
		PersonID:  p.ID,
		Roles:     in.Roles,
		Primary:   in.Primary,
		Influence: in.Influence,
		Since:     in.Since,
		Until:     in.Until,
	}).Save(ctx)
}

// EndUserInput adds an end user by the person's email.
type EndUserInput struct {
	AccountID    string
	Email        string
	Name         *string
	Title        *string
	Department   *string
	JobRole      *string
	Status       *enduser.Status
	Licensed     *bool
	FirstSeenAt  *time.Time
	LastActiveAt *time.Time
}

// AddEndUser adds the person with the email as an end user of the account.
func AddEndUser(ctx context.Context, c *ent.Client, in EndUserInput) (*ent.EndUser, error) {
	p, err := PersonByEmail(ctx, c, in.Email, in.Name, in.Title)
	if err != nil {
		return nil, err
	}
	if err := refuseDuplicate(ctx, c.EndUser.Query().
		Where(enduser.AccountID(in.AccountID), enduser.PersonID(p.ID)).Exist,
		"is already an end user of the account"); err != nil {
		return nil, err
	}
	return c.EndUser.Create().SetInput(ent.CreateEndUserInput{
		AccountID:    in.AccountID,
		PersonID:     p.ID,
		Department:   in.Department,
		JobRole:      in.JobRole,
		Status:       in.Status,
		Licensed:     in.Licensed,
		FirstSeenAt:  in.FirstSeenAt,
		LastActiveAt: in.LastActiveAt,
	}).Save(ctx)
}

// refuseDuplicate turns an existing link into a CONFLICT that names the email, before the
// unique index turns it into a less helpful one.
func refuseDuplicate(ctx context.Context, exists func(context.Context) (bool, error), msg string) error {
	found, err := exists(ctx)
	if err != nil {
		return err
	}
	if found {
		return &errs.Error{Kind: errs.Conflict, Field: "email", Message: "the person " + msg}
	}
	return nil
}

// CouncilMemberInput seats a person on a council.
type CouncilMemberInput struct {
	CouncilID string
	PersonID  string
	Role      *councilmembership.Role
	JoinedAt  *time.Time
}

// AddCouncilMember seats the person on the council; the data layer checks that they buy for
// or use the product at the council's account.
func AddCouncilMember(ctx context.Context, c *ent.Client, in CouncilMemberInput) (*ent.CouncilMembership, error) {
	return c.CouncilMembership.Create().
		SetCouncilID(in.CouncilID).
		SetPersonID(in.PersonID).
		SetNillableRole(in.Role).
		SetNillableJoinedAt(in.JoinedAt).
		Save(ctx)
}

// InteractionInput logs a touchpoint.
type InteractionInput struct {
	AccountID      string
	Channel        enum.Channel
	Direction      interaction.Direction
	OccurredAt     *time.Time
	Subject        string
	Summary        *string
	ParticipantIDs []string
	HandledByID    *string
	ExternalID     *string
}

// LogInteraction records a touchpoint, handled by the caller unless the input says otherwise.
func LogInteraction(ctx context.Context, c *ent.Client, in InteractionInput) (*ent.Interaction, error) {
	handledBy := in.HandledByID
	if handledBy == nil {
		handledBy = viewerMember(ctx)
	}
	return c.Interaction.Create().
		SetAccountID(in.AccountID).
		SetChannel(in.Channel).
		SetDirection(in.Direction).
		SetNillableOccurredAt(in.OccurredAt).
		SetSubject(in.Subject).
		SetNillableSummary(in.Summary).
		AddParticipantIDs(in.ParticipantIDs...).
		SetNillableHandledByID(handledBy).
		SetNillableExternalID(in.ExternalID).
		Save(ctx)
}

// FeedbackInput captures feedback; the persona comes from the author's relationship to the
// account unless it is given.
type FeedbackInput struct {
	AccountID        string
	AuthorID         string
	Persona          *enum.Persona
	Channel          enum.Channel
	Kind             feedback.Kind
	Score            *int
	Sentiment        *float64
	Body             *string
	Topics           []string
	ReceivedAt       *time.Time
	ContractID       *string
	CouncilSessionID *string
	InteractionID    *string
	ExternalID       *string
}

// CaptureFeedback records feedback in the voice of the author's persona at the account (the
// data layer infers it unless given). An author who is neither a buying contact nor an end
// user is NOT_FOUND when the caller cannot see the account or the person.
func CaptureFeedback(ctx context.Context, c *ent.Client, in FeedbackInput) (*ent.Feedback, error) {
	create := c.Feedback.Create().
		SetAccountID(in.AccountID).
		SetAuthorID(in.AuthorID).
		SetChannel(in.Channel).
		SetKind(in.Kind).
		SetNillableScore(in.Score).
		SetNillableSentiment(in.Sentiment).
		SetNillableBody(in.Body).
		SetNillableReceivedAt(in.ReceivedAt).
		SetNillableContractID(in.ContractID).
		SetNillableCouncilSessionID(in.CouncilSessionID).
		SetNillableInteractionID(in.InteractionID).
		SetNillableExternalID(in.ExternalID)
	if in.Persona != nil {
		create.SetPersona(*in.Persona)
	}
	if in.Topics != nil {
		create.SetTopics(in.Topics)
	}
	f, err := create.Save(ctx)
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid && e.Field == "authorID" {
		if err := mustSee(ctx, c, "accountID", account.Table, in.AccountID); err != nil {
			return nil, err
		}
		if err := mustSee(ctx, c, "authorID", person.Table, in.AuthorID); err != nil {
			return nil, err
		}
	}
	return f, err
}

// mustSee answers NOT_FOUND, as the data layer does for any reference, when the viewer cannot
// see the row with the id: one of another tenant, or an account outside the viewer's reach.
// People are looked up across the tenant, like the data layer's references to them.
func mustSee(ctx context.Context, c *ent.Client, field, table, id string) error {
	lookup := ctx
	if table == person.Table {
		lookup = rule.TenantWide(ctx)
	}
	found, err := c.VisibleIDs(lookup, table, []string{id})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return errs.NotFoundf(field, "no %s with id %q", table, id)
	}
	return nil
}
