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
	"github.com/stakegraph/stakegraph/enum"
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

// voicesRow is what the database returns per account.
type voicesRow struct {
	AccountID    string `json:"account_id"`
	PurchaserN   int    `json:"p_n"`
	PurchaserPro int    `json:"p_pro"`
	PurchaserDet int    `json:"p_det"`
	EndUserN     int    `json:"e_n"`
	EndUserPro   int    `json:"e_pro"`
	EndUserDet   int    `json:"e_det"`
}

func (r voicesRow) voices() Voices {
	nps := func(n, pro, det int) *float64 {
		if n == 0 {
			return nil
		}
		s := float64(pro-det) * 100 / float64(n)
		return &s
	}
	v := Voices{
		AccountID:          r.AccountID,
		PurchaserResponses: r.PurchaserN,
		EndUserResponses:   r.EndUserN,
		PurchaserNPS:       nps(r.PurchaserN, r.PurchaserPro, r.PurchaserDet),
		EndUserNPS:         nps(r.EndUserN, r.EndUserPro, r.EndUserDet),
	}
	v.NPSGap = difference(v.PurchaserNPS, v.EndUserNPS)
	return v
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
// keeps in step with feedback, so that a whole tenant is one grouped scan of an index rather
// than a pass over every feedback row.
func VoicesOf(ctx context.Context, c *ent.Client, since time.Time, accounts ...predicate.Account) ([]Voices, error) {
	q := c.LatestNPS.Query().Where(latestnps.ReceivedAtGTE(since))
	if len(accounts) > 0 {
		q = q.Where(latestnps.HasAccountWith(accounts...))
	}
	var rows []voicesRow
	err := q.Modify(func(s *entsql.Selector) {
		persona, score := s.C(latestnps.FieldPersona), s.C(latestnps.FieldScore)
		count := func(p enum.Persona, cond, as string) string {
			return fmt.Sprintf("SUM(CASE WHEN %s = '%s'%s THEN 1 ELSE 0 END) AS %s", persona, p, cond, as)
		}
		s.Select(
			entsql.As(s.C(latestnps.FieldAccountID), "account_id"),
			count(enum.PersonaPurchaser, "", "p_n"),
			count(enum.PersonaPurchaser, " AND "+score+" >= 9", "p_pro"),
			count(enum.PersonaPurchaser, " AND "+score+" <= 6", "p_det"),
			count(enum.PersonaEndUser, "", "e_n"),
			count(enum.PersonaEndUser, " AND "+score+" >= 9", "e_pro"),
			count(enum.PersonaEndUser, " AND "+score+" <= 6", "e_det"),
		).GroupBy(s.C(latestnps.FieldAccountID))
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("measuring voices: %w", err)
	}
	out := make([]Voices, len(rows))
	for i, r := range rows {
		out[i] = r.voices()
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
