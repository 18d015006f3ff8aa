package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/stakegraph/stakegraph/schema/pulid"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// AccountPulse is derived data: the health signals of one account that do not depend on the
// time of asking, kept in step with its interactions, contracts, end users and complaints in
// the same transaction (see RefreshPulse). Ranking a tenant's accounts by health reads one row
// per account instead of grouping four tables. It is not part of the API and not journaled:
// the rows it derives from are.
type AccountPulse struct{ ent.Schema }

// Mixin returns the mixins: tenant scoped, nothing else.
func (AccountPulse) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "pls"}, TenantMixin{}}
}

// Fields returns the signals. A missing time means there is none.
func (AccountPulse) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		field.Time("last_interaction_at").SchemaType(microseconds).Optional().Nillable(),
		field.Time("renewal_at").SchemaType(microseconds).Optional().Nillable().
			Comment("the nearest end of an active contract"),
		field.Int64("seats").Default(0).Comment("seats of the active contracts"),
		field.Int("active_seats").Default(0).Comment("active licensed end users"),
		field.Int("open_complaints").Default(0),
	}
}

// Edges returns the edge to the account, through which the access rules see it.
func (AccountPulse) Edges() []ent.Edge {
	return []ent.Edge{
		// The database removes the row with its account: derived, it has nothing to journal.
		edge.To("account", Account.Type).Field("account_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes returns the indexes: one row per account.
func (AccountPulse) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "account_id").Unique(),
		index.Fields("account_id").Unique(),
	}
}

// Annotations keep the table out of the API.
func (AccountPulse) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "account_pulses"}, entgql.Skip(entgql.SkipAll)}
}

// Policy lets viewers read the rows of the accounts they see; only the data layer writes.
func (AccountPulse) Policy() ent.Policy { return rule.Derived(rule.ThroughAccount) }
