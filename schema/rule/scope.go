package rule

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/councilsession"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/ent/team"
	"github.com/stakegraph/stakegraph/ent/usercouncil"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// A Scope says how a type hangs off accounts: given the condition that selects the accounts
// a viewer may see, it returns the condition that selects the rows of the type they may see.
// Everything that hangs off an account is visible exactly when the account is.
type Scope struct {
	read  func(accounts entql.P) entql.P
	write func(accounts entql.P) entql.P // nil: as read
}

// The scopes of the types that hang off accounts.
var (
	AccountScope = Scope{read: func(accounts entql.P) entql.P { return accounts }}

	// ThroughAccount is the scope of a type with an account edge (contracts, feedback, …).
	ThroughAccount = Scope{read: throughAccount}

	// CouncilScope: an account's council is visible with the account; a cross-account council
	// is visible to the whole tenant, but only managers and admins change it.
	CouncilScope = Scope{read: councilRead, write: throughAccount}

	// SessionScope: a session is visible with its council.
	SessionScope = Scope{read: func(accounts entql.P) entql.P {
		return entql.HasEdgeWith(councilsession.EdgeCouncil, councilRead(accounts))
	}}

	// MembershipScope: a membership is visible when its council and its person are.
	MembershipScope = Scope{read: func(accounts entql.P) entql.P {
		return entql.And(
			entql.HasEdgeWith(councilmembership.EdgeCouncil, councilRead(accounts)),
			entql.HasEdgeWith(councilmembership.EdgePerson, personRead(accounts)),
		)
	}}

	// PersonScope: a person is visible through any visible account they buy for, use the
	// product at, gave feedback on or took part in an interaction with.
	PersonScope = Scope{read: personRead}
)

func throughAccount(accounts entql.P) entql.P {
	// Every type with an account edge names it "account".
	return entql.HasEdgeWith(buyingcontact.EdgeAccount, accounts)
}

func councilRead(accounts entql.P) entql.P {
	return entql.Or(
		entql.FieldNil(usercouncil.FieldAccountID),
		entql.HasEdgeWith(usercouncil.EdgeAccount, accounts),
	)
}

func personRead(accounts entql.P) entql.P {
	return entql.Or(
		entql.HasEdgeWith(person.EdgeBuyingRoles, entql.HasEdgeWith(buyingcontact.EdgeAccount, accounts)),
		entql.HasEdgeWith(person.EdgeEndUserRoles, entql.HasEdgeWith(enduser.EdgeAccount, accounts)),
		entql.HasEdgeWith(person.EdgeFeedback, entql.HasEdgeWith(feedback.EdgeAccount, accounts)),
		entql.HasEdgeWith(person.EdgeInteractions, entql.HasEdgeWith(interaction.EdgeAccount, accounts)),
	)
}

// The edge name that throughAccount relies on, checked by the compiler for each type.
const (
	_ = contract.EdgeAccount
	_ = enduser.EdgeAccount
	_ = feedback.EdgeAccount
	_ = interaction.EdgeAccount
)

// visibleAccounts returns the condition on accounts that the viewer may see, or false when
// the viewer sees every account of the tenant.
func visibleAccounts(ctx context.Context, v viewer.Viewer) (entql.P, bool) {
	if isTenantWide(ctx) {
		return nil, false
	}
	switch v.Role {
	case enum.RoleAdmin, enum.RoleAnalyst, enum.RoleIntegration:
		return nil, false
	case enum.RoleManager:
		return entql.Or(
			entql.FieldEQ(account.FieldOwnerID, v.MemberID),
			entql.HasEdgeWith(account.EdgeOwner,
				entql.HasEdgeWith(member.EdgeTeam, entql.FieldEQ(team.FieldManagerID, v.MemberID))),
		), true
	case enum.RoleKeyAccountManager:
		return entql.FieldEQ(account.FieldOwnerID, v.MemberID), true
	default: // an unknown role sees nothing
		return entql.FieldEQ(account.FieldID, ""), true
	}
}

// Visible filters reads, updates and deletes down to the rows the viewer's role may see.
func Visible(scope Scope) privacy.QueryMutationRule {
	return visibleRule{scope}
}

type visibleRule struct{ scope Scope }

func (r visibleRule) EvalQuery(ctx context.Context, q ent.Query) error {
	return privacy.FilterFunc(r.filter(r.scope.read)).EvalQuery(ctx, q)
}

func (r visibleRule) EvalMutation(ctx context.Context, m ent.Mutation) error {
	if m.Op().Is(ent.OpCreate) {
		return privacy.Skip // a create is checked through the references it makes
	}
	where := r.scope.write
	if where == nil || isManager(ctx) {
		where = r.scope.read
	}
	return privacy.FilterFunc(r.filter(where)).EvalMutation(ctx, m)
}

func (r visibleRule) filter(where func(entql.P) entql.P) func(context.Context, privacy.Filter) error {
	return func(ctx context.Context, f privacy.Filter) error {
		v, err := viewerOf(ctx)
		if err != nil {
			return err
		}
		if accounts, limited := visibleAccounts(ctx, v); limited {
			f.Where(where(accounts))
		}
		return privacy.Skip
	}
}

func isManager(ctx context.Context) bool {
	v, _ := viewer.FromContext(ctx)
	return v.Role == enum.RoleManager
}

type tenantWideKey struct{}

// TenantWide lifts the role limits (not the tenant's) for a lookup that must see the whole
// tenant: finding a person by email before linking them to an account, checking that a
// referenced person exists. Never use it for what a client reads.
func TenantWide(ctx context.Context) context.Context {
	return context.WithValue(ctx, tenantWideKey{}, true)
}

func isTenantWide(ctx context.Context) bool {
	wide, _ := ctx.Value(tenantWideKey{}).(bool)
	return wide
}
