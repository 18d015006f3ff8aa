// Package tenancy turns a verified token into a viewer: the token's tenant, created on first
// use when that is allowed, and the member, created or updated from the token's claims.
package tenancy

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/tenant"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// Verifier checks a bearer token.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Claims, error)
}

// Authenticator authenticates API requests by their bearer token.
type Authenticator struct {
	verifier      Verifier
	client        *ent.Client
	createTenants bool
	roles         auth.RoleMap

	// Tenants and members change rarely; remembering them saves two queries a request. The
	// cache is only a shortcut: a miss, or a token whose claims differ, goes to the database.
	tenants sync.Map // slug → tenant id
	members sync.Map // tenant id + subject → cachedMember
}

type cachedMember struct {
	id, email, name string
	role            enum.Role
	seen            time.Time
}

// memberTTL bounds how long a member is served from the cache, and so how stale last_seen_at
// may be.
const memberTTL = time.Hour

// Option configures optional parts of an Authenticator.
type Option func(*Authenticator)

// WithRoleMap makes the token's roles count only as the map names them; without one, a role
// value names a stakegraph role by its whole name (see auth.RoleFrom).
func WithRoleMap(m auth.RoleMap) Option { return func(a *Authenticator) { a.roles = m } }

// NewAuthenticator returns an authenticator. With createTenants, a token naming an unknown
// tenant creates it; without, such a token is refused.
func NewAuthenticator(v Verifier, client *ent.Client, createTenants bool, opts ...Option) *Authenticator {
	a := &Authenticator{verifier: v, client: client, createTenants: createTenants}
	for _, opt := range opts {
		opt(a)
	}
	return a
}

// Authenticate implements server.Authenticator.
func (a *Authenticator) Authenticate(r *http.Request) (context.Context, error) {
	raw, err := auth.BearerToken(r)
	if err != nil {
		return nil, err
	}
	claims, err := a.verifier.Verify(r.Context(), raw)
	if err != nil {
		return nil, err
	}
	v, err := a.Viewer(r.Context(), claims)
	if err != nil {
		return nil, err
	}
	return viewer.NewContext(r.Context(), v), nil
}

// Viewer returns the viewer for verified claims, provisioning the tenant and the member.
func (a *Authenticator) Viewer(ctx context.Context, c auth.Claims) (viewer.Viewer, error) {
	role, ok := auth.RoleFrom(c.Roles, a.roles)
	switch {
	case !ok && a.roles != nil:
		return viewer.Viewer{}, errs.E(errs.Forbidden, "none of the token's roles %s is mapped to a stakegraph role", someOf(c.Roles))
	case !ok:
		return viewer.Viewer{}, errs.E(errs.Forbidden, "none of the token's roles %s is a stakegraph role (one of %v)", someOf(c.Roles), enum.Roles)
	}
	tenantID, err := a.tenant(ctx, c.Tenant)
	if err != nil {
		return viewer.Viewer{}, err
	}
	v := viewer.Viewer{TenantID: tenantID, Subject: c.Subject, Role: role}
	// An IdP's odd email or blank name is not worth refusing the request over.
	email := c.Email
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		email = ""
	}
	name := strings.TrimSpace(c.Name)
	key := tenantID + "\x00" + c.Subject
	if m, ok := a.members.Load(key); ok {
		cm := m.(cachedMember)
		if cm.role == role && cm.email == email && cm.name == name && time.Since(cm.seen) < memberTTL {
			v.MemberID = cm.id
			return v, nil
		}
	}
	id, err := a.provisionMember(ctx, v, email, name)
	if err != nil {
		return viewer.Viewer{}, err
	}
	a.members.Store(key, cachedMember{id: id, email: email, name: name, role: role, seen: time.Now()})
	v.MemberID = id
	return v, nil
}

func (a *Authenticator) tenant(ctx context.Context, slug string) (string, error) {
	if id, ok := a.tenants.Load(slug); ok {
		return id.(string), nil
	}
	sys := viewer.AsSystem(ctx, "provisioning")
	t, err := a.client.Tenant.Query().Where(tenant.Slug(slug)).Only(sys)
	switch {
	case ent.IsNotFound(err) && !a.createTenants:
		return "", errs.E(errs.Unauthenticated, "unknown tenant %q", slug)
	case ent.IsNotFound(err):
		t, err = CreateTenant(sys, a.client, slug, slug)
		if ent.IsConstraintError(err) { // created by a concurrent request
			t, err = a.client.Tenant.Query().Where(tenant.Slug(slug)).Only(sys)
		}
	}
	if ent.IsValidationError(err) {
		return "", errs.E(errs.Unauthenticated, "the tenant claim %q is not a valid tenant slug", slug)
	}
	if err != nil {
		return "", err
	}
	a.tenants.Store(slug, t.ID)
	return t.ID, nil
}

// CreateTenant creates a tenant. Only the platform does this, so ctx must act as the system.
func CreateTenant(ctx context.Context, client *ent.Client, slug, name string) (*ent.Tenant, error) {
	var t *ent.Tenant
	err := journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
		var err error
		t, err = tx.Tenant.Create().SetSlug(slug).SetName(name).Save(ctx)
		return err
	})
	return t, err
}

// provisionMember creates the token's member or brings them up to date with the token.
func (a *Authenticator) provisionMember(ctx context.Context, v viewer.Viewer, email, name string) (string, error) {
	ctx = viewer.NewContext(viewer.AsSystem(ctx, "provisioning"), v)
	var id string
	err := journal.Run(ctx, a.client, func(ctx context.Context, tx *ent.Tx) error {
		m, err := tx.Member.Query().Where(member.Subject(v.Subject)).Only(ctx)
		if ent.IsNotFound(err) {
			m, err = tx.Member.Create().
				SetSubject(v.Subject).
				SetNillableEmail(nonEmpty(email)).
				SetName(name).
				SetRole(v.Role).
				SetLastSeenAt(time.Now()).
				Save(ctx)
		} else if err == nil {
			// A token without an email or a name keeps what an earlier token said; the role
			// is the IdP's to decide, so the token's always wins.
			m, err = tx.Member.UpdateOne(m).
				SetNillableEmail(nonEmpty(email)).
				SetNillableName(nonEmpty(name)).
				SetRole(v.Role).
				SetLastSeenAt(time.Now()).
				Save(ctx)
		}
		if err != nil {
			return err
		}
		id = m.ID
		return nil
	})
	if ent.IsConstraintError(err) { // created by a concurrent request
		m, qerr := a.client.Member.Query().Where(member.Subject(v.Subject)).Only(ctx)
		if qerr != nil {
			return "", qerr
		}
		return m.ID, nil
	}
	return id, err
}

// someOf quotes the first few of a token's values, for a message that stays short whatever
// the token carries.
func someOf(values []string) string {
	const most = 10
	if len(values) <= most {
		return fmt.Sprintf("%q", values)
	}
	return fmt.Sprintf("%q (and %d more)", values[:most], len(values)-most)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
