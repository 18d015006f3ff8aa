package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

func (a *app) accountsCommand() *urfave.Command {
	return group(&urfave.Command{
		Name:  "accounts",
		Usage: "list accounts, show one with its people and contracts, read its perception gap",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{
			{
				Name:  "list",
				Usage: "list accounts by name, or with --at-risk by health (worst first)",
				Flags: []urfave.Flag{
					&urfave.BoolFlag{Name: "mine", Usage: "only the accounts you own"},
					&urfave.StringSliceFlag{Name: "tier", Usage: "only these tiers: STRATEGIC, KEY, GROWTH, STANDARD (repeat or separate with commas)"},
					&urfave.StringSliceFlag{Name: "stage", Usage: "only these stages: PROSPECT, NEW, ACTIVE, RETAINED, LOYAL, CHURNED (--at-risk leaves CHURNED out unless named)"},
					&urfave.BoolFlag{Name: "at-risk", Usage: "rank by health, worst first, with score, band and the top reason (default band AT_RISK; churned accounts only with --stage CHURNED)"},
					&urfave.StringSliceFlag{Name: "band", Usage: "with --at-risk: these health bands (AT_RISK, WATCH, HEALTHY)"},
					&urfave.IntFlag{Name: "limit", Value: 100, Usage: "show at most this many (0: all)"},
				},
				Action: a.accountsList,
			},
			{
				Name:      "show",
				Usage:     "show an account: buyers, end users, contracts, councils and open complaints",
				ArgsUsage: "ID|EXTERNAL_ID|NAME",
				Action:    a.accountsShow,
			},
			{
				Name:      "gap",
				Usage:     "compare what the purchasers and the end users of an account say",
				ArgsUsage: "ID|EXTERNAL_ID|NAME",
				Flags: []urfave.Flag{
					&urfave.StringFlag{Name: "since", Usage: "start of the window: 2025-01-31, an RFC 3339 time, or 90d (default: 12 months before --until)"},
					&urfave.StringFlag{Name: "until", Usage: "end of the window (default: now)"},
				},
				Action: a.accountsGap,
			},
		},
	})
}

// flagError is a usage error about a flag's value.
func flagError(c *urfave.Command, err error) error {
	return &Error{Exit: ExitUsage, Message: err.Error(), Hint: fmt.Sprintf("see `%s --help`", c.FullName())}
}

// collect pages through a connection until it has limit items (0: all of them).
func collect[T any](limit int, fetch func(first int, after *string) ([]T, client.Page, int, error)) ([]T, int, error) {
	var out []T
	var after *string
	for {
		first := 100
		if limit > 0 {
			first = min(first, limit-len(out))
		}
		items, page, total, err := fetch(first, after)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, items...)
		if !page.HasNextPage || page.EndCursor == nil || (limit > 0 && len(out) >= limit) {
			return out, total, nil
		}
		after = page.EndCursor
	}
}

type accountListJSON struct {
	TotalCount int           `json:"totalCount"`
	Accounts   []accountJSON `json:"accounts"`
}

