package schema

import (
	entsql "entgo.io/ent/dialect/entsql"
	"github.com/stakegraph/stakegraph/schema/rule"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/schema/apidoc"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Feedback is what a person at an account said, in the voice of a persona: a score, a
// comment, a request, a complaint or praise.
type Feedback struct{ ent.Schema }

// Mixin returns the feedback's mixins.
func (Feedback) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "fbk"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the feedback's fields.
func (Feedback) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		ref("author_id"), // the person who gave the feedback
		field.Enum("persona").
			GoType(enum.Persona("")).
			Annotations(entgql.Type("Persona"), personaDoc).
			Comment("The voice it was given in: PURCHASER when the author is a buying contact of the account, " +
				"END_USER when an end user."),
		field.Enum("channel").
			GoType(enum.Channel("")).
			Annotations(entgql.Type("Channel"), channelDoc).
			Comment("How the feedback arrived."),
		field.Enum("kind").
			Values("NPS", "CSAT", "COMMENT", "FEATURE_REQUEST", "COMPLAINT", "PRAISE").
			Annotations(entgql.OrderField("KIND"), apidoc.Enum{Type: "What sort of feedback it is.", Values: map[string]string{
				"NPS":             "An answer to the Net Promoter question, with a score from 0 to 10.",
				"CSAT":            "A customer satisfaction rating, with a score from 1 to 5.",
				"COMMENT":         "A remark.",
				"FEATURE_REQUEST": "A request for something the product lacks.",
				"COMPLAINT":       "A complaint: it has a status, OPEN until someone acknowledges and resolves it.",
				"PRAISE":          "Praise.",
			}}).
			Comment("What sort of feedback it is: it decides whether there is a score and a status."),
		field.Int("score").
			Optional().
			Nillable().
			Annotations(entgql.OrderField("SCORE")).
			Comment("The score: 0 to 10 for NPS, 1 to 5 for CSAT; required for those kinds, refused for the others."),
		field.Float("sentiment").
			Optional().
			Nillable().
			Range(-1, 1).
			Comment("Its tone, from -1 (negative) to 1 (positive); null when not assessed."),
		field.Text("body").Optional().Validate(maxLength(20000)).Comment("What was said, up to 20,000 characters."),
		field.JSON("topics", []string{}).
			Default([]string{}).
			Annotations(entgql.Skip(entgql.SkipWhereInput)).
			Comment("What it is about: at most 20 topics, each stored trimmed, in lower case, once, and up to 60 characters long."),
		field.Time("received_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("RECEIVED_AT")).
			Comment("When it was given; now unless set, and never more than 5 minutes ahead of the server's clock."),
		field.String("captured_by_id").
			MaxLen(pulid.MaxLen).
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The id of the member who recorded the feedback, taken from the caller (never from input); null " +
				"when the caller was no member."),
		optionalRef("contract_id"),
		optionalRef("council_session_id"),
		optionalRef("interaction_id"),
		field.Enum("status").
			Values("OPEN", "ACKNOWLEDGED", "RESOLVED").
			Optional().
			Nillable().
			Annotations(entgql.OrderField("STATUS"), apidoc.Enum{Type: "Where a complaint stands: OPEN → ACKNOWLEDGED → RESOLVED, never back.",
				Values: map[string]string{
					"OPEN":         "Nobody has taken it up yet.",
					"ACKNOWLEDGED": "Someone has taken it up (acknowledgedBy, acknowledgedAt).",
					"RESOLVED":     "Dealt with (resolvedBy, resolvedAt, resolution).",
				}}).
			Comment("Where a complaint stands (OPEN unless given when it is captured); null for the other kinds."),
		field.Time("acknowledged_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(workflowField).
			Comment("When the complaint was acknowledged (by acknowledgeComplaint, or by resolveComplaint on an open one)."),
		field.String("acknowledged_by_id").MaxLen(pulid.MaxLen).Optional().Nillable().Annotations(workflowField),
		field.Time("resolved_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(workflowField).
			Comment("When the complaint was resolved."),
		field.String("resolved_by_id").MaxLen(pulid.MaxLen).Optional().Nillable().Annotations(workflowField),
		field.Text("resolution").
			Optional().
			Validate(maxLength(20000)).
			Annotations(workflowField).
			Comment("How the complaint was resolved, as given to resolveComplaint (up to 20,000 characters)."),
		externalID(),
	}
}

// Edges returns the feedback's edges.
func (Feedback) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("feedback").
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Comment("The account the feedback is about; it never changes."),
		edge.From("author", Person.Type).
			Ref("feedback").
			Field("author_id").
			Unique().
			Required().
			Immutable().
			Comment("The person who gave it: a buying contact or an end user of the account; it never changes."),
		edge.From("captured_by", Member.Type).
			Ref("captured_feedback").
			Field("captured_by_id").
			Unique().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("The member who recorded it; null when the caller was no member."),
		edge.From("acknowledged_by", Member.Type).
			Ref("acknowledged_complaints").
			Field("acknowledged_by_id").
			Unique().
			Annotations(workflowField).
			Comment("The member who acknowledged the complaint; null until then."),
		edge.From("resolved_by", Member.Type).
			Ref("resolved_complaints").
			Field("resolved_by_id").
			Unique().
			Annotations(workflowField).
			Comment("The member who resolved the complaint; null until then."),
		edge.From("contract", Contract.Type).
			Ref("feedback").
			Field("contract_id").
			Unique().
			Comment("The contract it is about, one of the account's; null when none."),
		edge.From("council_session", CouncilSession.Type).
			Ref("feedback").
			Field("council_session_id").
			Unique().
			Comment("The council session where it was given, of a council of the same account or of a cross-account " +
				"council; null when none."),
		edge.From("interaction", Interaction.Type).
			Ref("feedback").
			Field("interaction_id").
			Unique().
			Comment("The interaction in which it was given, one of the account's; null when none."),
	}
}

// Indexes returns the feedback's indexes.
func (Feedback) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "account_id", "received_at"),
		index.Fields("tenant_id", "account_id", "persona", "kind", "received_at"),
		index.Fields("tenant_id", "kind", "status", "account_id"), // open complaints per account (AccountPulse)
	}
}

// Annotations exposes feedback as a connection with an update mutation; captureFeedback,
// recordCouncilSession and syncFeedback create it.
func (Feedback) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "feedback"},
		schema.Comment("What a person at an account said, in the voice of their persona: a score (NPS or CSAT), a " +
			"comment, a feature request, a complaint or praise."),
		entgql.RelayConnection(),
		entgql.QueryField("feedback").Description("The feedback on the accounts the caller may see, in both voices."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationUpdate()),
	}
}

// workflowField is set by the complaint workflow (acknowledgeComplaint, resolveComplaint),
// never by an input.
var workflowField = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// Policy shows feedback with its account.
func (Feedback) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks returns the feedback's hooks.
func (Feedback) Hooks() []ent.Hook {
	return []ent.Hook{feedbackRules, maintainLatestNPS, pulseOfComplaints}
}
