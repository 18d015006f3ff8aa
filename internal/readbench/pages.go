package readbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stakegraph/stakegraph/internal/health"
)

// The answers' JSON mirrors the documents in shapes.go: each type has the fields its
// document selects, in its order.

type edge[T any] struct {
	Node T `json:"node"`
}

type connection[T any] struct {
	Edges []edge[T] `json:"edges"`
}

// connectionOf wraps the nodes in edges; an empty list is [] as in stakegraph's answers.
func connectionOf[T any](nodes []T) connection[T] {
	c := connection[T]{Edges: make([]edge[T], len(nodes))}
	for i, n := range nodes {
		c.Edges[i].Node = n
	}
	return c
}

type simpleAccount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Tier  string `json:"tier"`
	Stage string `json:"stage"`
}

func answerSimplePage(ctx context.Context, r *reader, _ map[string]json.RawMessage) (any, error) {
	accounts, err := r.accounts(ctx, nil, 20)
	if err != nil {
		return nil, err
	}
	nodes := make([]simpleAccount, len(accounts))
	for i, a := range accounts {
		nodes[i] = simpleAccount{a.id, a.name, a.tier, a.stage}
	}
	return map[string]any{"accounts": connectionOf(nodes)}, nil
}

type nestedAccount struct {
	simpleAccount
	BuyingContacts connection[nestedBuyer]    `json:"buyingContacts"`
	EndUsers       connection[nestedEndUser]  `json:"endUsers"`
	Contracts      connection[nestedContract] `json:"contracts"`
	Feedback       connection[nestedFeedback] `json:"feedback"`
}

type nestedBuyer struct {
	ID      string          `json:"id"`
	Roles   json.RawMessage `json:"roles"`
	Primary bool            `json:"primary"`
	Person  struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"person"`
}

type nestedEndUser struct {
	ID         string `json:"id"`
	Department string `json:"department"`
	Status     string `json:"status"`
	Person     struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"person"`
}

type nestedContract struct {
	ID        string    `json:"id"`
	Number    string    `json:"number"`
	Status    string    `json:"status"`
	StartDate time.Time `json:"startDate"`
	EndDate   time.Time `json:"endDate"`
}

type nestedFeedback struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Score      *int      `json:"score"`
	Persona    string    `json:"persona"`
	Body       string    `json:"body"`
	ReceivedAt time.Time `json:"receivedAt"`
}

func answerNestedPage(ctx context.Context, r *reader, _ map[string]json.RawMessage) (any, error) {
	accounts, err := r.accounts(ctx, nil, 20)
	if err != nil {
		return nil, err
	}
	e, err := r.pageEdges(ctx, accountIDs(accounts), edgeCuts{buyers: 5, users: 5, contracts: 3, feedback: 3})
	if err != nil {
		return nil, err
	}
	nodes := make([]nestedAccount, len(accounts))
	for i, a := range accounts {
		n := &nodes[i]
		n.simpleAccount = simpleAccount{a.id, a.name, a.tier, a.stage}
		bs := make([]nestedBuyer, len(e.buyers[a.id]))
		for j, b := range e.buyers[a.id] {
			bs[j] = nestedBuyer{ID: b.id, Roles: b.roles, Primary: b.primary}
			p := e.people[b.personID]
			bs[j].Person.ID, bs[j].Person.Name, bs[j].Person.Email = b.personID, p.name, p.email
		}
		us := make([]nestedEndUser, len(e.users.rows[a.id]))
		for j, u := range e.users.rows[a.id] {
			us[j] = nestedEndUser{ID: u.id, Department: u.department.String, Status: u.status}
			us[j].Person.ID, us[j].Person.Name = u.personID, e.people[u.personID].name
		}
		cs := make([]nestedContract, len(e.contracts[a.id]))
		for j, c := range e.contracts[a.id] {
			cs[j] = nestedContract{ID: c.id, Number: c.number, Status: c.status, StartDate: c.startDate, EndDate: c.endDate}
		}
		fs := make([]nestedFeedback, len(e.feedback[a.id]))
		for j, f := range e.feedback[a.id] {
			fs[j] = nestedFeedback{ID: f.id, Kind: f.kind, Score: f.score, Persona: f.persona, Body: f.body.String, ReceivedAt: f.receivedAt}
		}
		n.BuyingContacts, n.EndUsers = connectionOf(bs), connectionOf(us)
		n.Contracts, n.Feedback = connectionOf(cs), connectionOf(fs)
	}
	return map[string]any{"accounts": connectionOf(nodes)}, nil
}

