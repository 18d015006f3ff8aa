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

	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/perception"
)

// Measure reads the signals of every visible account that matches the filters, with one
// grouped query per signal for all of them, run concurrently: a whole tenant is one pass over
// an index per signal. NPS comes from each person's latest response since
// now − perception.DefaultWindow.
func Measure(ctx context.Context, c *ent.Client, now time.Time, accounts ...predicate.Account) (map[string]*Signals, error) {
	var (
		ids         []string
		voices      []perception.Voices
		lastTouch   []timeRow
		renewals    []renewalRow
		activeSeats []countRow
		complaints  []countRow
		council     []councilRow
	)
	// The privacy rules already keep every query to the accounts the viewer may see: the
	// account condition is added only for filters, since MariaDB would otherwise check each
	// row's account with a dependent subquery.
	var (
		interactions  []predicate.Interaction
		contracts     []predicate.Contract
		endUsers      []predicate.EndUser
		complaintsOf  []predicate.Feedback
		buyingContact []predicate.BuyingContact
	)
	if len(accounts) > 0 {
		interactions = append(interactions, interaction.HasAccountWith(accounts...))
		contracts = append(contracts, contract.HasAccountWith(accounts...))
		endUsers = append(endUsers, enduser.HasAccountWith(accounts...))
		complaintsOf = append(complaintsOf, feedback.HasAccountWith(accounts...))
		buyingContact = append(buyingContact, buyingcontact.HasAccountWith(accounts...))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		ids, err = c.Account.Query().Where(accounts...).IDs(gctx)
		return err
	})
	g.Go(func() (err error) {
		voices, err = perception.VoicesOf(gctx, c, now.Add(-perception.DefaultWindow), accounts...)
		return err
	})
	g.Go(func() error {
		return c.Interaction.Query().
			Where(interactions...).
			GroupBy(interaction.FieldAccountID).
			Aggregate(ent.As(ent.Max(interaction.FieldOccurredAt), "t")).
			Scan(gctx, &lastTouch)
	})
	g.Go(func() error {
		return c.Contract.Query().
			Where(append(contracts, contract.StatusEQ(contract.StatusACTIVE))...).
			GroupBy(contract.FieldAccountID).
			Aggregate(ent.As(ent.Min(contract.FieldEndDate), "t"), ent.As(ent.Sum(contract.FieldSeats), "seats")).
			Scan(gctx, &renewals)
	})
	g.Go(func() error {
		return c.EndUser.Query().
			Where(append(endUsers, enduser.StatusEQ(enduser.StatusACTIVE), enduser.Licensed(true))...).
			GroupBy(enduser.FieldAccountID).
			Aggregate(ent.As(ent.Count(), "n")).
			Scan(gctx, &activeSeats)
	})
	g.Go(func() error {
		return c.Feedback.Query().
			Where(append(complaintsOf, feedback.KindEQ(feedback.KindCOMPLAINT), feedback.StatusEQ(feedback.StatusOPEN))...).
			GroupBy(feedback.FieldAccountID).
			Aggregate(ent.As(ent.Count(), "n")).
			Scan(gctx, &complaints)
	})
	g.Go(func() error {
		var buyers, users []councilRow
		err := c.BuyingContact.Query().
			Where(append(buyingContact, onCouncil[predicate.BuyingContact](buyingcontact.FieldPersonID))...).
			Select(buyingcontact.FieldAccountID, buyingcontact.FieldPersonID).
			Scan(gctx, &buyers)
		if err != nil {
			return err
		}
		err = c.EndUser.Query().
			Where(append(endUsers, onCouncil[predicate.EndUser](enduser.FieldPersonID))...).
			Select(enduser.FieldAccountID, enduser.FieldPersonID).
			Scan(gctx, &users)
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

	for _, v := range voices {
		if s := out[v.AccountID]; s != nil {
			s.EndUserNPS, s.PurchaserNPS = v.EndUserNPS, v.PurchaserNPS
		}
	}
	for _, r := range lastTouch {
		if s, t := out[r.AccountID], r.T.Time; s != nil && !t.IsZero() {
			d := Days(t, now)
			s.DaysSinceLastInteraction = &d
		}
	}
	seats := map[string]int64{}
	for _, r := range renewals {
		if s, t := out[r.AccountID], r.T.Time; s != nil && !t.IsZero() {
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

type timeRow struct {
	AccountID string        `json:"account_id"`
	T         aggregateTime `json:"t"`
}

type renewalRow struct {
	AccountID string        `json:"account_id"`
	T         aggregateTime `json:"t"`
	Seats     sql.NullInt64 `json:"seats"`
}

type countRow struct {
	AccountID string `json:"account_id"`
	N         int    `json:"n"`
}

type councilRow struct {
	AccountID string `json:"account_id"`
	PersonID  string `json:"person_id"`
}

// aggregateTime is an aggregated time (MAX, MIN) as either driver returns it: MySQL's as a
// time.Time, SQLite's as the text it stored. Scanning it directly spares formatting each
// MySQL time as text only to parse it back. NULL leaves the zero time.
type aggregateTime struct{ time.Time }

// timeLayouts are the forms of SQLite's stored times.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"}

// Scan implements sql.Scanner.
func (t *aggregateTime) Scan(v any) error {
	var text string
	switch v := v.(type) {
	case nil:
		return nil
	case time.Time:
		t.Time = v
		return nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return fmt.Errorf("an aggregated time cannot be a %T", v)
	}
	for _, layout := range timeLayouts {
		if parsed, err := time.Parse(layout, text); err == nil {
			t.Time = parsed
			return nil
		}
	}
	return fmt.Errorf("an aggregated time cannot be %q", text)
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
