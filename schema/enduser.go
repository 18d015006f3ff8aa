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
		field.String("department").Optional().MaxLen(200),
		field.String("job_role").Optional().MaxLen(200),
		field.Enum("status").
			Values("INVITED", "ACTIVE", "INACTIVE", "REMOVED").
			Default("ACTIVE").
			Annotations(entgql.OrderField("STATUS")),
		field.Bool("licensed").Default(true).Comment("holds a licensed seat"),
		field.Time("first_seen_at").SchemaType(microseconds).Optional().Nillable(),
		field.Time("last_active_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(entgql.OrderField("LAST_ACTIVE_AT")),
		externalID(),
	}
}

// Edges returns the end user's edges.
func (EndUser) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("end_users").Field("account_id").Unique().Required().Immutable(),
		edge.From("person", Person.Type).Ref("end_user_roles").Field("person_id").Unique().Required().Immutable(),
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
		entgql.RelayConnection(),
		entgql.QueryField(),
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
