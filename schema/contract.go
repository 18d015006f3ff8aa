package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"github.com/stakegraph/stakegraph/schema/rule"

	"github.com/stakegraph/stakegraph/schema/apidoc"
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
			Comment("The contract number, unique in the tenant, up to 64 characters."),
		externalID(),
		field.Enum("status").
			Values("DRAFT", "ACTIVE", "EXPIRED", "TERMINATED").
			Default("DRAFT").
			Annotations(entgql.OrderField("STATUS"), apidoc.Enum{Type: "Where a contract stands.", Values: map[string]string{
				"DRAFT":      "Not in force yet (the default).",
				"ACTIVE":     "In force: the account's health counts its end date (the renewal) and its seats.",
				"EXPIRED":    "Ran to its end date.",
				"TERMINATED": "Ended before its end date.",
			}}).
			Comment("Where the contract stands; DRAFT unless set."),
		field.Time("start_date").
			SchemaType(microseconds).
			Annotations(entgql.OrderField("START_DATE")).
			Comment("When the term starts."),
		field.Time("end_date").
			SchemaType(microseconds).
			Annotations(entgql.OrderField("END_DATE")).
			Comment("When the term ends; after startDate."),
		field.Int("renewal_notice_days").
			Default(90).
			Range(0, 3650).
			Comment("Days before the end date by which either side must give notice, 0 to 3650; 90 unless set."),
		field.Bool("auto_renew").Default(false).Comment("Whether the contract renews by itself unless notice is given; false unless set."),
		field.Int64("value_minor").
			Default(0).
			NonNegative().
			Annotations(entgql.OrderField("VALUE")).
			Comment("The contract's value in minor units of its currency (cents for EUR), 0 or more; 0 unless set."),
		field.String("currency").
			MaxLen(3).
			Validate(validCurrency).
			Comment("The ISO 4217 code of the value's currency, e.g. EUR; stored in upper case."),
		field.Int("seats").
			Optional().
			Nillable().
			NonNegative().
			Comment("The licensed seats, 0 or more; null when the contract does not count seats."),
		optionalRef("signed_by_id"), // a buying contact of the same account
		field.Time("signed_at").
			SchemaType(microseconds).
			Optional().
			Nillable().
			Comment("When it was signed; null when not signed or unknown."),
	}
}

// Edges returns the contract's edges.
func (Contract) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("account", Account.Type).
			Ref("contracts").
			Field("account_id").
			Unique().
			Required().
			Immutable().
			Comment("The account that signed the contract; it never changes."),
		edge.From("signed_by", BuyingContact.Type).
			Ref("signed_contracts").
			Field("signed_by_id").
			Unique().
			Comment("The buying contact who signed, one of the same account's; null when unknown."),
		edge.To("feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Feedback about this contract."),
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
		schema.Comment("What an account signed: its term, value, seats and renewal terms."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The contracts of the accounts the caller may see."),
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
