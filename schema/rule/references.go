package rule

import (
	"context"
	"fmt"
	"slices"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/ent/privacy"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// clientMutation is a generated mutation: it knows the client (or transaction) it runs on.
type clientMutation interface {
	ent.Mutation
	Client() *ent.Client
}

// ReferencesVisible refuses a mutation that links to an identifier the viewer cannot see:
// one of another tenant, of another type, or of an account outside the viewer's reach.
// People and members are checked against the whole tenant: linking a known person to one's
// own account is how a key-account manager grows the graph.
func ReferencesVisible() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		cm, ok := m.(clientMutation)
		if !ok {
			return deny(errs.Internal, "%T does not expose its client", m)
		}
		for _, edge := range m.AddedEdges() {
			ref, ok := ent.EdgeReference(m.Type(), edge)
			if !ok {
				return deny(errs.Internal, "%s has no edge %q", m.Type(), edge)
			}
			ids, err := unverified(ctx, m.AddedIDs(edge))
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				continue
			}
			lookup := ctx
			if ref.Table == person.Table || ref.Table == member.Table {
				lookup = TenantWide(ctx)
			}
			found, err := cm.Client().VisibleIDs(lookup, ref.Table, ids)
			if err != nil {
				return fmt.Errorf("checking %s: %w", ref.Field, err)
			}
			for _, id := range ids {
				if !slices.Contains(found, id) {
					return errs.NotFoundf(ref.Field, "no %s with id %q", ref.Table, id)
				}
			}
		}
		return privacy.Skip
	})
}

func unverified(ctx context.Context, values []ent.Value) ([]string, error) {
	verified, _ := ctx.Value(verifiedKey{}).(map[string]bool)
	ids := make([]string, 0, len(values))
	for _, v := range values {
		id, ok := v.(string)
		if !ok {
			return nil, errs.E(errs.Internal, "unexpected identifier type %T", v)
		}
		if !verified[id] && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

type verifiedKey struct{}

// WithVerifiedReferences tells ReferencesVisible that ids were found by queries that ran
// under the same viewer, so a batch does not look each of them up again. Only pass ids that
// such a query returned.
func WithVerifiedReferences(ctx context.Context, ids []string) context.Context {
	verified := make(map[string]bool, len(ids))
	if prev, ok := ctx.Value(verifiedKey{}).(map[string]bool); ok {
		for id := range prev {
			verified[id] = true
		}
	}
	for _, id := range ids {
		verified[id] = true
	}
	return context.WithValue(ctx, verifiedKey{}, verified)
}
