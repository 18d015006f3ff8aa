package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Account is a customer company.
type Account struct{ ent.Schema }

// Mixin returns the account's mixins.
func (Account) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "acc"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the account's fields.
func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Validate(notBlank).Annotations(entgql.OrderField("NAME")),
		field.String("domain").
			Optional().
			Nillable().
			MaxLen(253).
			Validate(validDomain).
			Comment("the company's internet domain, e.g. example.com"),
		externalID(),
		field.String("industry").Optional().MaxLen(100),
		field.String("region").Optional().MaxLen(100),
		field.Enum("size").
			Values("MICRO", "SMALL", "MEDIUM", "LARGE", "ENTERPRISE").
			Optional().
			Nillable().
			Comment("headcount band: MICRO <10, SMALL <50, MEDIUM <250, LARGE <1000, ENTERPRISE 1000+"),
		field.Enum("tier").
			Values("STRATEGIC", "KEY", "GROWTH", "STANDARD").
			Default("STANDARD").
			Annotations(entgql.OrderField("TIER")),
		field.Enum("stage").
			Values("PROSPECT", "NEW", "ACTIVE", "RETAINED", "LOYAL", "CHURNED").
			Default("PROSPECT").
			Annotations(entgql.OrderField("STAGE")),
		optionalRef("owner_id"), // the key-account manager who owns the account
		optionalRef("parent_id"),
	}
}

// Edges returns the account's edges.
func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", Member.Type).Ref("owned_accounts").Field("owner_id").Unique(),
		edge.To("children", Account.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			From("parent").
			Field("parent_id").
			Unique(),
		edge.To("buying_contacts", BuyingContact.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("end_users", EndUser.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("contracts", Contract.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("councils", UserCouncil.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("interactions", Interaction.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the account's indexes.
func (Account) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "name"),
		index.Fields("tenant_id", "owner_id"),
		index.Fields("tenant_id", "tier", "stage"),
	}
}

// Annotations exposes accounts as a connection with create and update mutations.
func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy is the policy of customer data, with the rules of who may own an account.
func (Account) Policy() ent.Policy { return rule.Data(rule.AccountScope, rule.AccountOwner()) }

// Hooks returns the account's hooks.
func (Account) Hooks() []ent.Hook { return []ent.Hook{noParentCycle} }
