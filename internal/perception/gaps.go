package perception

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/enum"
)

// Voices is the NPS of both personas on one account, from each person's latest response
// since the window's start.
type Voices struct {
	AccountID          string
	PurchaserResponses int
	EndUserResponses   int
	PurchaserNPS       *float64
	EndUserNPS         *float64
	NPSGap             *float64 // purchaser − end user
}

// voicesRow is what the database returns per account and persona.
type voicesRow struct {
	AccountID  string       `json:"account_id"`
	Persona    enum.Persona `json:"persona"`
	Responses  int          `json:"n"`
	Promoters  int          `json:"pro"`
	Detractors int          `json:"det"`
}

// nps is DESIGN.md's NPS of the row's responses.
func (r voicesRow) nps() *float64 {
	return NPS(r.Promoters, r.Responses-r.Promoters-r.Detractors, r.Detractors)
}

// GapOrder says how perceptionGaps ranks accounts.
type GapOrder string

// The orders: the widest gap either way, buyers happier than users first, or users happier
// than buyers first.
const (
	WidestGap       GapOrder = "WIDEST"
	BuyersHappier   GapOrder = "PURCHASER_HAPPIER"
	EndUsersHappier GapOrder = "END_USER_HAPPIER"
)

// VoicesOf returns the voices of the visible accounts that match the filters and have at least
// one NPS response since the start of the window. It reads LatestNPS, which the data layer
// keeps in step with feedback, grouped by account and persona: on MariaDB that streams in the
// order of the covering index (tenant, account, persona, received_at, score), where
// conditional sums over the persona per account would cost three times as much.
func VoicesOf(ctx context.Context, c *ent.Client, since time.Time, accounts ...predicate.Account) ([]Voices, error) {
	q := c.LatestNPS.Query().Where(latestnps.ReceivedAtGTE(since))
	if len(accounts) > 0 {
		q = q.Where(latestnps.HasAccountWith(accounts...))
	}
	var rows []voicesRow
	err := q.Modify(func(s *entsql.Selector) {
		score := s.C(latestnps.FieldScore)
		s.Select(
			entsql.As(s.C(latestnps.FieldAccountID), "account_id"),
			entsql.As(s.C(latestnps.FieldPersona), "persona"),
			"COUNT(*) AS n",
			fmt.Sprintf("SUM(CASE WHEN %s >= 9 THEN 1 ELSE 0 END) AS pro", score),
			fmt.Sprintf("SUM(CASE WHEN %s <= 6 THEN 1 ELSE 0 END) AS det", score),
		).GroupBy(s.C(latestnps.FieldAccountID), s.C(latestnps.FieldPersona))
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("measuring voices: %w", err)
	}
	var out []Voices
	at := map[string]int{}
	for _, r := range rows {
		i, ok := at[r.AccountID]
		if !ok {
			i = len(out)
			at[r.AccountID] = i
			out = append(out, Voices{AccountID: r.AccountID})
		}
		v := &out[i]
		switch r.Persona {
		case enum.PersonaPurchaser:
			v.PurchaserResponses, v.PurchaserNPS = r.Responses, r.nps()
		case enum.PersonaEndUser:
			v.EndUserResponses, v.EndUserNPS = r.Responses, r.nps()
		}
	}
	for i := range out {
		out[i].NPSGap = Gap(out[i].PurchaserNPS, out[i].EndUserNPS)
	}
	return out, nil
}

// RankGaps keeps the accounts with at least minResponses NPS responses from each persona and
// orders them by their gap; ties go by account id, so that pages are stable.
func RankGaps(voices []Voices, minResponses int, order GapOrder) []Voices {
	minResponses = max(minResponses, 1)
	ranked := make([]Voices, 0, len(voices))
	for _, v := range voices {
		if v.PurchaserResponses >= minResponses && v.EndUserResponses >= minResponses && v.NPSGap != nil {
			ranked = append(ranked, v)
		}
	}
	key := func(v Voices) float64 {
		switch order {
		case BuyersHappier:
			return -*v.NPSGap
		case EndUsersHappier:
			return *v.NPSGap
		}
		return -math.Abs(*v.NPSGap)
	}
	slices.SortFunc(ranked, func(a, b Voices) int {
		return cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.AccountID, b.AccountID))
	})
	return ranked
}
