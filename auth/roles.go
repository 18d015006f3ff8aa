// Package auth verifies who is calling: OIDC bearer tokens, the roles they carry, and the
// embedded development issuer.
package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stakegraph/stakegraph/internal/enum"
)

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
