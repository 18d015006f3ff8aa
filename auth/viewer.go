// Package auth says who is calling: the viewer in the context, its role, OIDC token
// verification and the embedded development issuer.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/stakegraph/stakegraph/enum"
)

// Viewer is the member of a seller's staff on whose behalf a request runs. Every query and
// mutation of tenant data needs one in its context: the data layer's rules read it.
type Viewer struct {
	TenantID string
	MemberID string // empty until the member is known (development viewer, seeding)
	Subject  string // the OIDC subject, recorded as the actor of changes
	Role     enum.Role
}

// Is reports whether the viewer has one of the roles.
func (v Viewer) Is(roles ...enum.Role) bool {
	return slices.Contains(roles, v.Role)
}

type viewerKey struct{}

// NewContext returns a context that carries v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer in ctx, if there is one.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok && v.TenantID != ""
}

type systemKey struct{}

// AsSystem marks ctx as the platform acting on its own behalf, for a reason that says why
// (seeding, provisioning a tenant from a token). Only such a context may create tenants; it
// still needs a tenant viewer to touch a tenant's data.
func AsSystem(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, systemKey{}, reason)
}

// SystemReason returns why ctx acts as the platform, if it does.
func SystemReason(ctx context.Context) (string, bool) {
	reason, ok := ctx.Value(systemKey{}).(string)
	return reason, ok && reason != ""
}

// RoleFrom picks the most powerful role among a token's role values. Values match the role
// names without regard to case, '-' for '_', or a prefix ending in ':' or '/'
// ("stakegraph:key-account-manager").
func RoleFrom(values []string) (enum.Role, bool) {
	best := -1
	for _, v := range values {
		if i := strings.LastIndexAny(v, ":/"); i >= 0 {
			v = v[i+1:]
		}
		name := enum.Role(strings.ToUpper(strings.ReplaceAll(v, "-", "_")))
		if i := slices.Index(enum.Roles, name); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return enum.Roles[best], true
}
