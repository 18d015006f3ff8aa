// Package seeds holds the demo data set (the seller Northwind and its customers) and the
// deterministic scale generator used by tests and benchmarks.
package seeds

import (
	"context"
	"errors"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
)

// DemoTenant is the slug of the demo seller.
const DemoTenant = "northwind"

// Empty reports whether the database holds no tenant yet. Seeding looks across tenants, so it
// acts as the platform.
func Empty(ctx context.Context, client *ent.Client) (bool, error) {
	n, err := client.Tenant.Query().Count(auth.AsSystem(ctx, "seeding"))
	return n == 0, err
}

// LoadDemo loads the demo data set.
func LoadDemo(ctx context.Context, client *ent.Client) error {
	return errors.New("TODO")
}

// Scale sizes a generated data set.
type Scale struct {
	Tenant             string
	Accounts           int
	FeedbackPerAccount int
}

// Generate generates a data set.
func Generate(ctx context.Context, client *ent.Client, s Scale) error {
	return errors.New("TODO")
}
