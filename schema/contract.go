package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/schema/pulid"
)

// Contract is what an account signed: term, value, seats and renewal terms.
type Contract struct{ ent.Schema }

// Mixin returns the contract's mixins.
func (Contract) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "ctr"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the contract's fields.
func (Contract) Fields() []ent.Field {
	return []ent.Field{
		ref("account_id"),
		field.String("number").
			NotEmpty().
			MaxLen(64).
			Validate(notBlank).
			Annotations(entgql.OrderField("NUMBER")).
			Comment("the contract number, unique per tenant"),
		externalID(),
		field.Enum("status").
			Values("DRAFT", "ACTIVE", "EXPIRED", "TERMINATED").
			Default("DRAFT").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("start_date").SchemaType(microseconds).Annotations(entgql.OrderField("START_DATE")),
		field.Time("end_date").SchemaType(microseconds).Annotations(entgql.OrderField("END_DATE")),
		field.Int("renewal_notice_days").
			Default(90).
			Range(0, 3650).
			Comment("days before the end date by which either side must give notice"),
		field.Bool("auto_renew").Default(false),
		field.Int64("value_minor").
			Default(0).
			NonNegative().
			Annotations(entgql.OrderField("VALUE")).
			Comment("the contract value in minor units of the currency (cents)"),
		field.String("currency").
			MaxLen(3).
			Validate(validCurrency).
			Comment("ISO 4217 code, e.g. EUR"),
		field.Int("seats").Optional().Nillable().NonNegative().Comment("licensed seats"),
		optionalRef("signed_by_id"), // a buying contact of the same account
		field.Time("signed_at").SchemaType(microseconds).Optional().Nillable(),
	}
}

// Edges returns the contract's edges.
func (Contract) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).Ref("contracts").Field("account_id").Unique().Required().Immutable(),
		edge.From("signed_by", BuyingContact.Type).Ref("signed_contracts").Field("signed_by_id").Unique(),
		edge.To("feedback", Feedback.Type).Annotations(entgql.RelayConnection(), readOnlyEdge),
	}
}

// Indexes returns the contract's indexes.
func (Contract) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "number").Unique(),
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "status", "end_date"),
		index.Fields("tenant_id", "status", "account_id", "end_date", "seats"), // renewal and seats per account, covered (AccountPulse)
	}
}

// Annotations exposes contracts as a connection with create and update mutations.
func (Contract) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy shows a contract with its account.
func (Contract) Policy() ent.Policy { return rule.Data(rule.ThroughAccount) }

// Hooks returns the contract's hooks.
func (Contract) Hooks() []ent.Hook {
	return []ent.Hook{contractRules, inOrder("start_date", "end_date", "startDate", "endDate", true), pulseOfContracts}
}
