package bulksync

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/schema"
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
		return refreshPulse(schema.Complaints, isOrWasComplaint)(ctx, b)
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
			topics, err := schema.NormalizeTopics(f.Topics)
			if e, ok := errs.As(err); ok {
				r.fail("topics", errs.Invalid.Code(), "%s", e.Message)
			}
			r.set(feedback.FieldTopics, topics)
		}
		r.set(feedback.FieldReceivedAt, f.ReceivedAt)
		if f.ReceivedAt.After(time.Now().Add(5 * time.Minute)) {
			r.fail("receivedAt", errs.Invalid.Code(), "is in the future (%s)", f.ReceivedAt.UTC().Format(time.RFC3339))
		}
		if f.ContractExternalID != nil {
			r.refs = append(r.refs, ref{column: feedback.FieldContractID, field: "contractExternalID", target: typeContract, key: *f.ContractExternalID})
		}
		if f.InteractionExternalID != nil {
			r.refs = append(r.refs, ref{column: feedback.FieldInteractionID, field: "interactionExternalID", target: typeInteraction, key: *f.InteractionExternalID})
		}
		optional(r, feedback.FieldStatus, "status", f.Status, feedback.StatusValidator)
		rows[i] = r
	}
	return run(ctx, c, dialect, feedbackTable, rows, allOrNone)
}

// checkFeedback applies the rules the schema's feedback hooks apply to single mutations.
func checkFeedback(ctx context.Context, b *batch) error {
	immutable(b, feedback.FieldAccountID, "accountExternalID")
	immutable(b, feedback.FieldAuthorID, "authorExternalID")
	if err := inferPersonas(ctx, b); err != nil {
		return err
	}
	for _, r := range b.rows {
		if r.ok() {
			checkScoreAndStatus(b, r)
		}
	}
	if err := sameAccount(ctx, b, feedback.FieldContractID, "contractExternalID", func(ids []string) (map[string]string, error) {
		return accountsOf(ids, func(ids []string) ([]owned, error) {
			var rows []owned
			err := b.client.Contract.Query().Where(contract.IDIn(ids...)).
				Select(contract.FieldID, contract.FieldAccountID).Scan(ctx, &rows)
			return rows, err
		})
	}); err != nil {
		return err
	}
	return sameAccount(ctx, b, feedback.FieldInteractionID, "interactionExternalID", func(ids []string) (map[string]string, error) {
		return accountsOf(ids, func(ids []string) ([]owned, error) {
			var rows []owned
			err := b.client.Interaction.Query().Where(interaction.IDIn(ids...)).
				Select(interaction.FieldID, interaction.FieldAccountID).Scan(ctx, &rows)
			return rows, err
		})
	})
}

