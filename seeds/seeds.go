// Package seeds holds the demo data set (the seller Northwind and its customers) and the
// deterministic scale generator used by tests and benchmarks.
package seeds

import (
	"context"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// DemoTenant is the slug of the demo seller.
const DemoTenant = "northwind"

// Empty reports whether the database holds no tenant yet. Seeding looks across tenants, so it
// acts as the platform.
func Empty(ctx context.Context, client *ent.Client) (bool, error) {
	n, err := client.Tenant.Query().Count(viewer.AsSystem(ctx, "seeding"))
	return n == 0, err
}
