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

	"github.com/stakegraph/stakegraph/enum"
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
			Annotations(entgql.Type("Persona")),
		field.Enum("channel").
			GoType(enum.Channel("")).
			Annotations(entgql.Type("Channel")),
		field.Enum("kind").
			Values("NPS", "CSAT", "COMMENT", "FEATURE_REQUEST", "COMPLAINT", "PRAISE").
			Annotations(entgql.OrderField("KIND")),
		field.Int("score").
			Optional().
			Nillable().
			Annotations(entgql.OrderField("SCORE")).
			Comment("NPS 0–10 or CSAT 1–5; required for those kinds, refused for others"),
		field.Float("sentiment").
			Optional().
			Nillable().
			Range(-1, 1).
			Comment("from -1 (negative) to 1 (positive)"),
		field.Text("body").Optional().Validate(maxLength(20000)),
		field.JSON("topics", []string{}).
			Default([]string{}).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("received_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("RECEIVED_AT")),
		field.String("captured_by_id").
			MaxLen(pulid.MaxLen).
			Optional().
			Nillable().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("the member who recorded the feedback; set from the viewer"),
		optionalRef("contract_id"),
		optionalRef("council_session_id"),
		optionalRef("interaction_id"),
		field.Enum("status").
			Values("OPEN", "ACKNOWLEDGED", "RESOLVED").
			Optional().
			Nillable().
			Annotations(entgql.OrderField("STATUS")).
			Comment("the state of a complaint: OPEN → ACKNOWLEDGED → RESOLVED; empty for other kinds"),
		field.Time("acknowledged_at").SchemaType(microseconds).Optional().Nillable().Annotations(workflowField),
		field.String("acknowledged_by_id").MaxLen(pulid.MaxLen).Optional().Nillable().Annotations(workflowField),
		field.Time("resolved_at").SchemaType(microseconds).Optional().Nillable().Annotations(workflowField),
		field.String("resolved_by_id").MaxLen(pulid.MaxLen).Optional().Nillable().Annotations(workflowField),
		field.Text("resolution").Optional().Validate(maxLength(20000)).Annotations(workflowField),
		externalID(),
	}
}

// Edges returns the feedback's edges.
func (Feedback) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("feedback").Field("account_id").Unique().Required().Immutable(),
		edge.From("author", Person.Type).Ref("feedback").Field("author_id").Unique().Required().Immutable(),
		edge.From("captured_by", Member.Type).
			Ref("captured_feedback").
			Field("captured_by_id").
			Unique().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		edge.From("acknowledged_by", Member.Type).
			Ref("acknowledged_complaints").
			Field("acknowledged_by_id").
			Unique().
			Annotations(workflowField),
		edge.From("resolved_by", Member.Type).
			Ref("resolved_complaints").
			Field("resolved_by_id").
			Unique().
			Annotations(workflowField),
		edge.From("contract", Contract.Type).Ref("feedback").Field("contract_id").Unique(),
		edge.From("council_session", CouncilSession.Type).Ref("feedback").Field("council_session_id").Unique(),
		edge.From("interaction", Interaction.Type).Ref("feedback").Field("interaction_id").Unique(),
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

// Annotations exposes feedback as a connection with create and update mutations.
func (Feedback) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "feedback"},
		entgql.RelayConnection(),
		entgql.QueryField("feedback"),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// workflowField is set by the complaint workflow (acknowledgeComplaint, resolveComplaint),
// never by an input.
var workflowField = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// Policy shows feedback with its account.
func (Feedback) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks returns the feedback's hooks.
func (Feedback) Hooks() []ent.Hook {
	return []ent.Hook{feedbackRules, complaintWorkflow, maintainLatestNPS, pulseOfComplaints}
}
