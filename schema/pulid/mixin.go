package pulid

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// Mixin gives a schema its prefixed identifier.
type Mixin struct {
	mixin.Schema
	Prefix string
}

// Fields returns the id field.
func (m Mixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").
			MaxLen(MaxLen).
			NotEmpty().
			Immutable().
			DefaultFunc(func() string { return New(m.Prefix) }),
	}
}

// Annotation carries a schema's prefix to the code generator, which maps prefixes to types.
type Annotation struct {
	Prefix string
}

// Name implements schema.Annotation.
func (Annotation) Name() string { return "PULID" }

// Annotations returns the prefix annotation.
func (m Mixin) Annotations() []schema.Annotation {
	return []schema.Annotation{Annotation{Prefix: m.Prefix}}
}
