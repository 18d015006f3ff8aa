package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// after returns the value a field has once the mutation is applied: the value it sets, or
// the stored one on a single-row update. ok is false when the field has no value.
func after[T any](ctx context.Context, m ent.Mutation, name string) (value T, ok bool, err error) {
	if v, set := m.Field(name); set {
		value, ok = v.(T)
		return value, ok, nil
	}
	if m.FieldCleared(name) || !m.Op().Is(ent.OpUpdateOne) {
		return value, false, nil
	}
	old, err := m.OldField(ctx, name)
	if err != nil {
		return value, false, fmt.Errorf("reading %s.%s: %w", m.Type(), name, err)
	}
	switch o := old.(type) {
	case T:
		return o, true, nil
	case *T:
		if o == nil {
			return value, false, nil
		}
		return *o, true, nil
	}
	return value, false, nil
}

// touches reports whether the mutation sets or clears any of the fields.
func touches(m ent.Mutation, names ...string) bool {
	for _, name := range names {
		if _, set := m.Field(name); set || m.FieldCleared(name) {
			return true
		}
	}
	return false
}

// checkedHook runs check before a create or single-row update and refuses bulk updates of the
// fields it checks, whose rows it cannot see one by one.
func checkedHook(fields []string, check func(context.Context, ent.Mutation) error) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			switch {
			case m.Op().Is(ent.OpCreate | ent.OpUpdateOne):
				if err := check(ctx, m); err != nil {
					return nil, err
				}
			case m.Op().Is(ent.OpUpdate) && touches(m, fields...):
				return nil, errs.E(errs.Invalid, "%s: %v cannot be changed in bulk", m.Type(), fields)
			}
			return next.Mutate(ctx, m)
		})
	}
}

// inOrder checks that the time in field earlier is not after the one in later (or, strict,
// is before it). apiEarlier and apiLater are the fields' names in the API.
func inOrder(earlier, later, apiEarlier, apiLater string, strict bool) ent.Hook {
	return checkedHook([]string{earlier, later}, func(ctx context.Context, m ent.Mutation) error {
		from, okFrom, err := after[time.Time](ctx, m, earlier)
		if err != nil {
			return err
		}
		to, okTo, err := after[time.Time](ctx, m, later)
		if err != nil || !okFrom || !okTo {
			return err
		}
		if to.Before(from) || (strict && to.Equal(from)) {
			relation := "on or after"
			if strict {
				relation = "after"
			}
			return errs.Invalidf(apiLater, "must be %s %s (%s), got %s", relation, apiEarlier,
				from.Format(time.RFC3339), to.Format(time.RFC3339))
		}
		return nil
	})
}
