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

// Account is a customer company.
type Account struct{ ent.Schema }

// Mixin returns the account's mixins.
func (Account) Mixin() []ent.Mixin {
	return []ent.Mixin{pulid.Mixin{Prefix: "acc"}, TenantMixin{}, LifecycleMixin{}}
}

// Fields returns the account's fields.
func (Account) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Validate(notBlank).
			Annotations(entgql.OrderField("NAME")).
			Comment("The company's name, 1 to 200 characters."),
		field.String("domain").
			Optional().
			Nillable().
			MaxLen(253).
			Validate(validDomain).
			Comment("The company's internet domain, e.g. example.com: a host name without scheme or path. Null when unknown."),
		externalID(),
		field.String("industry").Optional().MaxLen(100).Comment("The company's industry, in the seller's words (up to 100 characters)."),
		field.String("region").Optional().MaxLen(100).Comment("The company's region, in the seller's words (up to 100 characters)."),
		field.Enum("size").
			Values("MICRO", "SMALL", "MEDIUM", "LARGE", "ENTERPRISE").
			Optional().
			Nillable().
			Annotations(apidoc.Enum{Type: "A company's headcount band.", Values: map[string]string{
				"MICRO":      "Fewer than 10 people.",
				"SMALL":      "10 to 49 people.",
				"MEDIUM":     "50 to 249 people.",
				"LARGE":      "250 to 999 people.",
				"ENTERPRISE": "1,000 people or more.",
			}}).
			Comment("The company's headcount band; null when unknown."),
		field.Enum("tier").
			Values("STRATEGIC", "KEY", "GROWTH", "STANDARD").
			Default("STANDARD").
			Annotations(entgql.OrderField("TIER"), apidoc.Enum{Type: "How much an account matters to the seller.", Values: map[string]string{
				"STRATEGIC": "One of the few accounts the seller's strategy depends on.",
				"KEY":       "A major account, managed one to one.",
				"GROWTH":    "An account with room to grow.",
				"STANDARD":  "Any other account (the default).",
			}}).
			Comment("How much the account matters to the seller; STANDARD unless set."),
		field.Enum("stage").
			Values("PROSPECT", "NEW", "ACTIVE", "RETAINED", "LOYAL", "CHURNED").
			Default("PROSPECT").
			Annotations(entgql.OrderField("STAGE"), apidoc.Enum{
				Type: "The rungs of the customer ladder: PROSPECT → NEW → ACTIVE → RETAINED → LOYAL, or CHURNED.",
				Values: map[string]string{
					"PROSPECT": "Not a customer yet (the default).",
					"NEW":      "Has just become a customer.",
					"ACTIVE":   "A customer using the product.",
					"RETAINED": "A customer that has renewed.",
					"LOYAL":    "A long-standing customer that keeps renewing.",
					"CHURNED":  "A former customer. The at-risk and gap rankings leave these out unless asked for by stage.",
				},
			}).
			Comment("Where the account stands on the customer ladder; PROSPECT unless set."),
		optionalRef("owner_id"), // the key-account manager who owns the account
		optionalRef("parent_id"),
	}
}

// Edges returns the account's edges.
func (Account) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("owner", Member.Type).
			Ref("owned_accounts").
			Field("owner_id").
			Unique().
			Comment("The key-account manager who owns the account; null when unassigned. A key-account manager's new " +
				"accounts are their own and they cannot hand them on; managers assign within the teams they manage; " +
				"admins and integrations assign anyone, and only they leave an account without an owner."),
		edge.To("children", Account.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The account's subsidiaries: the accounts whose parent it is.").
			From("parent").
			Field("parent_id").
			Unique().
			Comment("The parent company of a subsidiary; null for a top-level account. The hierarchy has no loops and " +
				"at most 50 levels."),
		edge.To("buying_contacts", BuyingContact.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The people on the purchasing side: the voice of the purchaser."),
		edge.To("end_users", EndUser.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The people who use the product at the account: the voice of the end user."),
		edge.To("contracts", Contract.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("What the account signed."),
		edge.To("councils", UserCouncil.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("The user councils of this account; cross-account councils are not among them."),
		edge.To("feedback", Feedback.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("What the account's people said, in both voices."),
		edge.To("interactions", Interaction.Type).
			Annotations(entgql.RelayConnection(), readOnlyEdge).
			Comment("Every touchpoint with the account."),
	}
}

// Indexes returns the account's indexes.
func (Account) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "external_id").Unique(),
		index.Fields("tenant_id", "name"),
		index.Fields("tenant_id", "owner_id"),
		index.Fields("tenant_id", "tier", "stage"),
	}
}

// Annotations exposes accounts as a connection with create and update mutations.
func (Account) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A customer company of the seller: its tier, its stage on the customer ladder, its owner, its " +
			"place in a hierarchy, and everything that hangs off it (contacts, end users, contracts, councils, feedback, " +
			"interactions), which is visible exactly when the account is."),
		entgql.RelayConnection(),
		entgql.QueryField().Description("The accounts the caller may see: every account of the tenant for ADMIN, ANALYST " +
			"and INTEGRATION; for a MANAGER those owned by themselves or by members of the teams they manage; for a " +
			"KEY_ACCOUNT_MANAGER their own."),
		entgql.MultiOrder(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Policy is the policy of customer data, with the rules of who may own an account.
func (Account) Policy() ent.Policy { return rule.Data(rule.AccountScope, rule.AccountOwner()) }

// Hooks returns the account's hooks.
func (Account) Hooks() []ent.Hook { return []ent.Hook{parentInHierarchy} }
