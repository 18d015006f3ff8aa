package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	entsql "entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/schema/pulid"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// LatestNPS is derived data: each person's latest NPS response per account and persona, kept
// in step with feedback in the same transaction. It lets the tenant-wide views rank thousands
// of accounts by perception without reading every feedback row. It is not part of the API and
// not journaled: the feedback it derives from is.
type LatestNPS struct{ ent.Schema }

// Mixin returns the mixins: tenant scoped, nothing else.
func (LatestNPS) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "lnp"}, TenantMixin{}}
}

// Fields returns the fields.
func (LatestNPS) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		field.Enum("persona").GoType(enum.Persona("")),
		field.String("person_id").MaxLen(pulid.MaxLen).NotEmpty(),
		field.String("feedback_id").MaxLen(pulid.MaxLen).NotEmpty(),
		field.Int("score").Range(0, 10),
		field.Time("received_at").SchemaType(microseconds),
	}
}

// Edges returns the edge to the account, through which the access rules see it.
func (LatestNPS) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("account", Account.Type).Field("account_id").Unique().Required().Immutable(),
	}
}

// Indexes returns the indexes: one row per account, persona and person; and a covering index
// for counting each account's voices over a window, in the order of the grouping, so that
// ranking a whole tenant streams through it without a temporary table.
func (LatestNPS) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "account_id", "persona", "person_id").Unique(),
		index.Fields("tenant_id", "account_id", "persona", "received_at", "score"),
	}
}

// Annotations keep the table out of the API.
func (LatestNPS) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "latest_nps"}, entgql.Skip(entgql.SkipAll)}
}

// Policy lets viewers read the rows of the accounts they see; only the feedback hook writes.
func (LatestNPS) Policy() ent.Policy { return rule.Derived(rule.ThroughAccount) }
