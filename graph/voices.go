package graph

import (
	"strconv"

	"entgo.io/contrib/entgql"

	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/errs"
)

// accountFilter turns the filters of the tenant views (atRiskAccounts, perceptionGaps) into
// conditions on accounts. Without stages, churned accounts are left out: the views are lists
// to act on before a renewal, and a churned account has none left. Asking for CHURNED by stage
// brings them back.
func accountFilter(tiers []account.Tier, stages []account.Stage, owners []string) []predicate.Account {
	var ps []predicate.Account
	if len(tiers) > 0 {
		ps = append(ps, account.TierIn(tiers...))
	}
	if len(stages) > 0 {
		ps = append(ps, account.StageIn(stages...))
	} else {
		ps = append(ps, account.StageNEQ(account.StageCHURNED))
	}
	if len(owners) > 0 {
		ps = append(ps, account.OwnerIDIn(owners...))
	}
	return ps
}

// rankedPage cuts a page out of a ranking. Cursors are positions in the ranking: a ranking is
// computed afresh for every request, so a cursor means "after the nth", not "after this one".
func rankedPage(total int, first *int, after *entgql.Cursor[string]) (from, to int, info *entgql.PageInfo[string], err error) {
	if after != nil {
		from, err = strconv.Atoi(after.ID)
		if err != nil || from < 0 {
			return 0, 0, nil, errs.Invalidf("after", "is not a cursor of this ranking")
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
