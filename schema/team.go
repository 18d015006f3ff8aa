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

// Team is a group of members led by a manager, who sees and reassigns the team's accounts.
type Team struct{ ent.Schema }

// Mixin returns the team's mixins.
func (Team) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "tea"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the team's fields.
func (Team) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Validate(notBlank).
			Annotations(entgql.OrderField("NAME")).
			Comment("The team's name, unique in the tenant, 1 to 200 characters."),
		optionalRef("manager_id"),
	}
}

// Edges returns the team's edges.
func (Team) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("manager", Member.Type).
			Ref("managed_teams").
			Field("manager_id").
			Unique().
			Comment("The member who leads the team; as a MANAGER, they see and reassign the accounts its members own. " +
				"Null when the team has no manager."),
		edge.To("members", Member.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The members of the team."),
	}
}

// Indexes returns the team's indexes.
func (Team) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "name").Unique(),
	}
}

// Annotations exposes teams as a connection.
func (Team) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A group of members led by a manager."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The tenant's teams, whatever the caller's role. Only ADMIN changes them."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy lets the tenant read its teams; admins change them.
func (Team) Policy() ent.Policy { return rule.AdminOnly() }
