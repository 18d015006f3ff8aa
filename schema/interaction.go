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

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/schema/apidoc"
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
			Annotations(entgql.Type("Channel"), channelDoc).
			Comment("How the touchpoint happened."),
		field.Enum("direction").
			Values("INBOUND", "OUTBOUND").
			Annotations(apidoc.Enum{Type: "Who reached out.", Values: map[string]string{
				"INBOUND":  "The customer reached out to the seller.",
				"OUTBOUND": "The seller reached out to the customer.",
			}}).
			Comment("Who reached out."),
		field.Time("occurred_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("OCCURRED_AT")).
			Comment("When it happened; now unless set."),
		field.String("subject").NotEmpty().MaxLen(300).Validate(notBlank).Comment("What it was about, 1 to 300 characters."),
		field.Text("summary").Optional().Validate(maxLength(20000)).Comment("What was said or agreed, up to 20,000 characters."),
		optionalRef("handled_by_id"), // the member who handled it
		externalID(),
	}
}

// Edges returns the interaction's edges.
func (Interaction) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("interactions").
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Comment("The account it was with; it never changes."),
		edge.From("handled_by", Member.Type).
			Ref("handled_interactions").
			Field("handled_by_id").
			Unique().
			Comment("The member who handled it; null when none."),
		edge.To("participants", Person.Type).
			Annotations(entgql.RelayConnection()).
			Comment("The customer's people who took part."),
		edge.To("feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Feedback given in the interaction."),
	}
}

// Indexes returns the interaction's indexes.
func (Interaction) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "account_id", "occurred_at"),
	}
}

// Annotations exposes interactions as a connection with an update mutation; logInteraction and
// syncInteractions create them.
func (Interaction) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A touchpoint with an account: a call, a meeting, an email thread. Every interaction is kept, so " +
			"whoever picks up the next call sees the whole history."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The interactions with the accounts the caller may see."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationUpdate()),
	}
}

// Policy shows an interaction with its account.
func (Interaction) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks keep the account's last interaction in its AccountPulse.
func (Interaction) Hooks() []ent.Hook { return []ent.Hook{pulseOfInteractions} }
