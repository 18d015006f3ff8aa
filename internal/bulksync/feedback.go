package bulksync

import (
	"context"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/feedbackrule"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/sameaccount"
)

// FeedbackInput is feedback as the integrator's system (a survey tool, a support desk) knows
// it. The persona is taken from the author's relationship to the account unless given.
type FeedbackInput struct {
	ExpectedVersion       *int // the version last read; a record at another is refused (optimistic)
	ExternalID            string
	AccountExternalID     string
	AuthorExternalID      *string
	AuthorEmail           *string
	Persona               *enum.Persona
	Channel               enum.Channel
	Kind                  feedback.Kind
	Score                 *int
	Sentiment             *float64
	Body                  *string
	Topics                []string
	ReceivedAt            time.Time
	ContractExternalID    *string
	InteractionExternalID *string
	Status                *feedback.Status
	// AcknowledgedAt and ResolvedAt are when the source's complaint was acknowledged and
	// resolved; a move without one happened at the time of the sync.
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
}

var feedbackTable = &table{
	typ:       "Feedback",
	name:      feedback.Table,
	prefix:    "fbk",
	keyColumn: feedback.FieldExternalID,
	keyField:  "externalID",
	columns: []column{
		col(feedback.FieldExternalID, text), col(feedback.FieldAccountID, text), col(feedback.FieldAuthorID, text),
		col(feedback.FieldPersona, text), col(feedback.FieldChannel, text), col(feedback.FieldKind, text),
		col(feedback.FieldScore, number), col(feedback.FieldSentiment, number), col(feedback.FieldBody, text),
		col(feedback.FieldTopics, list), col(feedback.FieldReceivedAt, timestamp),
		col(feedback.FieldCapturedByID, text), col(feedback.FieldContractID, text),
		col(feedback.FieldInteractionID, text), col(feedback.FieldStatus, text),
		col(feedback.FieldAcknowledgedAt, timestamp), col(feedback.FieldAcknowledgedByID, text),
		col(feedback.FieldResolvedAt, timestamp), col(feedback.FieldResolvedByID, text),
	},
	defaults: map[string]any{feedback.FieldTopics: []string{}},
	load: func(ctx context.Context, b *batch, where func(*entsql.Selector)) ([]any, error) {
		return all(b.client.Feedback.Query().Where(where).All(ctx))
	},
	check: checkFeedback,
	afterWrite: func(ctx context.Context, b *batch) error {
		if err := refreshVoices(ctx, b); err != nil {
			return err
		}
		return refreshPulse(derived.Complaints, isOrWasComplaint)(ctx, b)
	},
}

// isOrWasComplaint reports whether the feedback is a complaint, or was one before the sync:
// other feedback does not move an account's open complaints.
func isOrWasComplaint(r *row) bool {
	complaint := string(feedback.KindCOMPLAINT)
	return r.final(col(feedback.FieldKind, text)) == complaint || r.existing[feedback.FieldKind] == complaint
}

