// Package auth says who is calling: the viewer in the context, its role, OIDC token
// verification and the embedded development issuer.
package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stakegraph/stakegraph/internal/enum"
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

// RoleFrom picks the most powerful role among a token's role values. Without a role map, a
// value names a role by its whole name, without regard to case and with '-' for '_'
// ("key-account-manager"); nothing is stripped, so that "x:admin" or "evil/ADMIN", names other
// applications may share in an identity provider, are no role here. With a map, only the
// values it names count, exactly as written.
func RoleFrom(values []string, mapped RoleMap) (enum.Role, bool) {
	best := -1
	for _, v := range values {
		role, ok := mapped[v]
		if mapped == nil {
			role, ok = ParseRole(v)
		}
		if i := slices.Index(enum.Roles, role); ok && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	return enum.Roles[best], true
}

// ParseRole reads a role's name without regard to case and with '-' for '_'.
func ParseRole(name string) (enum.Role, bool) {
	role := enum.Role(strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
	return role, role.Valid()
}

// RoleMap maps an identity provider's role names to stakegraph roles.
type RoleMap map[string]enum.Role

// ParseRoleMap reads a role map written IDP_ROLE=ROLE,… ("sg-admins=ADMIN,sg-sales=MANAGER");
// an empty string is no map.
func ParseRoleMap(s string) (RoleMap, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := RoleMap{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		i := strings.LastIndex(pair, "=")
		if i <= 0 {
			return nil, fmt.Errorf("role map entry %q: want IDP_ROLE=ROLE", pair)
		}
		name, target := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+1:])
		role, ok := ParseRole(target)
		if !ok {
			return nil, fmt.Errorf("role map entry %q: %q is not one of %v", pair, target, enum.Roles)
		}
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("role map: %q is mapped twice", name)
		}
		m[name] = role
	}
	return m, nil
}