// inferPersonas gives every item the persona of its author at the account, or checks the one
// it gives, with two queries for the whole batch.
func inferPersonas(ctx context.Context, b *batch) error {
	var accounts, authors []string
	for _, r := range b.rows {
		if r.ok() {
			accounts = append(accounts, r.values[feedback.FieldAccountID].(string))
			authors = append(authors, r.values[feedback.FieldAuthorID].(string))
		}
	}
	if len(accounts) == 0 {
		return nil
	}
	var buyers, users []struct {
		AccountID string `json:"account_id"`
		PersonID  string `json:"person_id"`
	}
	err := b.client.BuyingContact.Query().
		Where(buyingcontact.AccountIDIn(unique(accounts)...), buyingcontact.PersonIDIn(unique(authors)...)).
		Select(buyingcontact.FieldAccountID, buyingcontact.FieldPersonID).Scan(ctx, &buyers)
	if err != nil {
		return fmt.Errorf("reading buying contacts: %w", err)
	}
	err = b.client.EndUser.Query().
		Where(enduser.AccountIDIn(unique(accounts)...), enduser.PersonIDIn(unique(authors)...)).
		Select(enduser.FieldAccountID, enduser.FieldPersonID).Scan(ctx, &users)
	if err != nil {
		return fmt.Errorf("reading end users: %w", err)
	}
	isBuyer, isUser := map[string]bool{}, map[string]bool{}
	for _, x := range buyers {
		isBuyer[x.AccountID+"|"+x.PersonID] = true
	}
	for _, x := range users {
		isUser[x.AccountID+"|"+x.PersonID] = true
	}
	for _, r := range b.rows {
		if !r.ok() {
			continue
		}
		pair := r.values[feedback.FieldAccountID].(string) + "|" + r.values[feedback.FieldAuthorID].(string)
		given, hasPersona := r.values[feedback.FieldPersona].(enum.Persona)
		if !hasPersona && r.existing != nil {
			stored, _ := r.existing[feedback.FieldPersona].(string)
			given, hasPersona = enum.Persona(stored), stored != ""
		}
		switch {
		case hasPersona && given == enum.PersonaPurchaser && !isBuyer[pair]:
			r.fail("persona", errs.Invalid.Code(), "is PURCHASER, but the author is not a buying contact of the account")
		case hasPersona && given == enum.PersonaEndUser && !isUser[pair]:
			r.fail("persona", errs.Invalid.Code(), "is END_USER, but the author is not an end user of the account")
		case hasPersona:
		case isBuyer[pair] && isUser[pair]:
			r.fail("persona", errs.Invalid.Code(), "is required: the author is both a buying contact and an end user of the account")
		case isBuyer[pair]:
			r.set(feedback.FieldPersona, enum.PersonaPurchaser)
		case isUser[pair]:
			r.set(feedback.FieldPersona, enum.PersonaEndUser)
		default:
			r.fail("authorExternalID", errs.Invalid.Code(), "is neither a buying contact nor an end user of the account")
		}
	}
	return nil
}

// scoreRanges are the scores NPS and CSAT take.
var scoreRanges = map[string][2]float64{string(feedback.KindNPS): {0, 10}, string(feedback.KindCSAT): {1, 5}}

var statusRank = map[string]int{
	string(feedback.StatusOPEN): 0, string(feedback.StatusACKNOWLEDGED): 1, string(feedback.StatusRESOLVED): 2,
}

// checkScoreAndStatus applies the kind's score range, the complaint status and its workflow,
// and records who captured new feedback.
func checkScoreAndStatus(b *batch, r *row) {
	kind, _ := r.final(col(feedback.FieldKind, text)).(string)
	score, hasScore := r.final(col(feedback.FieldScore, number)).(float64)
	if rng, scored := scoreRanges[kind]; scored {
		switch {
		case !hasScore:
			r.fail("score", errs.Invalid.Code(), "is required for %s feedback (%g–%g)", kind, rng[0], rng[1])
		case score < rng[0] || score > rng[1] || score != float64(int(score)):
			r.fail("score", errs.Invalid.Code(), "must be between %g and %g for %s feedback, got %g", rng[0], rng[1], kind, score)
		}
	} else if hasScore {
		r.fail("score", errs.Invalid.Code(), "is only accepted for NPS and CSAT feedback, not for %s", kind)
	}
	status, hasStatus := r.final(col(feedback.FieldStatus, text)).(string)
	old, _ := r.existing[feedback.FieldStatus].(string)
	switch {
	case kind != string(feedback.KindCOMPLAINT) && hasStatus:
		r.fail("status", errs.Invalid.Code(), "applies to complaints only, not to %s feedback", kind)
	case kind == string(feedback.KindCOMPLAINT) && !hasStatus:
		status = string(feedback.StatusOPEN)
		r.set(feedback.FieldStatus, feedback.StatusOPEN)
	case r.existing != nil && old != "" && statusRank[status] < statusRank[old]:
		r.fail("status", errs.Invalid.Code(), "a complaint moves OPEN → ACKNOWLEDGED → RESOLVED; it cannot go back from %s to %s", old, status)
	}
	if !r.ok() {
		return
	}
	by := b.viewer.MemberID
	if statusRank[status] >= 1 && r.final(col(feedback.FieldAcknowledgedAt, timestamp)) == nil {
		r.set(feedback.FieldAcknowledgedAt, b.now)
		if by != "" {
			r.set(feedback.FieldAcknowledgedByID, by)
		}
	}
	if statusRank[status] == 2 && r.final(col(feedback.FieldResolvedAt, timestamp)) == nil {
		r.set(feedback.FieldResolvedAt, b.now)
		if by != "" {
			r.set(feedback.FieldResolvedByID, by)
		}
	}
	if r.existing == nil && by != "" {
		r.set(feedback.FieldCapturedByID, by)
	}
}

