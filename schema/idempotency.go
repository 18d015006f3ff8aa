package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/schema/pulid"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// IdempotencyKey remembers the response to a mutation request sent with an Idempotency-Key
// header, so that a client retrying after a lost response gets the stored response instead of
// running the mutation twice. It is written in the mutation's own transaction, so it holds
// across replicas: a key commits exactly when its mutation does. A key belongs to the member
// who sent it: another member's identical key is another key, so that nobody can read a
// colleague's stored response, learn that a key is in use, or claim it first.
type IdempotencyKey struct{ ent.Schema }

// Mixin returns the mixins: tenant scoped, never changed after the mutation commits.
func (IdempotencyKey) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "idk"}, TenantMixin{}}
}

// Fields returns the fields.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		// The default lets a database from before keys were per member migrate: its keys get no
		// member, so no request finds them, and they expire as usual.
		field.String("member_id").MaxLen(pulid.MaxLen).Default("").Immutable().
			Comment("the member who sent the key"),
		field.String("key").NotEmpty().MaxLen(255).Immutable(),
		field.Enum("role").GoType(enum.Role("")).Optional().Immutable().
			Comment("the sender's role when the request ran: the response is replayed only under the same role"),
		field.String("request_hash").NotEmpty().MaxLen(64).Immutable().
			Comment("SHA-256 of the operation and its variables: the same key with another request is a conflict"),
		field.Bytes("response").Optional().Comment("the JSON response that was sent"),
		field.Time("created_at").SchemaType(microseconds).Default(time.Now).Immutable(),
	}
}

// Indexes returns the indexes.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "member_id", "key").Unique(),
		index.Fields("tenant_id", "created_at"),
	}
}

// Annotations keep the table out of the API.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// Policy keeps the table to the server, which writes it with privacy.Allow.
func (IdempotencyKey) Policy() ent.Policy { return rule.Internal() }
