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

	"github.com/stakegraph/stakegraph/schema/apidoc"
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
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Validate(notBlank).
			Annotations(entgql.OrderField("NAME")).
			Comment("The council's name, unique in the tenant, 1 to 200 characters."),
		field.Text("purpose").Optional().Validate(maxLength(5000)).Comment("What the council is for, up to 5,000 characters."),
		field.Enum("status").
			Values("FORMING", "ACTIVE", "RETIRED").
			Default("FORMING").
			Annotations(entgql.OrderField("STATUS"), apidoc.Enum{Type: "Where a user council stands.", Values: map[string]string{
				"FORMING": "Being set up (the default).",
				"ACTIVE":  "Meeting.",
				"RETIRED": "No longer meets.",
			}}).
			Comment("Where the council stands; FORMING unless set."),
		field.String("account_id").
			MaxLen(pulid.MaxLen).
			NotEmpty().
			Optional().
			Nillable().
			Immutable().
			Comment("The id of the account the council belongs to; null for a cross-account council. It never changes."),
	}
}

// Edges returns the council's edges.
func (UserCouncil) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("councils").
			Field("account_id").
			Unique().
			Immutable().
			Comment("The account the council belongs to; null for a cross-account council."),
		edge.To("memberships", CouncilMembership.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The seats on the council, of current and past members (leftAtIsNil: true keeps the current ones)."),
		edge.To("sessions", CouncilSession.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The council's meetings."),
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
		schema.Comment("A customer advisory board of users who meet, give feedback and champion the product. With an " +
			"account it belongs to that account and is visible with it; without one it gathers users across accounts " +
			"and is visible to the whole tenant."),
		entgql.RelayConnection(),
		entgql.QueryField("userCouncils").Description("The user councils the caller may see: those of the accounts " +
			"they may see, and every cross-account council."),
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
			Annotations(entgql.OrderField("ROLE"), apidoc.Enum{Type: "The part a person plays on a user council.", Values: map[string]string{
				"CHAIR":    "Leads the council.",
				"MEMBER":   "Takes part (the default).",
				"SPONSOR":  "Backs the council on the customer's side.",
				"OBSERVER": "Attends without taking part.",
			}}).
			Comment("The part they play on the council; MEMBER unless set."),
		field.Time("joined_at").
			SchemaType(microseconds).
			Default(time.Now).
			Annotations(entgql.OrderField("JOINED_AT")).
			Comment("When they joined; now unless set."),
		field.Time("left_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When they left, not before joinedAt; null while they sit on the council."),
	}
}

// Edges returns the membership's edges.
func (CouncilMembership) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("council", UserCouncil.Type).
			Ref("memberships").
			Field("council_id").
			Unique().
			Required().
			Immutable().
			Comment("The council; it never changes."),
		edge.From("person", Person.Type).
			Ref("council_memberships").
			Field("person_id").
			Unique().
			Required().
			Immutable().
			Comment("The person on the seat; it never changes."),
	}
}

// Indexes returns the membership's indexes.
func (CouncilMembership) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "council_id", "person_id").Unique(),
	}
}

// Annotations exposes memberships as a connection with an update mutation; addCouncilMember
// creates them.
func (CouncilMembership) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A person's seat on a user council. The person buys for or uses the product at the council's " +
			"account (at any account of the tenant, for a cross-account council). Visible when both the council and " +
			"the person are."),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationUpdate()),
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
		field.Time("held_at").
			SchemaType(microseconds).
			Annotations(entgql.OrderField("HELD_AT")).
			Comment("When the session was held."),
		field.String("title").Optional().MaxLen(300).Comment("Its title, up to 300 characters."),
		field.Text("agenda").Optional().Validate(maxLength(20000)).Comment("Its agenda, up to 20,000 characters."),
		field.Text("notes").Optional().Validate(maxLength(100000)).Comment("The notes taken, up to 100,000 characters."),
	}
}

// Edges returns the session's edges.
func (CouncilSession) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("council", UserCouncil.Type).
			Ref("sessions").
			Field("council_id").
			Unique().
			Required().
			Immutable().
			Comment("The council that met; it never changes."),
		edge.To("attendees", Person.Type).
			Annotations(entgql.RelayConnection()).
			Comment("The people who attended: members of the council on the day."),
		edge.To("feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The feedback given at the session."),
	}
}

// Indexes returns the session's indexes.
func (CouncilSession) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "council_id", "held_at"),
	}
}

// Annotations exposes sessions as a connection with an update mutation; recordCouncilSession
// creates them.
func (CouncilSession) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A meeting of a user council: when, the agenda, the notes, who came and the feedback given " +
			"there. Visible with its council."),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationUpdate()),
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
