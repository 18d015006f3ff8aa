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

// rankedPage cuts a page out of a ranking. Cursors are positions in the ranking: a ranking is
// computed afresh for every request, so a cursor means "after the nth", not "after this one".
func rankedPage(total int, first *int, after *entgql.Cursor[string]) (from, to int, info *entgql.PageInfo[string], err error) {
	if after != nil {
		from, err = strconv.Atoi(after.ID)
		if err != nil || from < 0 {
			return 0, 0, nil, errs.InvalidCursor("after")
		}
		from++
	}
	size := 20
	if first != nil {
		size = *first
	}
	from = min(from, total)
	to = min(from+size, total)
	info = &entgql.PageInfo[string]{HasNextPage: to < total, HasPreviousPage: from > 0}
	if to > from {
		start, end := rankCursor(from), rankCursor(to-1)
		info.StartCursor, info.EndCursor = &start, &end
	}
	return from, to, info, nil
}

func rankCursor(position int) entgql.Cursor[string] {
	return entgql.Cursor[string]{ID: strconv.Itoa(position)}
}
