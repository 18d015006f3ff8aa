package schema

import (
	"context"
	"fmt"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/schema/rule"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// TenantMixin gives an entity its immutable tenant_id. It is never part of the API: the
// viewer's tenant is set on create, and the access rules filter every query and mutation by it.
type TenantMixin struct{ mixin.Schema }

// Fields returns the tenant_id field.
func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("tenant_id").
			MaxLen(pulid.MaxLen).
			NotEmpty().
			Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// LifecycleMixin gives a mutable entity created_at, updated_at and a version that every
// update increments, for optimistic concurrency and change detection.
type LifecycleMixin struct{ mixin.Schema }

// Fields returns created_at, updated_at and version.
func (LifecycleMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			SchemaType(microseconds).
			Default(time.Now).
			Immutable().
			Comment("When it was created.").
			Annotations(
				entgql.OrderField("CREATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput),
			),
		field.Time("updated_at").
			SchemaType(microseconds).
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment("When it last changed.").
			Annotations(
				entgql.OrderField("UPDATED_AT"),
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Int64("version").
			Default(1).
			Positive().
			Comment("1 when created, one more with every update that changes something: pass the version you read as " +
				"expectedVersion, and an update of a record changed since fails with CONFLICT.").
			Annotations(
				entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput),
			),
	}
}

// Hooks journals every change and increments version on every update.
func (LifecycleMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		journal.Hook(),
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
					if err := m.AddField("version", int64(1)); err != nil {
						return nil, fmt.Errorf("incrementing version of %s: %w", m.Type(), err)
					}
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}

// microseconds keeps sub-second precision on MySQL, whose datetime default is whole seconds.
var microseconds = map[string]string{dialect.MySQL: "datetime(6)"}

// ref is the column of a required to-one edge that never changes (the account of a contract).
func ref(name string) ent.Field {
	return field.String(name).MaxLen(pulid.MaxLen).NotEmpty().Immutable()
}

// optionalRef is the column of an optional to-one edge that can change (an account's owner).
func optionalRef(name string) ent.Field {
	return field.String(name).MaxLen(pulid.MaxLen).NotEmpty().Optional().Nillable()
}

// externalID is the identifier of the entity in an integrator's system; unique per tenant.
func externalID() ent.Field {
	return field.String("external_id").
		MaxLen(200).
		NotEmpty().
		Optional().
		Nillable().
		Comment("Its id in an integrator's system (an ERP, a survey tool), up to 200 characters and unique in the " +
			"tenant: sync matches records by it. Null when it has none.")
}

// Policy keeps every query and mutation inside the viewer's tenant.
func (TenantMixin) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{rule.Tenant()},
		Mutation: privacy.MutationPolicy{rule.Tenant()},
	}
}

// readOnlyEdge keeps a to-many edge out of the create and update inputs: a contract moves to
// another account by no one's input, and a person's roles are made from the role's side.
var readOnlyEdge = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
