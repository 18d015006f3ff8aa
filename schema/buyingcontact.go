package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/schema/apidoc"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// BuyingContact is a person on the purchasing side of an account: the voice of the purchaser.
type BuyingContact struct{ ent.Schema }

// Mixin returns the buying contact's mixins.
func (BuyingContact) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "bct"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the buying contact's fields.
func (BuyingContact) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		ref("person_id"),
		field.JSON("roles", []enum.BuyingRole{}).
			Default([]enum.BuyingRole{}).
			Annotations(entgql.Type("[BuyingRole!]"), entgql.Skip(entgql.SkipWhereInput)).
			Comment("The parts the person plays in purchasing, each once."),
		field.Bool("primary").
			Default(false).
			Comment("Whether this is the account's main purchasing contact. An account has at most one: marking a " +
				"contact primary makes the previous one not."),
		field.Enum("influence").
			Values("LOW", "MEDIUM", "HIGH").
			Optional().
			Nillable().
			Annotations(apidoc.Enum{Type: "How much sway a buying contact has over a purchase.", Values: map[string]string{
				"LOW":    "Little: they are heard.",
				"MEDIUM": "Some: they shape the decision.",
				"HIGH":   "Much: the decision hangs on them.",
			}}).
			Comment("How much sway the person has over the purchase; null when unknown."),
		field.Time("since").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When the person took this part; null when unknown."),
		field.Time("until").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When the person gave this part up, not before since; null while they have it."),
		externalID(),
	}
}

// Edges returns the buying contact's edges.
func (BuyingContact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("buying_contacts").
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Comment("The account the person buys for; it never changes."),
		edge.From("person", Person.Type).
			Ref("buying_roles").
			Field("person_id").
			Unique().
			Required().
			Immutable().
			Comment("The person; it never changes."),
		edge.To("signed_contracts", Contract.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The account's contracts this person signed."),
	}
}

// Indexes returns the buying contact's indexes.
func (BuyingContact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "account_id", "person_id").Unique(),
		index.Fields("tenant_id", "external_id").Unique(),
	}
}

// Annotations exposes buying contacts as a connection with create and update mutations.
func (BuyingContact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A person on the purchasing side of an account, with the parts they play in buying: the voice of " +
			"the purchaser. A person is a buying contact of an account at most once."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The buying contacts of the accounts the caller may see."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows a buying contact with its account.
func (BuyingContact) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks returns the buying contact's hooks.
func (BuyingContact) Hooks() []ent.Hook {
	return []ent.Hook{buyingRoles, inOrder("since", "until", "since", "until", false)}
}
