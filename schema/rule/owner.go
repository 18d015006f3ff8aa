package rule

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/ent/team"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// AccountOwner decides who may own an account. Admins and integrations assign any member of
// the tenant; a manager assigns themselves or a member of a team they manage; a key-account
// manager's new accounts are their own, and they cannot hand an account to someone else.
func AccountOwner() privacy.MutationRule {
	return privacy.AccountMutationRuleFunc(func(ctx context.Context, m *ent.AccountMutation) error {
		v, err := viewerOf(ctx)
		if err != nil {
			return err
		}
		if v.Is(enum.RoleAdmin, enum.RoleIntegration) {
			return privacy.Skip
		}
		owner, set := m.OwnerID()
		switch {
		case m.Op().Is(ent.OpCreate) && !set:
			if v.MemberID == "" {
				return deny(errs.Forbidden, "the %s role needs a member identity to own accounts", v.Role)
			}
			m.SetOwnerID(v.MemberID)
			return privacy.Skip
		case !set && !m.OwnerCleared():
			return privacy.Skip
		case m.OwnerCleared():
			return deny(errs.Forbidden, "only admins can leave an account without an owner")
		case owner == v.MemberID:
			return privacy.Skip
		case v.Role == enum.RoleManager:
			inTeam, err := m.Client().Member.Query().
				Where(member.ID(owner), member.HasTeamWith(team.ManagerID(v.MemberID))).
				Exist(ctx)
			if err != nil {
				return err
			}
			if !inTeam {
				return &errs.Error{Kind: errs.Forbidden, Field: "ownerID",
					Message: "managers assign accounts only within the teams they manage", Err: privacy.Deny}
			}
			return privacy.Skip
		default:
			return &errs.Error{Kind: errs.Forbidden, Field: "ownerID",
				Message: "only admins and managers assign accounts to other members", Err: privacy.Deny}
		}
	})
}

// OwnTenant limits a tenant to its own members: they read it, its admins rename it, and only
// the platform creates tenants.
func OwnTenant() ent.Policy {
	own := privacy.TenantQueryRuleFunc(func(ctx context.Context, q *ent.TenantQuery) error {
		if _, ok := viewer.SystemReason(ctx); ok {
			return privacy.Allow
		}
		v, err := viewerOf(ctx)
		if err != nil {
			return err
		}
		q.Filter().WhereID(entql.StringEQ(v.TenantID))
		return privacy.Allow
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{own},
		Mutation: privacy.MutationPolicy{
			AllowIfSystem(),
			privacy.TenantMutationRuleFunc(func(ctx context.Context, m *ent.TenantMutation) error {
				v, err := viewerOf(ctx)
				if err != nil {
					return err
				}
				if !m.Op().Is(ent.OpUpdateOne) || !v.Is(enum.RoleAdmin) {
					return deny(errs.Forbidden, "only the platform creates or deletes tenants; admins rename their own")
				}
				m.Filter().WhereID(entql.StringEQ(v.TenantID))
				return privacy.Allow
			}),
		},
	}
}

// CrossAccountCouncils keeps the tenant's cross-account councils, which belong to no account
// and so to no key-account manager, to the roles that may change them once they exist.
func CrossAccountCouncils() privacy.MutationRule {
	return privacy.UserCouncilMutationRuleFunc(func(ctx context.Context, m *ent.UserCouncilMutation) error {
		v, err := viewerOf(ctx)
		if err != nil {
			return err
		}
		_, forAccount := m.AccountID()
		if !m.Op().Is(ent.OpCreate) || forAccount || v.Is(enum.RoleAdmin, enum.RoleManager, enum.RoleIntegration) {
			return privacy.Skip
		}
		return &errs.Error{Kind: errs.Forbidden, Field: "accountID",
			Message: "only admins and managers create cross-account councils: name the account", Err: privacy.Deny}
	})
}
