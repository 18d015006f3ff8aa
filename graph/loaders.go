package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/internal/perception"
)

// loaders batch the reads of derived fields across the items of a page, so that a page of
// accounts costs one set of queries for their perception or health, not one per account. They
// live for one operation, which also fixes "now" for it.
type loaders struct {
	now         time.Time
	activeSeats *dataloadgen.Loader[string, int]
	perception  *dataloadgen.Loader[windowKey, *perception.Perception]
	health      *dataloadgen.Loader[string, health.Health]
	accounts    *dataloadgen.Loader[string, *ent.Account]
}

// windowKey asks for one account's perception over one window.
type windowKey struct {
	account      string
	since, until int64
}

type loadersKey struct{}

// batchWait is how long a loader waits for the other items of a page to ask.
const batchWait = 2 * time.Millisecond

// WithLoaders gives every operation its own loaders.
func (r *Resolver) WithLoaders() graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		l := &loaders{now: time.Now()}
		wait := dataloadgen.WithWait(batchWait)
		l.activeSeats = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]int, error) {
			return activeSeats(ctx, r.client, ids)
		}, wait)
		l.perception = dataloadgen.NewMappedLoader(func(ctx context.Context, keys []windowKey) (map[windowKey]*perception.Perception, error) {
			return perceptions(ctx, r.client, keys)
		}, wait)
		l.health = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]health.Health, error) {
			return health.ForAccounts(ctx, r.client, r.weights, l.now, ids)
		}, wait)
		l.accounts = dataloadgen.NewMappedLoader(func(ctx context.Context, ids []string) (map[string]*ent.Account, error) {
			return accountsByID(ctx, r.client, ids)
		}, wait)
		return next(context.WithValue(ctx, loadersKey{}, l))
	}
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}

// activeSeats reads the accounts' active seats from their AccountPulse, which every write
// keeps in step: an account without one has none.
func activeSeats(ctx context.Context, client *ent.Client, accountIDs []string) (map[string]int, error) {
	pulses, err := client.AccountPulse.Query().
		Where(accountpulse.AccountIDIn(accountIDs...)).
		Select(accountpulse.FieldAccountID, accountpulse.FieldActiveSeats).
		All(ctx)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(accountIDs))
	for _, id := range accountIDs {
		counts[id] = 0
	}
	for _, p := range pulses {
		counts[p.AccountID] = p.ActiveSeats
	}
	return counts, nil
}

// perceptions measures the accounts of each window together.
func perceptions(ctx context.Context, client *ent.Client, keys []windowKey) (map[windowKey]*perception.Perception, error) {
	byWindow := map[[2]int64][]string{}
	for _, k := range keys {
		byWindow[[2]int64{k.since, k.until}] = append(byWindow[[2]int64{k.since, k.until}], k.account)
	}
	out := make(map[windowKey]*perception.Perception, len(keys))
	for w, ids := range byWindow {
		window := perception.Window{Since: time.Unix(0, w[0]), Until: time.Unix(0, w[1])}
		ps, err := perception.ForAccounts(ctx, client, ids, window)
		if err != nil {
			return nil, err
		}
		for id, p := range ps {
			out[windowKey{id, w[0], w[1]}] = p
		}
	}
	return out, nil
}

// accountsByID reads accounts with the edges their GraphQL selection asks for: every item of a
// page selects the same fields, so the first item's selection serves the batch.
func accountsByID(ctx context.Context, client *ent.Client, ids []string) (map[string]*ent.Account, error) {
	q := client.Account.Query().Where(account.IDIn(ids...))
	if graphql.GetFieldContext(ctx) != nil {
		var err error
		if q, err = q.CollectFields(ctx); err != nil {
			return nil, err
		}
	}
	accounts, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*ent.Account, len(accounts))
	for _, a := range accounts {
		out[a.ID] = a
	}
	return out, nil
}

// pageAccountIDs returns the ids of the accounts of the page that the resolver's object was
// read with: the accounts of the enclosing account connections and the accounts of the
// contracts of the enclosing contract connections. A resolver queues them all in its loader
// before loading its own key, so that one batch serves the whole page however long the other
// items' resolvers take to ask (a loader's batch only waits batchWait for them).
func pageAccountIDs(ctx context.Context) []string {
	var ids []string
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		switch page := fc.Result.(type) {
		case *ent.AccountConnection:
			for _, e := range page.Edges {
				if e != nil && e.Node != nil {
					ids = append(ids, e.Node.ID)
				}
			}
		case *ent.ContractConnection:
			for _, e := range page.Edges {
				if e != nil && e.Node != nil {
					ids = append(ids, e.Node.AccountID)
				}
			}
		}
	}
	return ids
}

// loadForPage loads key with the keys of the rest of the page queued in the same batch.
func loadForPage[K comparable, V any](ctx context.Context, l *dataloadgen.Loader[K, V], key K, page func(id string) K) (V, error) {
	own := l.LoadThunk(ctx, key)
	if ids := pageAccountIDs(ctx); len(ids) > 0 {
		keys := make([]K, len(ids))
		for i, id := range ids {
			keys[i] = page(id)
		}
		_ = l.LoadAllThunk(ctx, keys) // queued only: their resolvers read them
	}
	return own()
}
