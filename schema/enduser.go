package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/schema/apidoc"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// EndUser is a person who uses the product at an account: the voice of the end user.
type EndUser struct{ ent.Schema }

// Mixin returns the end user's mixins.
func (EndUser) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "eus"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the end user's fields.
func (EndUser) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		ref("person_id"),
		field.String("department").Optional().MaxLen(200).Comment("The department they work in, up to 200 characters."),
		field.String("job_role").Optional().MaxLen(200).Comment("What they do with the product, up to 200 characters."),
		field.Enum("status").
			Values("INVITED", "ACTIVE", "INACTIVE", "REMOVED").
			Default("ACTIVE").
			Annotations(entgql.OrderField("STATUS"), apidoc.Enum{Type: "Where an end user stands with the product.", Values: map[string]string{
				"INVITED":  "Invited, not using it yet.",
				"ACTIVE":   "Using the product (the default).",
				"INACTIVE": "Has stopped using it.",
				"REMOVED":  "No longer a user at the account.",
			}}).
			Comment("Where they stand with the product; ACTIVE unless set. Active licensed end users fill the seats of " +
				"the account's active contracts."),
		field.Bool("licensed").Default(true).Comment("Whether they hold a licensed seat; true unless set."),
		field.Time("first_seen_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When they first used the product; null when unknown."),
		field.Time("last_active_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(entgql.OrderField("LAST_ACTIVE_AT")).
			Comment("When they last used the product, not before firstSeenAt; null when unknown."),
		externalID(),
	}
}

// Edges returns the end user's edges.
func (EndUser) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("end_users").
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Comment("The account where the person uses the product; it never changes."),
		edge.From("person", Person.Type).
			Ref("end_user_roles").
			Field("person_id").
			Unique().
			Required().
			Immutable().
			Comment("The person; it never changes."),
	}
}

// Indexes returns the end user's indexes.
func (EndUser) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "account_id", "person_id").Unique(),
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "account_id", "status", "licensed"),
	}
}

// Annotations exposes end users as a connection with create and update mutations.
func (EndUser) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A person who uses the product at an account: the voice of the end user. A person is an end " +
			"user of an account at most once."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The end users of the accounts the caller may see."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows an end user with its account.
func (EndUser) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks returns the end user's hooks.
func (EndUser) Hooks() []ent.Hook {
	return []ent.Hook{inOrder("first_seen_at", "last_active_at", "firstSeenAt", "lastActiveAt", false), pulseOfEndUsers}
}