type pageAccount struct {
	Name           string                   `json:"name"`
	Tier           string                   `json:"tier"`
	Stage          string                   `json:"stage"`
	Owner          *named                   `json:"owner"`
	BuyingContacts connection[pageBuyer]    `json:"buyingContacts"`
	EndUsers       countedEndUsers          `json:"endUsers"`
	Contracts      connection[pageContract] `json:"contracts"`
	Feedback       connection[pageFeedback] `json:"feedback"`
}

type named struct {
	Name string `json:"name"`
}

type pageBuyer struct {
	Roles   json.RawMessage `json:"roles"`
	Primary bool            `json:"primary"`
	Person  struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"person"`
}

type countedEndUsers struct {
	TotalCount int `json:"totalCount"`
	connection[pageEndUser]
}

type pageEndUser struct {
	Department string `json:"department"`
	Person     named  `json:"person"`
}

type pageContract struct {
	Number          string    `json:"number"`
	Status          string    `json:"status"`
	EndDate         time.Time `json:"endDate"`
	DaysToRenewal   int       `json:"daysToRenewal"`
	SeatUtilisation *float64  `json:"seatUtilisation"`
}

type pageFeedback struct {
	Kind    string `json:"kind"`
	Score   *int   `json:"score"`
	Persona string `json:"persona"`
	Body    string `json:"body"`
	Author  named  `json:"author"`
}

// accountPageTiers are the tiers the README's account page asks for.
var accountPageTiers = []string{"STRATEGIC", "KEY"}

func answerAccountPage(ctx context.Context, r *reader, _ map[string]json.RawMessage) (any, error) {
	total, err := r.countAccounts(ctx, accountPageTiers)
	if err != nil {
		return nil, err
	}
	accounts, err := r.accounts(ctx, accountPageTiers, 5)
	if err != nil {
		return nil, err
	}
	owners, err := r.memberNames(ctx, ownerIDs(accounts))
	if err != nil {
		return nil, err
	}
	e, err := r.pageEdges(ctx, accountIDs(accounts), edgeCuts{buyers: 5, users: 5, contracts: 3, feedback: 1,
		activeUsersOnly: true, authors: true})
	if err != nil {
		return nil, err
	}
	now := time.Now() // daysToRenewal counts from the moment it is resolved, as stakegraph's
	nodes := make([]pageAccount, len(accounts))
	for i, a := range accounts {
		n := &nodes[i]
		n.Name, n.Tier, n.Stage = a.name, a.tier, a.stage
		if a.ownerID.Valid {
			if name, ok := owners[a.ownerID.String]; ok {
				n.Owner = &named{name}
			}
		}
		bs := make([]pageBuyer, len(e.buyers[a.id]))
		for j, b := range e.buyers[a.id] {
			bs[j] = pageBuyer{Roles: b.roles, Primary: b.primary}
			bs[j].Person.Name, bs[j].Person.Email = e.people[b.personID].name, e.people[b.personID].email
		}
		us := make([]pageEndUser, len(e.users.rows[a.id]))
		for j, u := range e.users.rows[a.id] {
			us[j] = pageEndUser{Department: u.department.String, Person: named{e.people[u.personID].name}}
		}
		cs := make([]pageContract, len(e.contracts[a.id]))
		for j, c := range e.contracts[a.id] {
			cs[j] = pageContract{Number: c.number, Status: c.status, EndDate: c.endDate,
				DaysToRenewal: health.Days(now, c.endDate)}
			if c.seats.Valid && c.seats.Int64 != 0 {
				u := float64(e.users.licensed[a.id]) / float64(c.seats.Int64)
				cs[j].SeatUtilisation = &u
			}
		}
		fs := make([]pageFeedback, len(e.feedback[a.id]))
		for j, f := range e.feedback[a.id] {
			fs[j] = pageFeedback{Kind: f.kind, Score: f.score, Persona: f.persona, Body: f.body.String, Author: named{e.people[f.authorID].name}}
		}
		n.BuyingContacts, n.Contracts, n.Feedback = connectionOf(bs), connectionOf(cs), connectionOf(fs)
		n.EndUsers = countedEndUsers{TotalCount: e.users.total[a.id], connection: connectionOf(us)}
	}
	return map[string]any{"accounts": struct {
		TotalCount int `json:"totalCount"`
		connection[pageAccount]
	}{total, connectionOf(nodes)}}, nil
}

// Rows as the statements read them.

type accountRow struct {
	id, name, tier, stage string
	ownerID               sql.NullString
}

type buyerRow struct {
	id       string
	roles    json.RawMessage
	primary  bool
	personID string
}

type endUserRow struct {
	id, status, personID string
	department           sql.NullString // NULL reads as "", as in stakegraph's answers
}

type contractRow struct {
	id, number, status string
	startDate, endDate time.Time
	seats              sql.NullInt64
}

type feedbackRow struct {
	id, kind, persona, authorID string
	score                       *int
	body                        sql.NullString // NULL reads as ""
	receivedAt                  time.Time
}

type personRow struct{ name, email string }

func accountIDs(accounts []accountRow) []string {
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.id
	}
	return ids
}

func ownerIDs(accounts []accountRow) []string {
	var ids []string
	for _, a := range accounts {
		if a.ownerID.Valid {
			ids = append(ids, a.ownerID.String)
		}
	}
	return ids
}

// personIDs gathers the people of the page's contacts, end users and feedback, for one
// statement that reads them all.
func personIDs(buyers map[string][]buyerRow, users map[string][]endUserRow, feedback map[string][]feedbackRow) []string {
	seen := map[string]bool{}
	var ids []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, bs := range buyers {
		for _, b := range bs {
			add(b.personID)
		}
	}
	for _, us := range users {
		for _, u := range us {
			add(u.personID)
		}
	}
	for _, fs := range feedback {
		for _, f := range fs {
			add(f.authorID)
		}
	}
	return ids
}

// edgeCuts says how many of each edge a page of accounts reads per account, and which.
type edgeCuts struct {
	buyers, users, contracts, feedback int
	activeUsersOnly                    bool // only active end users, counted
	authors                            bool // the feedback's authors as well
}

// pageEdges are the edges of a page of accounts: one statement per edge, and one for the
// people of every edge.
type pageEdges struct {
	buyers    ranked[buyerRow]
	users     endUserPage
	contracts ranked[contractRow]
	feedback  ranked[feedbackRow]
	people    map[string]personRow
}

func (r *reader) pageEdges(ctx context.Context, ids []string, cut edgeCuts) (e pageEdges, err error) {
	if e.buyers, err = r.buyingContacts(ctx, ids, cut.buyers); err != nil {
		return e, err
	}
	if e.users, err = r.endUsers(ctx, ids, cut.users, cut.activeUsersOnly); err != nil {
		return e, err
	}
	if e.contracts, err = r.contracts(ctx, ids, cut.contracts); err != nil {
		return e, err
	}
	if e.feedback, err = r.newestFeedback(ctx, ids, cut.feedback); err != nil {
		return e, err
	}
	authors := e.feedback
	if !cut.authors {
		authors = nil
	}
	e.people, err = r.people(ctx, personIDs(e.buyers, e.users.rows, authors))
	return e, err
}

// tierFilter is the condition on the tiers (none: every tier) and its arguments.
func tierFilter(tiers []string) (string, []any) {
	if len(tiers) == 0 {
		return "", nil
	}
	return " AND tier IN (" + placeholders(len(tiers)) + ")", withIDs(nil, tiers)
}

// accounts reads the first accounts by name (then id) of the tiers.
func (r *reader) accounts(ctx context.Context, tiers []string, first int) ([]accountRow, error) {
	filter, args := tierFilter(tiers)
	var out []accountRow
	err := r.each(ctx, "SELECT id, name, tier, stage, owner_id FROM accounts WHERE tenant_id = ?"+filter+
		" ORDER BY name, id LIMIT ?", append(append([]any{r.tenant}, args...), first), func(rows *sql.Rows) error {
		var a accountRow
		err := rows.Scan(&a.id, &a.name, &a.tier, &a.stage, &a.ownerID)
		out = append(out, a)
		return err
	})
	return out, err
}

func (r *reader) countAccounts(ctx context.Context, tiers []string) (int, error) {
	filter, args := tierFilter(tiers)
	var n int
	err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM accounts WHERE tenant_id = ?"+filter,
		append([]any{r.tenant}, args...)...).Scan(&n)
	return n, err
}

// firstPerAccount is the statement that reads the first rows of a table per account in an
// order: the rows are numbered over their ids alone, which an index on (tenant_id, account_id,
// …) covers, and only the rows that make the cut are read back, by primary key. Numbering the
// whole rows instead makes MariaDB materialise their TEXT and JSON columns in temporary tables
// on disk. The statement's arguments are the tenant, the accounts, then the cut.
func firstPerAccount(table, columns, order string, accounts int) string {
	return fmt.Sprintf("SELECT k.n, %s FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY %s) AS n"+
		" FROM %s WHERE tenant_id = ? AND account_id IN (%s)) AS k JOIN %s AS t ON t.id = k.id WHERE k.n <= ?",
		columns, order, table, placeholders(accounts), table)
}

// ranked collects rows per account in their rank (1-based) order.
type ranked[T any] map[string][]T

func (m ranked[T]) put(account string, n int, row T) {
	rows := m[account]
	for len(rows) < n {
		var zero T
		rows = append(rows, zero)
	}
	rows[n-1] = row
	m[account] = rows
}

// readFirst runs a firstPerAccount statement over the accounts and collects its rows per
// account in rank order; scan reads a row's rank, account and columns.
func readFirst[T any](ctx context.Context, r *reader, query string, ids []string, first int,
	scan func(rows *sql.Rows, n *int, account *string, row *T) error) (ranked[T], error) {
	out := ranked[T]{}
	err := r.each(ctx, query, append(withIDs([]any{r.tenant}, ids), first), func(rows *sql.Rows) error {
		var (
			n       int
			account string
			row     T
		)
		if err := scan(rows, &n, &account, &row); err != nil {
			return err
		}
		out.put(account, n, row)
		return nil
	})
	return out, err
}

func (r *reader) buyingContacts(ctx context.Context, ids []string, first int) (ranked[buyerRow], error) {
	q := firstPerAccount("buying_contacts", "t.account_id, t.id, t.roles, t.`primary`, t.person_id", "id", len(ids))
	return readFirst(ctx, r, q, ids, first, func(rows *sql.Rows, n *int, account *string, b *buyerRow) error {
		var roles []byte
		err := rows.Scan(n, account, &b.id, &roles, &b.primary, &b.personID)
		b.roles = roles
		if len(roles) == 0 || string(roles) == "null" {
			b.roles = json.RawMessage("[]")
		}
		return err
	})
}

// endUserPage is the first end users of each account, and with activeOnly the number of active
// end users and of active licensed ones (the seats in use) per account.
type endUserPage struct {
	rows            ranked[endUserRow]
	total, licensed map[string]int
}

func (r *reader) endUsers(ctx context.Context, ids []string, first int, activeOnly bool) (endUserPage, error) {
	out := endUserPage{total: map[string]int{}, licensed: map[string]int{}}
	var err error
	if !activeOnly {
		q := firstPerAccount("end_users", "t.account_id, t.id, t.department, t.status, t.person_id", "id", len(ids))
		out.rows, err = readFirst(ctx, r, q, ids, first, func(rows *sql.Rows, n *int, account *string, u *endUserRow) error {
			return rows.Scan(n, account, &u.id, &u.department, &u.status, &u.personID)
		})
		return out, err
	}
	// The counts ride on the numbering: every account with an active end user has a first row.
	q := fmt.Sprintf("SELECT k.n, t.account_id, t.id, t.department, t.status, t.person_id, k.total, k.licensed FROM"+
		" (SELECT id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY id) AS n, COUNT(*) OVER (PARTITION BY account_id) AS total,"+
		" SUM(licensed) OVER (PARTITION BY account_id) AS licensed FROM end_users WHERE tenant_id = ? AND account_id IN (%s)"+
		" AND status = 'ACTIVE') AS k JOIN end_users AS t ON t.id = k.id WHERE k.n <= ?", placeholders(len(ids)))
	out.rows, err = readFirst(ctx, r, q, ids, first, func(rows *sql.Rows, n *int, account *string, u *endUserRow) error {
		var total, licensed int
		err := rows.Scan(n, account, &u.id, &u.department, &u.status, &u.personID, &total, &licensed)
		out.total[*account], out.licensed[*account] = total, licensed
		return err
	})
	return out, err
}

func (r *reader) contracts(ctx context.Context, ids []string, first int) (ranked[contractRow], error) {
	q := firstPerAccount("contracts", "t.account_id, t.id, t.number, t.status, t.start_date, t.end_date, t.seats", "id", len(ids))
	return readFirst(ctx, r, q, ids, first, func(rows *sql.Rows, n *int, account *string, c *contractRow) error {
		return rows.Scan(n, account, &c.id, &c.number, &c.status, &c.startDate, &c.endDate, &c.seats)
	})
}

// newestFeedback reads each account's newest feedback, ties by id.
func (r *reader) newestFeedback(ctx context.Context, ids []string, first int) (ranked[feedbackRow], error) {
	q := firstPerAccount("feedback", "t.account_id, t.id, t.kind, t.score, t.persona, t.body, t.received_at, t.author_id",
		"received_at DESC, id", len(ids))
	return readFirst(ctx, r, q, ids, first, func(rows *sql.Rows, n *int, account *string, f *feedbackRow) error {
		return rows.Scan(n, account, &f.id, &f.kind, &f.score, &f.persona, &f.body, &f.receivedAt, &f.authorID)
	})
}

// byID reads the columns of the tenant's rows of the table with the ids.
func (r *reader) byID(ctx context.Context, table, columns string, ids []string, scan func(*sql.Rows) error) error {
	if len(ids) == 0 {
		return nil
	}
	return r.each(ctx, "SELECT "+columns+" FROM "+table+" WHERE tenant_id = ? AND id IN ("+placeholders(len(ids))+")",
		withIDs([]any{r.tenant}, ids), scan)
}

func (r *reader) people(ctx context.Context, ids []string) (map[string]personRow, error) {
	out := make(map[string]personRow, len(ids))
	err := r.byID(ctx, "people", "id, name, email", ids, func(rows *sql.Rows) error {
		var (
			id string
			p  personRow
		)
		err := rows.Scan(&id, &p.name, &p.email)
		out[id] = p
		return err
	})
	return out, err
}

func (r *reader) memberNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := r.byID(ctx, "members", "id, name", ids, func(rows *sql.Rows) error {
		var (
			id   string
			name sql.NullString
		)
		err := rows.Scan(&id, &name)
		out[id] = name.String
		return err
	})
	return out, err
}
