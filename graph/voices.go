package graph

import (
	"context"
	"strconv"

	"entgo.io/contrib/entgql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/errs"
)

// accountFilter turns the filters of the tenant views into conditions on accounts.
func accountFilter(tiers []account.Tier, stages []account.Stage, owners []string) []predicate.Account {
	var ps []predicate.Account
	if len(tiers) > 0 {
		ps = append(ps, account.TierIn(tiers...))
	}
	if len(stages) > 0 {
		ps = append(ps, account.StageIn(stages...))
	}
	if len(owners) > 0 {
		ps = append(ps, account.OwnerIDIn(owners...))
	}
	return ps
}

// leftOut returns the accounts that the tenant views (atRiskAccounts, perceptionGaps) leave out
// unless asked for by stage: the churned ones. The views are lists to act on before a renewal,
// and a churned account has none left. With stages, the stage filter alone decides. One query
// of the accounts reads them, and the views drop them in Go: a stage condition on the views' own
// queries would cost each of them a subquery on every row.
func leftOut(ctx context.Context, c *ent.Client, stages []account.Stage) (map[string]bool, error) {
	if len(stages) > 0 {
		return nil, nil
	}
	ids, err := c.Account.Query().Where(account.StageEQ(account.StageCHURNED)).IDs(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// pageSize is the size of the page asked for: first, or the server's default page size.
func (r *Resolver) pageSize(first *int) int {
	if first != nil {
		return *first
	}
	return r.defaultPageSize
}

// rankedRange cuts a page of size out of a ranking of total items: positions from to to-1.
// Cursors are positions in the ranking: a ranking is computed afresh for every request, so a
// cursor means "after the nth", not "after this one".
func rankedRange(total, size int, after *entgql.Cursor[string]) (from, to int, err error) {
	if after != nil {
		from, err = strconv.Atoi(after.ID)
		if err != nil || from < 0 {
			return 0, 0, errs.InvalidCursor("after")
		}
		from++
	}
	from = min(from, total)
	return from, min(from+size, total), nil
}

func rankCursor(position int) entgql.Cursor[string] {
	return entgql.Cursor[string]{ID: strconv.Itoa(position)}
}

// connectionPage builds the edges and the page info of a page of n items of a hand-written
// connection; edge makes the ith edge and returns its cursor.
func connectionPage[E any](n int, edge func(i int) (E, entgql.Cursor[string]), hasNext, hasPrevious bool) ([]E, *entgql.PageInfo[string]) {
	edges := make([]E, 0, n)
	info := &entgql.PageInfo[string]{HasNextPage: hasNext, HasPreviousPage: hasPrevious}
	for i := range n {
		e, cursor := edge(i)
		edges = append(edges, e)
		if i == 0 {
			info.StartCursor = &cursor
		}
		if i == n-1 {
			info.EndCursor = &cursor
		}
	}
	return edges, info
}
