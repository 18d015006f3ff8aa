package schema

import (
	"entgo.io/ent/dialect"
	"github.com/stakegraph/stakegraph/schema/rule"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/stakegraph/stakegraph/internal/delta"
	"github.com/stakegraph/stakegraph/schema/apidoc"
	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Change is one row of the journal: one committed create, update or delete of an entity. It
// is the audit log, the integrators' change feed and the source of webhooks. Nothing in the
// API changes or deletes it.
type Change struct{ ent.Schema }

// Mixin returns the change's mixins: no lifecycle, a change never changes.
func (Change) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "chg"}, TenantMixin{}}
}

// Fields returns the change's fields.
func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("seq").
			Immutable().
			Positive().
			Annotations(entgql.OrderField("SEQ")).
			Comment("The position in the tenant's journal, from 1 without gaps: numbers become visible in order, so a " +
				"reader paging by them misses no committed change."),
		field.String("entity_type").
			Immutable().
			NotEmpty().
			MaxLen(64).
			Comment("The type of the entity that changed, as the API names it: Account, Feedback, …"),
		field.String("entity_id").
			Immutable().
			NotEmpty().
			MaxLen(pulid.MaxLen).
			Comment("The id of the entity that changed; it may be gone since."),
		field.String("external_id").
			Immutable().
			Optional().
			Nillable().
			MaxLen(200).
			Comment("The entity's external id when it had one, so that a feed can apply deletions by it."),
		field.Enum("operation").
			Values("CREATE", "UPDATE", "DELETE").
			Immutable().
			Annotations(apidoc.Enum{Type: "What a change did to its entity.", Values: map[string]string{
				"CREATE": "Created it.",
				"UPDATE": "Changed some of its fields.",
				"DELETE": "Deleted it.",
			}}).
			Comment("What the change did to the entity."),
		field.String("actor_subject").
			Immutable().
			MaxLen(255).
			Comment("Who made the change: the OIDC subject of the caller's token, or system:<reason> for the platform " +
				"acting on its own (provisioning, seeding)."),
		field.Time("at").
			SchemaType(microseconds).
			Immutable().
			Default(time.Now).
			Annotations(entgql.OrderField("AT")).
			Comment("When the change was made, in its transaction."),
		field.JSON("fields", []delta.Field{}).
			// Plain text on MySQL: MariaDB's JSON adds a json_valid check on every insert, and the
			// journal writes the document itself and never queries into it.
			SchemaType(map[string]string{dialect.MySQL: "longtext"}).
			Immutable().
			Annotations(entgql.Type("[FieldChange!]"), entgql.Skip(entgql.SkipWhereInput)).
			Comment("The fields the change touched, with their values before and after."),
		field.String("request_id").
			Immutable().
			Optional().
			MaxLen(100).
			Comment("The id of the request that made the change, as in its X-Request-Id header and the server's logs; " +
				"empty for a change made outside a request."),
	}
}

// Indexes returns the change's indexes: the feed reads by sequence, an entity's history by its
// id, a filtered feed by type. Filters by actor or time scan the tenant's sequence: an index for
// each would slow every write for reads that are rare.
func (Change) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "seq").Unique(),
		index.Fields("tenant_id", "entity_type", "seq"),
		index.Fields("tenant_id", "entity_id", "seq"),
	}
}

// Annotations exposes the journal as a read-only connection.
func (Change) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One row of the change journal: one committed create, update or delete of an entity. It is the " +
			"audit log and the integrators' change feed; nothing changes or deletes it. Only ADMIN and INTEGRATION " +
			"read it."),
		entgql.RelayConnection(),
		entgql.MultiOrder(),
	}
}

// ChangeSequence holds the last journal sequence number handed out in a tenant. A transaction
// takes the next numbers just before it commits, under this row's lock, so numbers become
// visible in order and a rolled-back transaction leaves no gap.
type ChangeSequence struct{ ent.Schema }

// Fields returns the sequence's fields; its id is the tenant's id.
func (ChangeSequence) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").MaxLen(pulid.MaxLen).NotEmpty().Immutable(),
		field.Int64("last").NonNegative(),
	}
}

// Annotations keeps the sequence out of the API.
func (ChangeSequence) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy lets admins and integrations read the journal; nobody changes it through ent.
func (Change) Policy() ent.Policy { return rule.Journal() }

// Policy keeps the sequence to the journal, which bypasses the rules to take numbers.
func (ChangeSequence) Policy() ent.Policy { return rule.Internal() }