// SyncFeedback upserts feedback by external id.
func SyncFeedback(ctx context.Context, c *ent.Client, dialect string, in []*FeedbackInput, allOrNone bool) (*Result, error) {
	rows := make([]*row, len(in))
	for i, f := range in {
		r := newRow(i, f.ExternalID, f.ExpectedVersion)
		r.set(feedback.FieldExternalID, f.ExternalID)
		r.invalid("externalID", feedback.ExternalIDValidator(f.ExternalID))
		r.refs = append(r.refs, ref{column: feedback.FieldAccountID, field: "accountExternalID", target: typeAccount, key: f.AccountExternalID})
		switch {
		case f.AuthorExternalID != nil && f.AuthorEmail == nil:
			r.refs = append(r.refs, ref{column: feedback.FieldAuthorID, field: "authorExternalID", target: typePerson, key: *f.AuthorExternalID})
		case f.AuthorEmail != nil && f.AuthorExternalID == nil:
			r.refs = append(r.refs, ref{column: feedback.FieldAuthorID, field: "authorEmail", target: typePerson, key: *f.AuthorEmail, byMail: true})
		default:
			r.fail("authorExternalID", errs.Invalid.Code(), "give exactly one of authorExternalID and authorEmail")
		}
		optional(r, feedback.FieldPersona, "persona", f.Persona, feedback.PersonaValidator)
		r.set(feedback.FieldChannel, f.Channel)
		r.invalid("channel", feedback.ChannelValidator(f.Channel))
		r.set(feedback.FieldKind, f.Kind)
		r.invalid("kind", feedback.KindValidator(f.Kind))
		optional(r, feedback.FieldScore, "score", f.Score, nil)
		optional(r, feedback.FieldSentiment, "sentiment", f.Sentiment, feedback.SentimentValidator)
		optional(r, feedback.FieldBody, "body", f.Body, feedback.BodyValidator)
		if f.Topics != nil {
			topics, err := feedbackrule.NormalizeTopics(f.Topics)
			if e, ok := errs.As(err); ok {
				r.fail("topics", errs.Invalid.Code(), "%s", e.Message)
			}
			r.set(feedback.FieldTopics, topics)
		}
		r.set(feedback.FieldReceivedAt, f.ReceivedAt)
		if f.ContractExternalID != nil {
			r.refs = append(r.refs, ref{column: feedback.FieldContractID, field: "contractExternalID", target: typeContract, key: *f.ContractExternalID})
		}
		if f.InteractionExternalID != nil {
			r.refs = append(r.refs, ref{column: feedback.FieldInteractionID, field: "interactionExternalID", target: typeInteraction, key: *f.InteractionExternalID})
		}
		optional(r, feedback.FieldStatus, "status", f.Status, feedback.StatusValidator)
		optional(r, feedback.FieldAcknowledgedAt, "acknowledgedAt", f.AcknowledgedAt, nil)
		optional(r, feedback.FieldResolvedAt, "resolvedAt", f.ResolvedAt, nil)
		rows[i] = r
	}
	return run(ctx, c, dialect, feedbackTable, rows, allOrNone)
}

// checkFeedback applies feedbackrule's rules to the batch, and what needs the references.
func checkFeedback(ctx context.Context, b *batch) error {
	immutable(b, feedback.FieldAccountID, "accountExternalID")
	immutable(b, feedback.FieldAuthorID, "authorExternalID")
	if err := applyPersonas(ctx, b); err != nil {
		return err
	}
	applyWorkflow(b)
	if err := sameAccount(ctx, b, sameaccount.Contract, feedback.FieldContractID, "contractExternalID"); err != nil {
		return err
	}
	return sameAccount(ctx, b, sameaccount.Interaction, feedback.FieldInteractionID, "interactionExternalID")
}