func (a *app) accountsList(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	tiers, err := parseEnums("--tier", c.StringSlice("tier"), client.AllAccountTier)
	if err != nil {
		return flagError(c, err)
	}
	stages, err := parseEnums("--stage", c.StringSlice("stage"), client.AllAccountStage)
	if err != nil {
		return flagError(c, err)
	}
	bands, err := parseEnums("--band", c.StringSlice("band"), client.AllHealthBand)
	if err != nil {
		return flagError(c, err)
	}
	limit := c.Int("limit")
	if limit < 0 {
		return usagef(c, "--limit must be 0 (all) or more")
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	var ownerID *string
	if c.Bool("mine") {
		v, err := s.viewer(ctx)
		if err != nil {
			return err
		}
		if v.Member == nil {
			return errorf("--mine: you (%s) are not a member of the tenant's staff, so you own no accounts", v.Subject)
		}
		ownerID = &v.Member.Id
	}
	if c.Bool("at-risk") || len(bands) > 0 {
		if len(bands) == 0 {
			bands = []client.HealthBand{client.HealthBandAtRisk}
		}
		filter := &client.AccountHealthFilter{Tiers: tiers, Stages: stages, Bands: bands}
		if ownerID != nil {
			filter.OwnerIDs = []string{*ownerID}
		}
		return s.listAtRisk(ctx, filter, limit)
	}
	accounts, total, err := collect(limit, func(first int, after *string) ([]*client.AccountSummary, client.Page, int, error) {
		resp, err := client.ListAccounts(ctx, s.gql, first, after, tiers, stages, ownerID)
		if err != nil {
			return nil, client.Page{}, 0, err
		}
		var out []*client.AccountSummary
		for _, e := range resp.Accounts.Edges {
			out = append(out, e.Node)
		}
		return out, resp.Accounts.PageInfo, resp.Accounts.TotalCount, nil
	})
	if err != nil {
		return err
	}
	if s.json {
		out := accountListJSON{TotalCount: total, Accounts: []accountJSON{}}
		for _, acc := range accounts {
			out.Accounts = append(out.Accounts, accountView(acc))
		}
		return s.printJSON(out)
	}
	if len(accounts) == 0 {
		fmt.Fprintln(s.out, "No accounts.")
		return nil
	}
	t := newTable("NAME", "TIER", "STAGE", "OWNER", "EXTERNAL ID", "ID")
	for _, acc := range accounts {
		t.add(acc.Name, string(acc.Tier), string(acc.Stage), ownerName(acc.Owner), str(acc.ExternalID), acc.Id)
	}
	t.print(s.out)
	s.more(len(accounts), total, "accounts")
	return nil
}

// more tells a person that the list goes on.
func (s *session) more(shown, total int, what string) {
	if total > shown {
		fmt.Fprintf(s.env.Stderr, "Showing %d of %d %s; --limit 0 shows them all.\n", shown, total, what)
	}
}

func (s *session) listAtRisk(ctx context.Context, filter *client.AccountHealthFilter, limit int) error {
	ranked, total, err := collect(limit, func(first int, after *string) ([]*client.RankedAccount, client.Page, int, error) {
		resp, err := client.AtRiskAccounts(ctx, s.gql, first, after, filter)
		if err != nil {
			return nil, client.Page{}, 0, err
		}
		var out []*client.RankedAccount
		for _, e := range resp.AtRiskAccounts.Edges {
			out = append(out, &e.Node)
		}
		return out, resp.AtRiskAccounts.PageInfo, resp.AtRiskAccounts.TotalCount, nil
	})
	if err != nil {
		return err
	}
	if s.json {
		out := accountListJSON{TotalCount: total, Accounts: []accountJSON{}}
		for _, r := range ranked {
			v := accountView(&r.Account)
			v.Health = &healthJSON{Score: r.Score, Band: string(r.Band), Reasons: nonNil(r.Reasons)}
			out.Accounts = append(out.Accounts, v)
		}
		return s.printJSON(out)
	}
	if len(ranked) == 0 {
		fmt.Fprintf(s.out, "No accounts are %s.\n", joinEnums(filter.Bands))
		return nil
	}
	t := newTable("SCORE", "BAND", "NAME", "TIER", "STAGE", "OWNER", "TOP REASON", "ID").alignRight(0)
	for _, r := range ranked {
		reason := none
		if len(r.Reasons) > 0 {
			reason = truncate(r.Reasons[0], 50)
		}
		t.add(strconv.FormatFloat(r.Score, 'f', 1, 64), string(r.Band), r.Account.Name, string(r.Account.Tier),
			string(r.Account.Stage), ownerName(r.Account.Owner), reason, r.Account.Id)
	}
	t.print(s.out)
	s.more(len(ranked), total, "accounts")
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type accountDetailJSON struct {
	accountJSON
	Buyers         []buyerJSON     `json:"buyers"`
	EndUsers       []endUserJSON   `json:"endUsers"`
	Contracts      []contractJSON  `json:"contracts"`
	Councils       []councilJSON   `json:"councils"`
	OpenComplaints []complaintJSON `json:"openComplaints"`
}

type buyerJSON struct {
	ID        string        `json:"id"`
	Person    personRefJSON `json:"person"`
	Title     *string       `json:"title"`
	Roles     []string      `json:"roles"`
	Primary   bool          `json:"primary"`
	Influence *string       `json:"influence"`
}

type endUserJSON struct {
	ID           string        `json:"id"`
	Person       personRefJSON `json:"person"`
	Department   *string       `json:"department"`
	JobRole      *string       `json:"jobRole"`
	Status       string        `json:"status"`
	Licensed     bool          `json:"licensed"`
	LastActiveAt *time.Time    `json:"lastActiveAt"`
}

type contractJSON struct {
	ID                string    `json:"id"`
	Number            string    `json:"number"`
	ExternalID        *string   `json:"externalID"`
	Status            string    `json:"status"`
	StartDate         time.Time `json:"startDate"`
	EndDate           time.Time `json:"endDate"`
	RenewalNoticeDate time.Time `json:"renewalNoticeDate"`
	DaysToRenewal     int       `json:"daysToRenewal"`
	AutoRenew         bool      `json:"autoRenew"`
	ValueMinor        int       `json:"valueMinor"`
	Currency          string    `json:"currency"`
	Seats             *int      `json:"seats"`
	SeatUtilisation   *float64  `json:"seatUtilisation"`
}

type councilJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Status  string `json:"status"`
	Members int    `json:"members"`
}

type complaintJSON struct {
	ID         string        `json:"id"`
	Status     *string       `json:"status"`
	Persona    string        `json:"persona"`
	Channel    string        `json:"channel"`
	ReceivedAt time.Time     `json:"receivedAt"`
	Body       *string       `json:"body"`
	Topics     []string      `json:"topics"`
	Author     personRefJSON `json:"author"`
}

func (a *app) accountsShow(ctx context.Context, c *urfave.Command) error {
	argv, err := args(c, "the account (ID, EXTERNAL_ID or NAME)")
	if err != nil {
		return err
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	ref, err := s.account(ctx, argv[0])
	if err != nil {
		return err
	}
	resp, err := client.AccountDetail(ctx, s.gql, ref.Id)
	if err != nil {
		return err
	}
	if len(resp.Accounts.Edges) == 0 {
		return notFoundf("account %s is gone", ref.Id)
	}
	d := resp.Accounts.Edges[0].Node
	if s.json {
		return s.printJSON(accountDetailView(d))
	}
	s.printAccountDetail(d)
	return nil
}

func accountDetailView(d *client.AccountDetailNode) accountDetailJSON {
	out := accountDetailJSON{accountJSON: accountView(&d.AccountSummary),
		Buyers: []buyerJSON{}, EndUsers: []endUserJSON{}, Contracts: []contractJSON{}, Councils: []councilJSON{}, OpenComplaints: []complaintJSON{}}
	out.Health = &healthJSON{Score: d.Health.Score, Band: string(d.Health.Band), Reasons: nonNil(d.Health.Reasons)}
	for _, e := range d.BuyingContacts.Edges {
		b := e.Node
		roles := []string{}
		for _, r := range b.Roles {
			roles = append(roles, string(r))
		}
		var influence *string
		if b.Influence != nil {
			influence = ptr(string(*b.Influence))
		}
		out.Buyers = append(out.Buyers, buyerJSON{ID: b.Id, Person: personRefJSON{ID: b.Person.Id, Name: b.Person.Name, Email: b.Person.Email},
			Title: b.Person.Title, Roles: roles, Primary: b.Primary, Influence: influence})
	}
	for _, e := range d.EndUsers.Edges {
		u := e.Node
		out.EndUsers = append(out.EndUsers, endUserJSON{ID: u.Id, Person: personRefJSON{ID: u.Person.Id, Name: u.Person.Name, Email: u.Person.Email},
			Department: u.Department, JobRole: u.JobRole, Status: string(u.Status), Licensed: u.Licensed, LastActiveAt: u.LastActiveAt})
	}
	for _, e := range d.Contracts.Edges {
		k := e.Node
		out.Contracts = append(out.Contracts, contractJSON{ID: k.Id, Number: k.Number, ExternalID: k.ExternalID, Status: string(k.Status),
			StartDate: k.StartDate, EndDate: k.EndDate, RenewalNoticeDate: k.RenewalNoticeDate, DaysToRenewal: k.DaysToRenewal,
			AutoRenew: k.AutoRenew, ValueMinor: k.ValueMinor, Currency: k.Currency, Seats: k.Seats, SeatUtilisation: k.SeatUtilisation})
	}
	for _, e := range d.Councils.Edges {
		out.Councils = append(out.Councils, councilJSON{ID: e.Node.Id, Name: e.Node.Name, Status: string(e.Node.Status), Members: e.Node.Memberships.TotalCount})
	}
	for _, e := range d.Feedback.Edges {
		f := e.Node
		var status *string
		if f.Status != nil {
			status = ptr(string(*f.Status))
		}
		out.OpenComplaints = append(out.OpenComplaints, complaintJSON{ID: f.Id, Status: status, Persona: string(f.Persona), Channel: string(f.Channel),
			ReceivedAt: f.ReceivedAt, Body: f.Body, Topics: nonNil(f.Topics), Author: personRefJSON{ID: f.Author.Id, Name: f.Author.Name, Email: f.Author.Email}})
	}
	return out
}

func (s *session) printAccountDetail(d *client.AccountDetailNode) {
	w := s.out
	fmt.Fprintf(w, "%s  (%s", d.Name, d.Id)
	if d.ExternalID != nil {
		fmt.Fprintf(w, ", external id %s", *d.ExternalID)
	}
	fmt.Fprintln(w, ")")
	facts := newTable("", "")
	facts.add("Tier", string(d.Tier))
	facts.add("Stage", string(d.Stage))
	owner := none
	if d.Owner != nil {
		owner = memberContact(d.Owner.Id, d.Owner.Name, d.Owner.Email)
	}
	facts.add("Owner", owner)
	facts.add("Domain", str(d.Domain))
	for _, f := range []struct{ name, value string }{
		{"Industry", str(d.Industry)}, {"Region", str(d.Region)}, {"Size", enumStr(d.Size)},
	} {
		if f.value != none {
			facts.add(f.name, f.value)
		}
	}
	if d.Parent != nil {
		facts.add("Parent", d.Parent.Name+" ("+d.Parent.Id+")")
	}
	health := fmt.Sprintf("%.1f %s", d.Health.Score, d.Health.Band)
	if len(d.Health.Reasons) > 0 {
		health += ": " + d.Health.Reasons[0]
		for _, r := range d.Health.Reasons[1:min(3, len(d.Health.Reasons))] {
			health += "; " + r
		}
	}
	facts.add("Health", health)
	facts.print(w)

	buyers := newTable("NAME", "EMAIL", "TITLE", "ROLES", "PRIMARY", "INFLUENCE")
	for _, e := range d.BuyingContacts.Edges {
		b := e.Node
		buyers.add(b.Person.Name, b.Person.Email, str(b.Person.Title), joinEnums(b.Roles), yesNo(b.Primary), enumStr(b.Influence))
	}
	section(w, "Buyers", d.BuyingContacts.TotalCount, buyers)

	users := newTable("NAME", "EMAIL", "DEPARTMENT", "JOB ROLE", "STATUS", "LICENSED", "LAST ACTIVE")
	for _, e := range d.EndUsers.Edges {
		u := e.Node
		users.add(u.Person.Name, u.Person.Email, str(u.Department), str(u.JobRole), string(u.Status), yesNo(u.Licensed), datePtr(u.LastActiveAt))
	}
	section(w, "End users", d.EndUsers.TotalCount, users)

	contracts := newTable("NUMBER", "STATUS", "START", "END", "DAYS TO RENEWAL", "NOTICE BY", "AUTO-RENEW", "SEATS", "SEATS USED", "VALUE").
		alignRight(4, 7, 8, 9)
	for _, e := range d.Contracts.Edges {
		k := e.Node
		contracts.add(k.Number, string(k.Status), date(k.StartDate), date(k.EndDate), strconv.Itoa(k.DaysToRenewal),
			date(k.RenewalNoticeDate), yesNo(k.AutoRenew), intPtr(k.Seats), percent(k.SeatUtilisation), money(k.ValueMinor, k.Currency))
	}
	section(w, "Contracts", d.Contracts.TotalCount, contracts)

	councils := newTable("NAME", "STATUS", "MEMBERS", "ID").alignRight(2)
	for _, e := range d.Councils.Edges {
		councils.add(e.Node.Name, string(e.Node.Status), strconv.Itoa(e.Node.Memberships.TotalCount), e.Node.Id)
	}
	section(w, "Councils", d.Councils.TotalCount, councils)

	complaints := newTable("RECEIVED", "STATUS", "AUTHOR", "PERSONA", "CHANNEL", "COMPLAINT", "ID")
	for _, e := range d.Feedback.Edges {
		f := e.Node
		body := none
		if f.Body != nil {
			body = truncate(*f.Body, 50)
		}
		complaints.add(date(f.ReceivedAt), enumStr(f.Status), f.Author.Name, string(f.Persona), string(f.Channel), body, f.Id)
	}
	section(w, "Open complaints", d.Feedback.TotalCount, complaints)
}
