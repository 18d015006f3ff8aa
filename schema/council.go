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

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// UserCouncil is a customer advisory board of users. With an account it belongs to that
// account; without one it gathers users across accounts.
type UserCouncil struct{ ent.Schema }

// Mixin returns the council's mixins.
func (UserCouncil) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "cou"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the council's fields.
func (UserCouncil) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Validate(notBlank).Annotations(entgql.OrderField("NAME")),
		field.Text("purpose").Optional().Validate(maxLength(5000)),
		field.Enum("status").
			Values("FORMING", "ACTIVE", "RETIRED").
			Default("FORMING").
			Annotations(entgql.OrderField("STATUS")),
		field.String("account_id").
			MaxLen(pulid.MaxLen).
			NotEmpty().
			Optional().
			Nillable().
			Immutable().
			Comment("the account the council belongs to; none for a cross-account council"),
	}
}

// Edges returns the council's edges.
func (UserCouncil) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("councils").Field("account_id").Unique().Immutable(),
		edge.To("memberships", CouncilMembership.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
		edge.To("sessions", CouncilSession.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the council's indexes.
func (UserCouncil) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "name").Unique(),
	}
}

// Annotations exposes councils as a connection with create and update mutations.
func (UserCouncil) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField("userCouncils"),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// CouncilMembership is a person's seat on a council.
type CouncilMembership struct{ ent.Schema }

// Mixin returns the membership's mixins.
func (CouncilMembership) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "cmb"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the membership's fields.
func (CouncilMembership) Fields() []ent.Field {
	return []ent.Field{
		ref("council_id"),
		ref("person_id"),
		field.Enum("role").
			Values("CHAIR", "MEMBER", "SPONSOR", "OBSERVER").
			Default("MEMBER").
			Annotations(entgql.OrderField("ROLE")),
		field.Time("joined_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("JOINED_AT")),
		field.Time("left_at").SchemaType(microseconds).Optional().Nillable(),
	}
}

// Edges returns the membership's edges.
func (CouncilMembership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("council", UserCouncil.Type).Ref("memberships").Field("council_id").Unique().Required().Immutable(),
		edge.From("person", Person.Type).Ref("council_memberships").Field("person_id").Unique().Required().Immutable(),
	}
}

// Indexes returns the membership's indexes.
func (CouncilMembership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "council_id", "person_id").Unique(),
	}
}

// Annotations exposes memberships as a connection with create and update mutations.
func (CouncilMembership) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// CouncilSession is a meeting of a council: when, the agenda, the notes, who came.
type CouncilSession struct{ ent.Schema }

// Mixin returns the session's mixins.
func (CouncilSession) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "cse"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the session's fields.
func (CouncilSession) Fields() []ent.Field {
	return []ent.Field{
		ref("council_id"),
		field.Time("held_at").SchemaType(microseconds).Annotations(entgql.OrderField("HELD_AT")),
		field.String("title").Optional().MaxLen(300),
		field.Text("agenda").Optional().Validate(maxLength(20000)),
		field.Text("notes").Optional().Validate(maxLength(100000)),
	}
}

// Edges returns the session's edges.
func (CouncilSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("council", UserCouncil.Type).Ref("sessions").Field("council_id").Unique().Required().Immutable(),
		edge.To("attendees", Person.Type).Annotations(entgql.RelayConnection()),
		edge.To("feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the session's indexes.
func (CouncilSession) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "council_id", "held_at"),
	}
}

// Annotations exposes sessions as a connection with create and update mutations.
func (CouncilSession) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows an account's council with the account, a cross-account council to everyone.
func (UserCouncil) Policy() ent.Policy {
	return rule.Data(rule.CouncilScope, rule.CrossAccountCouncils())
}

// Policy shows a membership when both its council and its person are visible.
func (CouncilMembership) Policy() ent.Policy { return rule.Data(rule.MembershipScope) }

// Hooks returns the membership's hooks.
func (CouncilMembership) Hooks() []ent.Hook {
	return []ent.Hook{councilMember, inOrder("joined_at", "left_at", "joinedAt", "leftAt", false)}
}

// Policy shows a session with its council.
func (CouncilSession) Policy() ent.Policy { return rule.Data(rule.SessionScope) }

// Hooks returns the session's hooks.
func (CouncilSession) Hooks() []ent.Hook { return []ent.Hook{sessionAttendees} }