// refreshVoices keeps LatestNPS in step. New NPS responses, the common case, are folded in
// with one read and one upsert for the batch; the keys of changed stored feedback are
// recomputed one by one, as the ent hook does.
func refreshVoices(ctx context.Context, b *batch) error {
	var fresh []*row
	var recompute []schema.NPSKey
	keyOf := func(values func(column) any) schema.NPSKey {
		acc, _ := values(col(feedback.FieldAccountID, text)).(string)
		persona, _ := values(col(feedback.FieldPersona, text)).(string)
		author, _ := values(col(feedback.FieldAuthorID, text)).(string)
		return schema.NPSKey{Account: acc, Persona: enum.Persona(persona), Person: author}
	}
	for _, r := range b.rows {
		isNPS := r.final(col(feedback.FieldKind, text)) == string(feedback.KindNPS)
		switch {
		case r.outcome == Created && isNPS:
			fresh = append(fresh, r)
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
	if err := foldNewResponses(ctx, b, fresh, keyOf); err != nil {
		return err
	}
	return schema.RefreshLatestNPS(ctx, b.client, recompute)
}

// foldNewResponses makes each new response its person's latest when it is newer than the one
// on record.
func foldNewResponses(ctx context.Context, b *batch, fresh []*row, keyOf func(func(column) any) schema.NPSKey) error {
	if len(fresh) == 0 {
		return nil
	}
	newest := map[schema.NPSKey]*row{}
	at := func(r *row) time.Time {
		t, _ := r.final(col(feedback.FieldReceivedAt, timestamp)).(time.Time)
		return t
	}
	var accounts, people []string
	for _, r := range fresh {
		k := keyOf(r.final)
		if cur := newest[k]; cur == nil || at(r).After(at(cur)) || (at(r).Equal(at(cur)) && r.id > cur.id) {
			newest[k] = r
		}
		accounts, people = append(accounts, k.Account), append(people, k.Person)
	}
	write := privacy.DecisionContext(ctx, privacy.Allow)
	// Locked, the read waits for a transaction that is recording a newer response of the same
	// people, and sees it once committed, rather than overwriting it with an older one.
	q := b.client.LatestNPS.Query().
		Where(latestnps.AccountIDIn(unique(accounts)...), latestnps.PersonIDIn(unique(people)...))
	q.Modify(derived.LockRows)
	onRecord, err := q.All(write)
	if err != nil {
		return fmt.Errorf("reading latest NPS: %w", err)
	}
	for _, l := range onRecord {
		k := schema.NPSKey{Account: l.AccountID, Persona: l.Persona, Person: l.PersonID}
		if r := newest[k]; r != nil && (at(r).Before(l.ReceivedAt) || (at(r).Equal(l.ReceivedAt) && r.id < l.FeedbackID)) {
			delete(newest, k)
		}
	}
	if len(newest) == 0 {
		return nil
	}
	builders := make([]*ent.LatestNPSCreate, 0, len(newest))
	for k, r := range newest {
		score, _ := r.final(col(feedback.FieldScore, number)).(float64)
		builders = append(builders, b.client.LatestNPS.Create().
			SetTenantID(b.viewer.TenantID).
			SetAccountID(k.Account).
			SetPersona(k.Persona).
			SetPersonID(k.Person).
			SetFeedbackID(r.id).
			SetScore(int(score)).
			SetReceivedAt(at(r)))
	}
	err = b.client.LatestNPS.CreateBulk(builders...).
		OnConflictColumns(latestnps.FieldTenantID, latestnps.FieldAccountID, latestnps.FieldPersona, latestnps.FieldPersonID).
		UpdateFeedbackID().
		UpdateScore().
		UpdateReceivedAt().
		Exec(write)
	if err != nil {
		return fmt.Errorf("storing latest NPS: %w", err)
	}
	return nil
}
