package seeds

import (
	"context"
	"errors"
	"time"

	"github.com/stakegraph/stakegraph/storage"
)

// Scale sizes a generated data set.
type Scale struct {
	Tenant             string    // slug; the tenant is created when missing
	Accounts           int       // accounts, with proportional people, contacts, end users, contracts
	FeedbackPerAccount int       // feedback rows per account
	AsOf               time.Time // feedback falls in the 12 months before; zero means now
}

// Generate writes a deterministic data set of the scale.
func Generate(ctx context.Context, db *storage.DB, s Scale) error {
	return errors.New("TODO")
}
