// Package rule holds the access rules of DESIGN.md as ent privacy rules, so that they hold on
// every path to the data: GraphQL, seeds, the CLI and any code that uses the ent client.
package rule

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent/entql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// deny returns a privacy denial that the API reports with the kind and message.
func deny(kind errs.Kind, format string, args ...any) error {
	return &errs.Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: privacy.Deny}
}

func viewerOf(ctx context.Context) (viewer.Viewer, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return v, deny(errs.Unauthenticated, "no viewer: the request carries no identity")
	}
	return v, nil
}

// tenantFilter is the part of every generated filter that names the tenant column.
type tenantFilter interface {
	WhereTenantID(entql.StringP)
}

// Tenant keeps every query and mutation inside the viewer's tenant: it filters reads,
// updates and deletes by tenant_id and stamps creates with it. It never allows by itself;
// the type's own policy decides what the viewer may do inside the tenant.
func Tenant() privacy.QueryMutationRule {
	return tenantRule{}
}

type tenantRule struct{}

func (tenantRule) EvalQuery(ctx context.Context, q ent.Query) error {
	return privacy.FilterFunc(filterTenant).EvalQuery(ctx, q)
}

func (tenantRule) EvalMutation(ctx context.Context, m ent.Mutation) error {
	if !m.Op().Is(ent.OpCreate) {
		return privacy.FilterFunc(filterTenant).EvalMutation(ctx, m)
	}
	v, err := viewerOf(ctx)
	if err != nil {
		return err
	}
	if set, ok := m.Field("tenant_id"); ok && set != v.TenantID {
		return deny(errs.Forbidden, "cannot create data in another tenant")
	}
	if err := m.SetField("tenant_id", v.TenantID); err != nil {
		return err
	}
	return privacy.Skip
}

func filterTenant(ctx context.Context, f privacy.Filter) error {
	v, err := viewerOf(ctx)
	if err != nil {
		return err
	}
	tf, ok := f.(tenantFilter)
	if !ok {
		return deny(errs.Internal, "%T has no tenant column", f)
	}
	tf.WhereTenantID(entql.StringEQ(v.TenantID))
	return privacy.Skip
}

// AllowRoles allows the operation to viewers with one of the roles.
func AllowRoles(roles ...enum.Role) privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if v, ok := viewer.FromContext(ctx); ok && slices.Contains(roles, v.Role) {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// DenyUnlessRoles refuses the operation to viewers without one of the roles.
func DenyUnlessRoles(what string, roles ...enum.Role) privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		v, err := viewerOf(ctx)
		if err != nil {
			return err
		}
		if !slices.Contains(roles, v.Role) {
			return deny(errs.Forbidden, "the %s role cannot %s", v.Role, what)
		}
		return privacy.Skip
	})
}

// DenyDeleteUnlessRoles refuses deletes to viewers without one of the roles.
func DenyDeleteUnlessRoles(roles ...enum.Role) privacy.MutationRule {
	return privacy.OnMutationOperation(DenyUnlessRoles("delete", roles...), ent.OpDelete|ent.OpDeleteOne)
}

// AllowIfSystem allows the platform acting on its own behalf (seeding, provisioning).
func AllowIfSystem() privacy.QueryMutationRule {
	return privacy.ContextQueryMutationRule(func(ctx context.Context) error {
		if _, ok := viewer.SystemReason(ctx); ok {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// Writers are the roles that may change a tenant's customer data.
var Writers = []enum.Role{enum.RoleAdmin, enum.RoleManager, enum.RoleKeyAccountManager, enum.RoleIntegration}

// Deleters are the roles that may delete customer data.
var Deleters = []enum.Role{enum.RoleAdmin, enum.RoleIntegration}

// BulkWriters are the roles that may write customer data in bulk (bulk sync): admins and the
// integrations that keep a tenant in step with another system. Both see the whole tenant, so
// a batch's look-ups by external id never miss a row that the viewer cannot see.
var BulkWriters = []enum.Role{enum.RoleAdmin, enum.RoleIntegration}

type bulkKey struct{}

// Bulk marks the mutations made with the returned context as bulk writes, which the policy of
// customer data allows to BulkWriters only. Bulk sync asks the policy with it before a batch.
func Bulk(ctx context.Context) context.Context { return context.WithValue(ctx, bulkKey{}, true) }

// DenyBulkUnlessRoles refuses a bulk write (see Bulk) to viewers without one of the roles.
func DenyBulkUnlessRoles(roles ...enum.Role) privacy.MutationRule {
	deny := DenyUnlessRoles("write in bulk (sync)", roles...)
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if bulk, _ := ctx.Value(bulkKey{}).(bool); !bulk {
			return privacy.Skip
		}
		return deny.EvalMutation(ctx, m)
	})
}

// Data is the policy of customer data: everyone in the tenant reads what their role lets them
// see; writers change it; only admins and integrations delete or write in bulk; every
// identifier a mutation links to must be visible to the viewer.
func Data(scope Scope, extra ...privacy.MutationRule) ent.Policy {
	mutation := privacy.MutationPolicy{
		DenyUnlessRoles("change customer data", Writers...),
		DenyBulkUnlessRoles(BulkWriters...),
		DenyDeleteUnlessRoles(Deleters...),
		Visible(scope),
		ReferencesVisible(),
	}
	mutation = append(mutation, extra...)
	mutation = append(mutation, AllowRoles(Writers...), privacy.AlwaysDenyRule())
	return privacy.Policy{
		Query:    privacy.QueryPolicy{Visible(scope), privacy.AlwaysAllowRule()},
		Mutation: mutation,
	}
}

// AdminOnly is the policy of the tenant's own organisation (teams): everyone in the tenant
// reads it, admins and the platform change it; the members and teams it links to must be
// the tenant's own.
func AdminOnly() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{
			AllowIfSystem(),
			DenyUnlessRoles("change members or teams", enum.RoleAdmin),
			ReferencesVisible(),
			AllowRoles(enum.RoleAdmin),
			privacy.AlwaysDenyRule(),
		},
	}
}

// Journal is the policy of the change journal: admins and integrations read it, nobody
// changes it through the data layer; the journal writes its rows itself.
func Journal() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyUnlessRoles("read the change journal", enum.RoleAdmin, enum.RoleIntegration),
			privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			privacy.MutationRuleFunc(func(context.Context, ent.Mutation) error {
				return deny(errs.Forbidden, "the change journal cannot be changed")
			}),
		},
	}
}

// Derived is the policy of data the data layer derives and maintains itself: readable as the
// scope says, written only by the hooks that maintain it (which decide with privacy.Allow).
func Derived(scope Scope) ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{Visible(scope), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{privacy.MutationRuleFunc(func(context.Context, ent.Mutation) error {
			return deny(errs.Forbidden, "derived data is maintained by the data layer")
		})},
	}
}

// Internal is the policy of the platform's own bookkeeping tables: only code that decides
// with privacy.Allow reads or writes them, still inside one tenant.
func Internal() ent.Policy {
	deny := func(context.Context) error { return deny(errs.Forbidden, "internal data") }
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.ContextQueryMutationRule(deny)},
		Mutation: privacy.MutationPolicy{privacy.ContextQueryMutationRule(deny)},
	}
}
