// Package schema is the data model: the ent schemas, their mixins, validation and access rules.
// It is the single source of truth for the database, the GraphQL types and the Go client.
package schema

import (
	"github.com/stakegraph/stakegraph/schema/rule"
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Tenant is a seller organisation: everything else belongs to exactly one.
type Tenant struct{ ent.Schema }

// Mixin returns the tenant's mixins.
func (Tenant) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "ten"}, LifecycleMixin{}}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// Fields returns the tenant's fields.
func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("slug").
			Unique().
			Immutable().
			Match(slugPattern).
			Comment("The value of the tenant claim in tokens: 1 to 63 lower-case letters, digits and hyphens, " +
				"starting and ending with a letter or digit. It never changes."),
		field.String("name").NotEmpty().MaxLen(200).Validate(notBlank).Comment("The organisation's name, 1 to 200 characters."),
	}
}

// Annotations exposes the tenant as a node (the viewer's own tenant only), without a list of
// its own: no ordering, no filters.
func (Tenant) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("The seller organisation. Every other record belongs to exactly one tenant, and a token sees " +
			"only its own tenant."),
		entgql.Mutations(entgql.MutationUpdate()),
		entgql.Skip(entgql.SkipOrderField, entgql.SkipWhereInput),
	}
}

// Policy lets members read their own tenant and admins rename it.
func (Tenant) Policy() ent.Policy { return rule.OwnTenant() }
