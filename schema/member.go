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
			Comment("The OIDC subject (sub claim) of the member's tokens; it never changes."),
		field.String("email").
			Optional().
			MaxLen(254).
			Validate(validEmail).
			Comment("The member's email, from their token; stored in lower case."),
		field.String("name").
			Optional().
			MaxLen(200).
			Validate(notBlank).
			Annotations(entgql.OrderField("NAME")).
			Comment("The member's name, from their token."),
		field.Enum("role").
			GoType(enum.Role("")).
			Default(string(enum.RoleKeyAccountManager)).
			Annotations(entgql.Type("Role"), entgql.OrderField("ROLE"), roleDoc).
			Comment("The member's role as their latest token gave it; KEY_ACCOUNT_MANAGER unless set. What a request " +
				"may do follows the role in its own token."),
		optionalRef("team_id"),
		field.Time("last_seen_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)).
			Comment("When the member last made a request, to within an hour; null when never."),
	}
}

// Edges returns the member's edges.
func (Member) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("team", Team.Type).
			Ref("members").
			Field("team_id").
			Unique().
			Comment("The team the member belongs to; null when none."),
		edge.To("managed_teams", Team.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The teams the member manages."),
		edge.To("owned_accounts", Account.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The accounts the member owns (those the caller may see)."),
		edge.To("handled_interactions", Interaction.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The interactions the member handled (those the caller may see)."),
		edge.To("captured_feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The feedback the member recorded (that the caller may see)."),
		edge.To("acknowledged_complaints", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The complaints the member acknowledged (that the caller may see)."),
		edge.To("resolved_complaints", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The complaints the member resolved (that the caller may see)."),
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
		schema.Comment("One of the seller's staff, known by the subject of their OIDC tokens: their first request " +
			"creates the member, and a later token with another email, name or role brings the record up to date."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The seller's staff: every member of the tenant, whatever the caller's role. " +
			"Only ADMIN changes them."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy lets the tenant read its members; admins and provisioning change them.
func (Member) Policy() ent.Policy { return rule.AdminOnly() }

// Hooks returns the member's hooks.
func (Member) Hooks() []ent.Hook { return []ent.Hook{normalizeEmail} }
