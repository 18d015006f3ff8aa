package seeds

import (
	"context"
	"errors"

	"github.com/stakegraph/stakegraph/ent"
)

// LoadDemo loads the demo data set.
func LoadDemo(ctx context.Context, client *ent.Client) error {
	return errors.New("TODO")
}
