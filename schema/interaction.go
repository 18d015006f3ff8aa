package schema

import (
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

// Interaction is a touchpoint with an account: a call, a meeting, an email thread.
type Interaction struct{ ent.Schema }

// Mixin returns the interaction's mixins.
func (Interaction) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "int"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the interaction's fields.
func (Interaction) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		field.Enum("channel").
			GoType(enum.Channel("")).
			Annotations(entgql.Type("Channel")),
		field.Enum("direction").Values("INBOUND", "OUTBOUND"),
		field.Time("occurred_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.String("subject").NotEmpty().MaxLen(300).Validate(notBlank),
		field.Text("summary").Optional().Validate(maxLength(20000)),
		optionalRef("handled_by_id"), // the member who handled it
		externalID(),
	}
}

// Edges returns the interaction's edges.
func (Interaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("interactions").Field("account_id").Unique().Required().Immutable(),
		edge.From("handled_by", Member.Type).Ref("handled_interactions").Field("handled_by_id").Unique(),
		edge.To("participants", Person.Type).Annotations(entgql.RelayConnection()),
		edge.To("feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the interaction's indexes.
func (Interaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "account_id", "occurred_at"),
	}
}

// Annotations exposes interactions as a connection with create and update mutations.
func (Interaction) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows an interaction with its account.
func (Interaction) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks keep the account's last interaction in its AccountPulse.
func (Interaction) Hooks() []ent.Hook { return []ent.Hook{pulseOfInteractions} }
