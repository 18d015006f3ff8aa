package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Person is a human at a customer. One person can buy for one account and use the product
// at another, or both at the same account.
type Person struct{ ent.Schema }

// Mixin returns the person's mixins.
func (Person) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "per"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the person's fields.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").
			MaxLen(254).
			Validate(validEmail).
			Annotations(entgql.OrderField("EMAIL")).
			Comment("unique per tenant; stored in lower case"),
		field.String("name").NotEmpty().MaxLen(200).Validate(notBlank).Annotations(entgql.OrderField("NAME")),
		field.String("title").Optional().MaxLen(200).Comment("job title"),
		field.String("phone").Optional().MaxLen(50),
		externalID(),
		field.Bool("consent_marketing").Default(false).Comment("may receive marketing"),
		field.Bool("consent_research").
			Default(false).
			Comment("may be surveyed and invited to user councils"),
		field.Time("consent_updated_at").SchemaType(microseconds).Optional().Nillable(),
	}
}

// Edges returns the person's edges.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("buying_roles", BuyingContact.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("end_user_roles", EndUser.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("council_memberships", CouncilMembership.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.From("interactions", Interaction.Type).
			Ref("participants").
			Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.From("attended_sessions", CouncilSession.Type).
			Ref("attendees").
			Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the person's indexes.
func (Person) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "email").Unique(),
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "name"),
	}
}

// Annotations exposes people as a connection with create and update mutations.
func (Person) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entsql.Annotation{Table: "people"},
		entgql.RelayConnection(),
		entgql.QueryField("people"),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows a person through the accounts they are linked to.
func (Person) Policy() ent.Policy { return rule.Data(rule.PersonScope) }

// Hooks returns the person's hooks.
func (Person) Hooks() []ent.Hook { return []ent.Hook{normalizeEmail} }
