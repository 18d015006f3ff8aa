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
			Comment("The person's email address, unique in the tenant; stored trimmed and in lower case."),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Validate(notBlank).
			Annotations(entgql.OrderField("NAME")).
			Comment("The person's name, 1 to 200 characters."),
		field.String("title").Optional().MaxLen(200).Comment("Their job title, up to 200 characters."),
		field.String("phone").Optional().MaxLen(50).Comment("Their phone number as given, up to 50 characters."),
		externalID(),
		field.Bool("consent_marketing").Default(false).Comment("Whether they agreed to receive marketing; false unless set."),
		field.Bool("consent_research").
			Default(false).
			Comment("Whether they agreed to be surveyed and invited to user councils; false unless set."),
		field.Time("consent_updated_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When they last gave or withdrew consent, as the client recorded it; null when unknown."),
	}
}

// Edges returns the person's edges.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("buying_roles", BuyingContact.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Where the person buys: their buying contacts at accounts."),
		edge.To("end_user_roles", EndUser.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Where the person uses the product: their end-user records at accounts."),
		edge.To("council_memberships", CouncilMembership.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Their seats on user councils, current and past."),
		edge.To("feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The feedback they gave."),
		edge.From("interactions", Interaction.Type).
			Ref("participants").
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The interactions they took part in."),
		edge.From("attended_sessions", CouncilSession.Type).
			Ref("attendees").
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The council sessions they attended."),
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
		schema.Comment("A human at a customer. One person can buy for one account and use the product at another, " +
			"or both at the same account."),
		entgql.RelayConnection(),
		entgql.QueryField("people").Description("The people the caller may see: every person of the tenant for ADMIN, " +
			"ANALYST and INTEGRATION; for the other roles those who buy for, use the product at, gave feedback on or " +
			"took part in an interaction with an account the caller may see."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows a person through the accounts they are linked to.
func (Person) Policy() ent.Policy { return rule.Data(rule.PersonScope) }

// Hooks returns the person's hooks.
func (Person) Hooks() []ent.Hook { return []ent.Hook{normalizeEmail} }
