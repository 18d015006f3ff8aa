package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/enum"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Member is one of the seller's staff, known by the subject of their OIDC tokens.
type Member struct{ ent.Schema }

// Mixin returns the member's mixins.
func (Member) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "mem"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the member's fields.
func (Member) Fields() []ent.Field {
	return []ent.Field{
		field.String("subject").
			NotEmpty().
			MaxLen(255).
			Immutable().
			Comment("the OIDC subject of the member's tokens"),
		field.String("email").Optional().MaxLen(254).Validate(validEmail),
		field.String("name").Optional().MaxLen(200).Validate(notBlank).Annotations(entgql.OrderField("NAME")),
		field.Enum("role").
			GoType(enum.Role("")).
			Default(string(enum.RoleKeyAccountManager)).
			Annotations(entgql.Type("Role"), entgql.OrderField("ROLE")),
		optionalRef("team_id"),
		field.Time("last_seen_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges returns the member's edges.
func (Member) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("team", Team.Type).Ref("members").Field("team_id").Unique(),
		edge.To("managed_teams", Team.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("owned_accounts", Account.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("handled_interactions", Interaction.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("captured_feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("acknowledged_complaints", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("resolved_complaints", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the member's indexes.
func (Member) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "subject").Unique(),
	}
}

// Annotations exposes members as a connection; only admins change them.
func (Member) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy lets the tenant read its members; admins and provisioning change them.
func (Member) Policy() ent.Policy { return rule.AdminOnly() }

// Hooks returns the member's hooks.
func (Member) Hooks() []ent.Hook { return []ent.Hook{normalizeEmail} }
