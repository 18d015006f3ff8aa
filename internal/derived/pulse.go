package derived

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	gen "github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/accountpulse"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/privacy"
)

// pulseBatch bounds the accounts one refresh reads with IN lists.
const pulseBatch = 1000

// A Signal is one group of an AccountPulse's columns, with the rows it derives from.
type Signal int

// The signals.
const (
	Interactions Signal = 1 << iota // the last interaction
	Contracts                       // the nearest renewal and the seats of active contracts
	EndUsers                        // the active licensed end users
	Complaints                      // the open complaints
	AllSignals   = Interactions | Contracts | EndUsers | Complaints
)

// Fields are the fields of a signal's rows that move it: an update that changes none of them
// leaves the signal as it is.
func (s Signal) Fields() []string {
	var fields []string
	for _, src := range pulseSources {
		if s&src.signal != 0 {
			fields = append(fields, src.fields...)
		}
	}
	return fields
}

// RefreshPulse recomputes the signals of the tenant's accounts from the rows they derive from,
// as these now are, in c's transaction, and leaves the other signals as they are. Every
// account with a row that counts in a signal has its AccountPulse (every write keeps it,
// Migrate backfills it), so a row a refresh creates rightly starts the other signals empty.
func RefreshPulse(ctx context.Context, c *gen.Client, tenantID string, accountIDs []string, signals Signal) error {
	ctx = privacy.DecisionContext(ctx, privacy.Allow) // derived data: the data layer reads and writes it
	err := inBatches(slices.Compact(slices.Sorted(slices.Values(accountIDs))), func(ids []string) error {
		return refreshPulse(ctx, c, tenantID, ids, signals)
	})
	if err != nil {
		return fmt.Errorf("refreshing account signals: %w", err)
	}
	return nil
}

// inBatches runs fn on the sorted account ids, pulseBatch at a time: every writer locks the
// rows of accounts in the same order.
func inBatches(ids []string, fn func(ids []string) error) error {
	for start := 0; start < len(ids); start += pulseBatch {
		if err := fn(ids[start:min(start+pulseBatch, len(ids))]); err != nil {
			return err
		}
	}
	return nil
}

// perAccount is one account's aggregate of one signal's rows.
type perAccount struct {
	AccountID string        `json:"account_id"`
	T         aggregateTime `json:"t"`
	N         int64         `json:"n"`
}

// grouped is an aggregation by account, ready to run.
type grouped interface {
	Scan(ctx context.Context, v any) error
}

// pulseSources says, per signal, how its rows aggregate per account (one grouped query over a
// covering index of the tenant: see the Indexes of the types), and which columns of the
// AccountPulse the aggregate sets.
var pulseSources = []struct {
	signal  Signal
	fields  []string
	query   func(c *gen.Client, tenantID string, ids []string) grouped
	set     func(p *gen.AccountPulseCreate, a perAccount)
	columns []func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert
}{
	{
		Interactions,
		[]string{interaction.FieldOccurredAt},
		func(c *gen.Client, tenantID string, ids []string) grouped {
			return c.Interaction.Query().Where(interaction.TenantID(tenantID), interaction.AccountIDIn(ids...)).
				GroupBy(interaction.FieldAccountID).Aggregate(gen.As(gen.Max(interaction.FieldOccurredAt), "t"))
		},
		func(p *gen.AccountPulseCreate, a perAccount) {
			if !a.T.IsZero() {
				p.SetLastInteractionAt(a.T.Time)
			}
		},
		[]func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert{(*gen.AccountPulseUpsert).UpdateLastInteractionAt},
	},
	{
		Contracts,
		[]string{contract.FieldStatus, contract.FieldEndDate, contract.FieldSeats},
		func(c *gen.Client, tenantID string, ids []string) grouped {
			return c.Contract.Query().Where(contract.TenantID(tenantID), contract.StatusEQ(contract.StatusACTIVE), contract.AccountIDIn(ids...)).
				GroupBy(contract.FieldAccountID).
				Aggregate(gen.As(gen.Min(contract.FieldEndDate), "t"), gen.As(gen.Sum(contract.FieldSeats), "n"))
		},
		func(p *gen.AccountPulseCreate, a perAccount) {
			if !a.T.IsZero() {
				p.SetRenewalAt(a.T.Time)
			}
			p.SetSeats(a.N)
		},
		[]func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert{(*gen.AccountPulseUpsert).UpdateRenewalAt, (*gen.AccountPulseUpsert).UpdateSeats},
	},
	{
		EndUsers,
		[]string{enduser.FieldStatus, enduser.FieldLicensed},
		func(c *gen.Client, tenantID string, ids []string) grouped {
			return c.EndUser.Query().Where(enduser.TenantID(tenantID), enduser.AccountIDIn(ids...), holdsSeat).
				GroupBy(enduser.FieldAccountID).Aggregate(gen.As(gen.Count(), "n"))
		},
		func(p *gen.AccountPulseCreate, a perAccount) { p.SetActiveSeats(int(a.N)) },
		[]func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert{(*gen.AccountPulseUpsert).UpdateActiveSeats},
	},
	{
		Complaints,
		[]string{feedback.FieldKind, feedback.FieldStatus},
		func(c *gen.Client, tenantID string, ids []string) grouped {
			return c.Feedback.Query().Where(feedback.TenantID(tenantID), feedback.KindEQ(feedback.KindCOMPLAINT), feedback.StatusEQ(feedback.StatusOPEN), feedback.AccountIDIn(ids...)).
				GroupBy(feedback.FieldAccountID).Aggregate(gen.As(gen.Count(), "n"))
		},
		func(p *gen.AccountPulseCreate, a perAccount) { p.SetOpenComplaints(int(a.N)) },
		[]func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert{(*gen.AccountPulseUpsert).UpdateOpenComplaints},
	},
}

