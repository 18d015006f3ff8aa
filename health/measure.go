package health

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/perception"
)

// Measure reads the signals of every visible account that matches the filters, with one
// grouped query per signal for all of them, run concurrently. NPS comes from each person's
// latest response since now − perception.DefaultWindow.
func Measure(ctx context.Context, c *ent.Client, now time.Time, accounts ...predicate.Account) (map[string]*Signals, error) {
	ids, err := c.Account.Query().Where(accounts...).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	out := make(map[string]*Signals, len(ids))
	for _, id := range ids {
		out[id] = &Signals{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	var (
		voices      []perception.Voices
		lastTouch   []timeRow
		renewals    []renewalRow
		activeSeats []countRow
		complaints  []countRow
		council     []councilRow
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		voices, err = perception.VoicesOf(gctx, c, now.Add(-perception.DefaultWindow), accounts...)
		return err
	})
	g.Go(func() error {
		return c.Interaction.Query().
			Where(interaction.HasAccountWith(accounts...)).
			GroupBy(interaction.FieldAccountID).
			Aggregate(ent.As(ent.Max(interaction.FieldOccurredAt), "t")).
			Scan(gctx, &lastTouch)
	})
	g.Go(func() error {
		return c.Contract.Query().
			Where(contract.HasAccountWith(accounts...), contract.StatusEQ(contract.StatusACTIVE)).
			GroupBy(contract.FieldAccountID).
			Aggregate(ent.As(ent.Min(contract.FieldEndDate), "t"), ent.As(ent.Sum(contract.FieldSeats), "seats")).
			Scan(gctx, &renewals)
	})
	g.Go(func() error {
		return c.EndUser.Query().
			Where(enduser.HasAccountWith(accounts...), enduser.StatusEQ(enduser.StatusACTIVE), enduser.Licensed(true)).
			GroupBy(enduser.FieldAccountID).
			Aggregate(ent.As(ent.Count(), "n")).
			Scan(gctx, &activeSeats)
	})
	g.Go(func() error {
		return c.Feedback.Query().
			Where(feedback.HasAccountWith(accounts...), feedback.KindEQ(feedback.KindCOMPLAINT),
				feedback.StatusEQ(feedback.StatusOPEN)).
			GroupBy(feedback.FieldAccountID).
			Aggregate(ent.As(ent.Count(), "n")).
			Scan(gctx, &complaints)
	})
	g.Go(func() error {
		onCouncil := person.HasCouncilMembershipsWith(councilmembership.LeftAtIsNil())
		var buyers, users []councilRow
		err := c.BuyingContact.Query().
			Where(buyingcontact.HasAccountWith(accounts...), buyingcontact.HasPersonWith(onCouncil)).
			Select(buyingcontact.FieldAccountID, buyingcontact.FieldPersonID).
			Scan(gctx, &buyers)
		if err != nil {
			return err
		}
		err = c.EndUser.Query().
			Where(enduser.HasAccountWith(accounts...), enduser.HasPersonWith(onCouncil)).
			Select(enduser.FieldAccountID, enduser.FieldPersonID).
			Scan(gctx, &users)
		council = append(buyers, users...)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("measuring account health: %w", err)
	}

	for _, v := range voices {
		if s := out[v.AccountID]; s != nil {
			s.EndUserNPS, s.PurchaserNPS = v.EndUserNPS, v.PurchaserNPS
		}
	}
	for _, r := range lastTouch {
		if s, t := out[r.AccountID], parseTime(r.T); s != nil && !t.IsZero() {
			d := Days(t, now)
			s.DaysSinceLastInteraction = &d
		}
	}
	seats := map[string]int64{}
	for _, r := range renewals {
		if s, t := out[r.AccountID], parseTime(r.T); s != nil && !t.IsZero() {
			d := Days(now, t)
			s.DaysToRenewal = &d
		}
		seats[r.AccountID] = r.Seats.Int64
	}
	used := map[string]int{}
	for _, r := range activeSeats {
		used[r.AccountID] = r.N
	}
	for id, n := range seats {
		if s := out[id]; s != nil && n > 0 {
			u := float64(used[id]) / float64(n)
			s.SeatUtilisation = &u
		}
	}
	for _, r := range complaints {
		if s := out[r.AccountID]; s != nil {
			s.OpenComplaints = r.N
		}
	}
	members := map[[2]string]bool{}
	for _, r := range council {
		if s := out[r.AccountID]; s != nil && !members[[2]string{r.AccountID, r.PersonID}] {
			members[[2]string{r.AccountID, r.PersonID}] = true
			s.CouncilMembers++
		}
	}
	return out, nil
}

type timeRow struct {
	AccountID string         `json:"account_id"`
	T         sql.NullString `json:"t"`
}

type renewalRow struct {
	AccountID string         `json:"account_id"`
	T         sql.NullString `json:"t"`
	Seats     sql.NullInt64  `json:"seats"`
}

type countRow struct {
	AccountID string `json:"account_id"`
	N         int    `json:"n"`
}

type councilRow struct {
	AccountID string `json:"account_id"`
	PersonID  string `json:"person_id"`
}

// timeLayouts are the forms in which an aggregated time comes back: MySQL's driver turns
// DATETIME into time.Time, which database/sql formats as RFC 3339; SQLite keeps the text it
// stored.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"}

func parseTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s.String); err == nil {
			return t
		}
	}
	return time.Time{}
}

// Days counts whole days (24 hours) from a to b, rounded down: negative when b is before a.
// Health and the API's days to renewal count the same way.
func Days(a, b time.Time) int {
	return int(math.Floor(b.Sub(a).Hours() / 24))
}

// ForAccounts returns the health of each of the accounts.
func ForAccounts(ctx context.Context, c *ent.Client, w Weights, now time.Time, ids []string) (map[string]Health, error) {
	signals, err := Measure(ctx, c, now, account.IDIn(ids...))
	if err != nil {
		return nil, err
	}
	out := make(map[string]Health, len(signals))
	for id, s := range signals {
		out[id] = Evaluate(*s, w)
	}
	return out, nil
}

// Ranked is an account's place in a ranking by health.
type Ranked struct {
	AccountID string
	Health
}

// Rank scores every visible account that matches the filters and orders them worst first
// (ties by id, so that pages are stable), keeping only the bands asked for (all if none).
func Rank(ctx context.Context, c *ent.Client, w Weights, now time.Time, bands []Band, accounts ...predicate.Account) ([]Ranked, error) {
	signals, err := Measure(ctx, c, now, accounts...)
	if err != nil {
		return nil, err
	}
	ranked := make([]Ranked, 0, len(signals))
	for id, s := range signals {
		h := Evaluate(*s, w)
		if len(bands) == 0 || slices.Contains(bands, h.Band) {
			ranked = append(ranked, Ranked{AccountID: id, Health: h})
		}
	}
	slices.SortFunc(ranked, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(a.AccountID, b.AccountID))
	})
	return ranked, nil
}
