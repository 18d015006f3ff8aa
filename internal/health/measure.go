package health

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/perception"
)

// Measure reads the signals of every visible account that matches the filters with four
// queries run concurrently: the account ids, their AccountPulse rows (last interaction,
// renewal, seats, complaints: kept in step on write), the NPS of both voices from each
// person's latest response since now − perception.DefaultWindow, and who sits on a council.
func Measure(ctx context.Context, c *ent.Client, now time.Time, accounts ...predicate.Account) (map[string]*Signals, error) {
	var (
		ids     []string
		pulses  []*ent.AccountPulse
		voices  []perception.Voices
		council []councilRow
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		ids, err = c.Account.Query().Where(accounts...).IDs(gctx)
		return err
	})
	g.Go(func() (err error) {
		// The privacy rules keep every query to the accounts the viewer may see: the account
		// condition is added only for filters, as MariaDB checks it with a dependent subquery.
		q := c.AccountPulse.Query()
		if len(accounts) > 0 {
			q = q.Where(accountpulse.HasAccountWith(accounts...))
		}
		pulses, err = q.Select(accountpulse.FieldAccountID, accountpulse.FieldLastInteractionAt, accountpulse.FieldRenewalAt,
			accountpulse.FieldSeats, accountpulse.FieldActiveSeats, accountpulse.FieldOpenComplaints).All(gctx)
		return err
	})
	g.Go(func() (err error) {
		voices, err = perception.VoicesOf(gctx, c, now.Add(-perception.DefaultWindow), accounts...)
		return err
	})
	g.Go(func() error {
		var buyers, users []councilRow
		bq := c.BuyingContact.Query().Where(onCouncil[predicate.BuyingContact](buyingcontact.FieldPersonID))
		uq := c.EndUser.Query().Where(onCouncil[predicate.EndUser](enduser.FieldPersonID))
		if len(accounts) > 0 {
			bq, uq = bq.Where(buyingcontact.HasAccountWith(accounts...)), uq.Where(enduser.HasAccountWith(accounts...))
		}
		if err := bq.Select(buyingcontact.FieldAccountID, buyingcontact.FieldPersonID).Scan(gctx, &buyers); err != nil {
			return err
		}
		err := uq.Select(enduser.FieldAccountID, enduser.FieldPersonID).Scan(gctx, &users)
		council = append(buyers, users...)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("measuring account health: %w", err)
	}

	out := make(map[string]*Signals, len(ids))
	for _, id := range ids {
		out[id] = &Signals{}
	}
	for _, p := range pulses {
		if s := out[p.AccountID]; s != nil {
			s.AddPulse(p, now)
		}
	}
	for _, v := range voices {
		if s := out[v.AccountID]; s != nil {
			s.EndUserNPS, s.PurchaserNPS = v.EndUserNPS, v.PurchaserNPS
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

// AddPulse sets the signals that the account's AccountPulse row holds, as of now.
func (s *Signals) AddPulse(p *ent.AccountPulse, now time.Time) {
	s.OpenComplaints = p.OpenComplaints
	if p.LastInteractionAt != nil {
		d := Days(*p.LastInteractionAt, now)
		s.DaysSinceLastInteraction = &d
	}
	if p.RenewalAt != nil {
		d := Days(now, *p.RenewalAt)
		s.DaysToRenewal = &d
	}
	if p.Seats > 0 {
		u := float64(p.ActiveSeats) / float64(p.Seats)
		s.SeatUtilisation = &u
	}
}

// onCouncil keeps the rows whose person (in the column) sits on a council now. It reads the
// few memberships once (MariaDB materialises the IN subquery) rather than looking for a
// membership from every buying contact or end user of the tenant.
func onCouncil[P ~func(*entsql.Selector)](column string) P {
	return func(s *entsql.Selector) {
		d := entsql.Dialect(s.Dialect())
		m := d.Table(councilmembership.Table)
		s.Where(entsql.In(s.C(column), d.Select(m.C(councilmembership.FieldPersonID)).From(m).
			Where(entsql.IsNull(m.C(councilmembership.FieldLeftAt)))))
	}
}

type councilRow struct {
	AccountID string `json:"account_id"`
	PersonID  string `json:"person_id"`
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

// Ranked is an account's health, explained.
type Ranked struct {
	AccountID string
	Health
}

// Standing is an account's place in a ranking by health: its score and band, and the signals
// that Evaluate explains them from. Only the page a client reads needs the explanation.
type Standing struct {
	AccountID string
	Score     float64
	Band      Band
	Signals   Signals
}

// Rank scores every visible account that matches the filters and orders them worst first
// (ties by id, so that pages are stable), keeping only the bands asked for (all if none).
func Rank(ctx context.Context, c *ent.Client, w Weights, now time.Time, bands []Band, accounts ...predicate.Account) ([]Standing, error) {
	signals, err := Measure(ctx, c, now, accounts...)
	if err != nil {
		return nil, err
	}
	ranked := make([]Standing, 0, len(signals))
	points := w.points()
	for id, s := range signals {
		score := points.score(*s)
		if band := BandOf(score); len(bands) == 0 || slices.Contains(bands, band) {
			ranked = append(ranked, Standing{AccountID: id, Score: score, Band: band, Signals: *s})
		}
	}
	slices.SortFunc(ranked, func(a, b Standing) int {
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(a.AccountID, b.AccountID))
	})
	return ranked, nil
}