// refreshPulse aggregates the signals of the accounts and upserts their rows, updating only
// the signals' columns of the rows that exist.
//
// It first takes the rows' locks, creating the missing rows, in the order of the ids. A
// transaction that refreshes the same accounts meanwhile then waits until this one commits and
// aggregates its rows too; aggregating first, both would count without the other's uncommitted
// rows and the later write would drop the earlier one's.
func refreshPulse(ctx context.Context, c *gen.Client, tenantID string, ids []string, signals Signal) error {
	creates := make(map[string]*gen.AccountPulseCreate, len(ids))
	locks := make([]*gen.AccountPulseCreate, 0, len(ids))
	bulk := make([]*gen.AccountPulseCreate, 0, len(ids))
	for _, id := range ids {
		creates[id] = c.AccountPulse.Create().SetTenantID(tenantID).SetAccountID(id)
		bulk = append(bulk, creates[id])
		locks = append(locks, c.AccountPulse.Create().SetTenantID(tenantID).SetAccountID(id))
	}
	err := c.AccountPulse.CreateBulk(locks...).OnConflictColumns(accountpulse.FieldAccountID).Ignore().Exec(ctx)
	if err != nil {
		return fmt.Errorf("locking account signals: %w", err)
	}
	var columns []func(*gen.AccountPulseUpsert) *gen.AccountPulseUpsert
	for _, src := range pulseSources {
		if signals&src.signal == 0 {
			continue
		}
		var rows []perAccount
		if err := src.query(c, tenantID, ids).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			if p := creates[r.AccountID]; p != nil {
				src.set(p, r)
			}
		}
		columns = append(columns, src.columns...)
	}
	return c.AccountPulse.CreateBulk(bulk...).
		OnConflictColumns(accountpulse.FieldAccountID).
		Update(func(u *gen.AccountPulseUpsert) {
			for _, update := range columns {
				update(u)
			}
		}).
		Exec(ctx)
}

// aggregateTime is an aggregated time (MAX, MIN) as either driver returns it: MySQL's as a
// time.Time, SQLite's as the text it stored. Scanning it directly spares formatting each
// MySQL time as text only to parse it back. NULL leaves the zero time.
type aggregateTime struct{ time.Time }

// sqliteTimeLayouts are the forms of SQLite's stored times.
var sqliteTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"}

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
	for _, layout := range sqliteTimeLayouts {
		if parsed, err := time.Parse(layout, text); err == nil {
			t.Time = parsed
			return nil
		}
	}
	return fmt.Errorf("an aggregated time cannot be %q", text)
}

// BackfillPulse gives every account that has no AccountPulse one, computed from its data: a
// database from before the table existed, or rows written around the hooks. Migrate and the
// scale generator run it. It returns how many accounts it gave one.
func BackfillPulse(ctx context.Context, c *gen.Client) (int, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	missing, err := c.Account.Query().
		Where(func(s *sql.Selector) {
			p := sql.Dialect(s.Dialect()).Table(accountpulse.Table)
			s.Where(sql.NotExists(sql.Dialect(s.Dialect()).Select(p.C(accountpulse.FieldID)).From(p).
				Where(sql.ColumnsEQ(p.C(accountpulse.FieldAccountID), s.C(account.FieldID)))))
		}).
		Select(account.FieldID, account.FieldTenantID).
		All(ctx)
	if err != nil {
		return 0, fmt.Errorf("finding accounts without signals: %w", err)
	}
	byTenant := map[string][]string{}
	for _, a := range missing {
		byTenant[a.TenantID] = append(byTenant[a.TenantID], a.ID)
	}
	for tenantID, ids := range byTenant {
		if err := RefreshPulse(ctx, c, tenantID, ids, AllSignals); err != nil {
			return 0, err
		}
	}
	return len(missing), nil
}