// applyPersonas checks the personas the items give, and gives new feedback without one the
// author's persona, with feedbackrule.Relations reading the batch's authors at once.
func applyPersonas(ctx context.Context, b *batch) error {
	var rows []*row
	var authors []feedbackrule.Author
	for _, r := range b.rows {
		_, given := r.values[feedback.FieldPersona]
		if r.ok() && (given || r.existing == nil) {
			rows = append(rows, r)
			authors = append(authors, authorOf(r))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	relations, err := feedbackrule.Relations(ctx, b.client, authors)
	if err != nil {
		return err
	}
	for i, r := range rows {
		var given *enum.Persona
		if p, ok := r.values[feedback.FieldPersona].(enum.Persona); ok {
			given = &p
		}
		persona, refusal := feedbackrule.Persona(given, relations[authors[i]])
		if refusal != nil {
			r.refuse(refusal)
			continue
		}
		r.set(feedback.FieldPersona, persona)
	}
	return nil
}

func authorOf(r *row) feedbackrule.Author {
	return feedbackrule.Author{
		Account: textOf(r.final(col(feedback.FieldAccountID, text))),
		Person:  textOf(r.final(col(feedback.FieldAuthorID, text))),
	}
}

// apiFields renames feedbackrule's fields, in the mutations' spelling, to the sync input's.
var apiFields = map[string]string{"authorID": "authorExternalID"}

// refuse fails the row with a rule's refusal.
func (r *row) refuse(e *errs.Error) {
	field := e.Field
	if renamed, ok := apiFields[field]; ok {
		field = renamed
	}
	r.fail(field, errs.Invalid.Code(), "%s", e.Message)
}

// applyWorkflow runs feedbackrule.Check over the batch's valid rows: score ranges, the
// complaint status and its history; and records who captured new feedback.
func applyWorkflow(b *batch) {
	var rows []*row
	var in []feedbackrule.Row
	for _, r := range b.rows {
		if r.ok() {
			rows = append(rows, r)
			in = append(in, workflowRow(r))
		}
	}
	by := b.viewer.MemberID
	for i, out := range feedbackrule.Check(in, b.now) {
		r := rows[i]
		for _, e := range out.Errs {
			r.refuse(e)
		}
		if !out.OK() {
			continue
		}
		if out.Status != nil {
			r.set(feedback.FieldStatus, *out.Status)
		}
		if s := out.Acknowledged; s != nil {
			r.set(feedback.FieldAcknowledgedAt, s.At)
			if s.ByWriter && by != "" {
				r.set(feedback.FieldAcknowledgedByID, by)
			}
		}
		if s := out.Resolved; s != nil {
			r.set(feedback.FieldResolvedAt, s.At)
			if s.ByWriter && by != "" {
				r.set(feedback.FieldResolvedByID, by)
			}
		}
		if r.existing == nil && by != "" {
			r.set(feedback.FieldCapturedByID, by)
		}
	}
}

// workflowRow is the row as feedbackrule.Check reads it.
func workflowRow(r *row) feedbackrule.Row {
	out := feedbackrule.Row{Kind: feedback.Kind(textOf(r.final(col(feedback.FieldKind, text))))}
	if score, ok := r.final(col(feedback.FieldScore, number)).(float64); ok {
		s := int(score)
		out.Score = &s
	}
	out.ReceivedAt, _ = r.final(col(feedback.FieldReceivedAt, timestamp)).(time.Time)
	if s := textOf(r.final(col(feedback.FieldStatus, text))); s != "" {
		status := feedback.Status(s)
		out.Status = &status
	}
	if s := textOf(r.existing[feedback.FieldStatus]); s != "" {
		was := feedback.Status(s)
		out.WasStatus = &was
	}
	out.AcknowledgedAt = timeOf(r.values[feedback.FieldAcknowledgedAt])
	out.ResolvedAt = timeOf(r.values[feedback.FieldResolvedAt])
	out.WasAcknowledgedAt = timeOf(r.existing[feedback.FieldAcknowledgedAt])
	out.WasResolvedAt = timeOf(r.existing[feedback.FieldResolvedAt])
	return out
}

func textOf(v any) string {
	s, _ := v.(string)
	return s
}

func timeOf(v any) *time.Time {
	if t, ok := journal.Canonical(v).(time.Time); ok {
		return &t
	}
	return nil
}

// refreshVoices keeps LatestNPS in step: new NPS responses, the common case, are folded in
// for the batch at once; the keys of changed stored feedback are recomputed, as the ent hook
// does.
func refreshVoices(ctx context.Context, b *batch) error {
	var fresh []derived.NPSResponse
	var recompute []derived.NPSKey
	keyOf := func(values func(column) any) derived.NPSKey {
		return derived.NPSKey{
			Account: textOf(values(col(feedback.FieldAccountID, text))),
			Persona: enum.Persona(textOf(values(col(feedback.FieldPersona, text)))),
			Person:  textOf(values(col(feedback.FieldAuthorID, text))),
		}
	}
	for _, r := range b.rows {
		isNPS := r.final(col(feedback.FieldKind, text)) == string(feedback.KindNPS)
		switch {
		case r.outcome == Created && isNPS:
			score, _ := r.final(col(feedback.FieldScore, number)).(float64)
			at, _ := r.final(col(feedback.FieldReceivedAt, timestamp)).(time.Time)
			fresh = append(fresh, derived.NPSResponse{Key: keyOf(r.final), FeedbackID: r.id, Score: int(score), ReceivedAt: at})
		case r.outcome == Updated:
			stored := func(c column) any { return r.existing[c.name] }
			if r.existing[feedback.FieldKind] == string(feedback.KindNPS) {
				recompute = append(recompute, keyOf(stored))
			}
			if isNPS {
				recompute = append(recompute, keyOf(r.final))
			}
		}
	}
	if err := derived.FoldNPSResponses(ctx, b.client, fresh); err != nil {
		return err
	}
	return derived.RefreshLatestNPS(ctx, b.client, recompute)
}
