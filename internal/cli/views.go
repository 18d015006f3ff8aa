package cli

import (
	"time"

	"github.com/stakegraph/stakegraph/client"
)

// The --json outputs. Their fields are part of the CLI's interface to scripts: add to them,
// never rename or remove.

type memberJSON struct {
	ID    string  `json:"id"`
	Email *string `json:"email"`
	Name  *string `json:"name"`
}

type accountRefJSON struct {
	ID         string  `json:"id"`
	ExternalID *string `json:"externalID"`
	Name       string  `json:"name"`
}

type personRefJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

type healthJSON struct {
	Score   float64  `json:"score"`
	Band    string   `json:"band"`
	Reasons []string `json:"reasons"`
}

type accountJSON struct {
	ID         string          `json:"id"`
	ExternalID *string         `json:"externalID"`
	Name       string          `json:"name"`
	Domain     *string         `json:"domain"`
	Industry   *string         `json:"industry"`
	Region     *string         `json:"region"`
	Size       *string         `json:"size"`
	Tier       string          `json:"tier"`
	Stage      string          `json:"stage"`
	Owner      *memberJSON     `json:"owner"`
	Parent     *accountRefJSON `json:"parent"`
	Version    int             `json:"version"`
	CreatedAt  time.Time       `json:"createdAt"`
	UpdatedAt  time.Time       `json:"updatedAt"`
	Health     *healthJSON     `json:"health,omitempty"`
}

func accountView(a *client.AccountSummary) accountJSON {
	out := accountJSON{
		ID: a.Id, ExternalID: a.ExternalID, Name: a.Name, Domain: a.Domain, Industry: a.Industry,
		Region: a.Region, Tier: string(a.Tier), Stage: string(a.Stage), Version: a.Version,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
	}
	if a.Size != nil {
		s := string(*a.Size)
		out.Size = &s
	}
	if a.Owner != nil {
		out.Owner = &memberJSON{ID: a.Owner.Id, Email: a.Owner.Email, Name: a.Owner.Name}
	}
	if a.Parent != nil {
		out.Parent = &accountRefJSON{ID: a.Parent.Id, ExternalID: a.Parent.ExternalID, Name: a.Parent.Name}
	}
	return out
}

type whoamiView struct {
	Server      string      `json:"server"`
	Tenant      tenantJSON  `json:"tenant"`
	Subject     string      `json:"subject"`
	Role        string      `json:"role"`
	Member      *memberJSON `json:"member"`
	TokenExpiry *time.Time  `json:"tokenExpiry"`
	TokenSource string      `json:"tokenSource"`
}

type tenantJSON struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func whoamiJSON(server string, v *client.ViewerViewer, expiry time.Time, source string) whoamiView {
	out := whoamiView{
		Server:      server,
		Tenant:      tenantJSON{ID: v.Tenant.Id, Slug: v.Tenant.Slug, Name: v.Tenant.Name},
		Subject:     v.Subject,
		Role:        string(v.Role),
		TokenSource: source,
	}
	if v.Member != nil {
		out.Member = &memberJSON{ID: v.Member.Id, Email: v.Member.Email, Name: v.Member.Name}
	}
	if !expiry.IsZero() {
		e := expiry.UTC()
		out.TokenExpiry = &e
	}
	return out
}
