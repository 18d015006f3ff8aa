// Package viewer says on whose behalf code runs: the member of a seller's staff (or the
// platform itself) in the context, which the data layer's rules read. It knows nothing of
// tokens: auth turns a token into a viewer.
package viewer

import (
	"context"
	"slices"

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
