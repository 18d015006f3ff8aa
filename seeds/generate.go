package seeds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"entgo.io/ent/dialect"
	"github.com/oklog/ulid/v2"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/tenant"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/feedbackrule"
	"github.com/stakegraph/stakegraph/internal/hierarchy"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/primarycontact"
	"github.com/stakegraph/stakegraph/internal/sqlbatch"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// Scale sizes a generated data set.
type Scale struct {
	Tenant             string    // slug; the tenant is created when missing
	Accounts           int       // accounts, with proportional people, contacts, end users, contracts
	FeedbackPerAccount int       // feedback rows per account
	AsOf               time.Time // feedback falls in the 12 months before; zero means today
}

// The proportions of a generated account.
const (
	buyersPerAccount       = 3
	minEndUsers            = 5  // end users per account: 5 to 20
	maxEndUsers            = 20 //
	interactionsPerAccount = 4
	councilEvery           = 10 // every tenth account has a user council
	accountsPerChunk       = 200
)

// generatorSeed fixes every random choice: the same Scale gives the same rows and ids.
const generatorSeed = 7_2026

// Generate writes a deterministic data set of the scale into the tenant: its staff (the demo's
// members) through the ent client, then the customer data with multi-row INSERTs in
// transactions of 200 accounts. Those INSERTs go around the access rules, the validation
// hooks and the change journal, so that a million feedback rows take a minute, not an hour:
// seeding acts as the platform. What the hooks would do is done here: each row obeys the
// schema's rules (scores by kind, personas by the author's role at the account, contracts
// signed by the account's buying contacts, dates in order), and the derived tables (LatestNPS,
// AccountPulse) are rebuilt at the end. Generated rows have no journal rows: the change feed
// starts after them.
//
// A tenant that already has accounts is refused. A run that fails part-way leaves the
// chunks it committed; generate into a fresh tenant again.
func Generate(ctx context.Context, db *storage.DB, s Scale) error {
	if s.Accounts <= 0 || s.FeedbackPerAccount < 0 {
		return fmt.Errorf("seeds: a scale needs accounts (%d) and no negative feedback (%d)", s.Accounts, s.FeedbackPerAccount)
	}
	asOf := s.AsOf.UTC()
	if s.AsOf.IsZero() {
		asOf = time.Now().UTC().Truncate(24 * time.Hour)
	}
	g := &generator{
		db:      db,
		scale:   s,
		asOf:    asOf,
		rng:     rand.New(rand.NewPCG(generatorSeed, uint64(s.Accounts))),
		ids:     rand.NewChaCha8([32]byte{'s', 't', 'a', 'k', 'e', 'g', 'r', 'a', 'p', 'h'}),
		members: map[string]string{},
	}
	if err := g.staff(ctx); err != nil {
		return err
	}
	sys := viewer.AsSystem(ctx, "seeding")
	for first := 0; first < s.Accounts; first += accountsPerChunk {
		last := min(first+accountsPerChunk, s.Accounts)
		if err := g.chunk(sys, first, last); err != nil {
			return fmt.Errorf("seeds: generating accounts %d to %d: %w", first, last-1, err)
		}
	}
	return g.finish(sys)
}

type generator struct {
	db       *storage.DB
	scale    Scale
	asOf     time.Time
	rng      *rand.Rand
	ids      *rand.ChaCha8
	tenantID string
	members  map[string]string // subject → member id
	owners   []string          // the key-account managers, who own the accounts
}

// staff creates the tenant and the demo's staff through the ent client, journaled.
func (g *generator) staff(ctx context.Context) error {
	sys := viewer.AsSystem(ctx, "seeding")
	t, err := g.db.Client.Tenant.Query().Where(tenant.Slug(g.scale.Tenant)).Only(sys)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("seeds: looking for tenant %s: %w", g.scale.Tenant, err)
	default:
		n, err := g.db.Client.Account.Query().Count(viewer.NewContext(ctx, viewer.Viewer{TenantID: t.ID, Subject: DemoAdmin, Role: enum.RoleAdmin}))
		if err != nil {
			return fmt.Errorf("seeds: counting the accounts of %s: %w", g.scale.Tenant, err)
		}
		if n > 0 {
			return fmt.Errorf("seeds: tenant %s already has %d accounts: generate into a new tenant", g.scale.Tenant, n)
		}
	}
	return journal.Run(ctx, g.db.Client, func(ctx context.Context, tx *ent.Tx) error {
		if t == nil {
			if t, err = tx.Tenant.Create().SetSlug(g.scale.Tenant).SetName(g.scale.Tenant).Save(viewer.AsSystem(ctx, "seeding")); err != nil {
				return fmt.Errorf("seeds: creating tenant %s: %w", g.scale.Tenant, err)
			}
		}
		g.tenantID = t.ID
		existing, err := tx.Member.Query().All(viewer.NewContext(ctx, viewer.Viewer{TenantID: t.ID, Subject: DemoAdmin, Role: enum.RoleAdmin}))
		if err != nil {
			return err
		}
		if len(existing) == 0 {
			d := &demo{c: tx.Client(), members: g.members,
				ctx: viewer.NewContext(ctx, viewer.Viewer{TenantID: t.ID, Subject: DemoAdmin, Role: enum.RoleAdmin})}
			if err := d.staff(); err != nil {
				return err
			}
		}
		for _, m := range existing {
			g.members[m.Subject] = m.ID
		}
		for _, s := range demoStaff {
			if s.role == enum.RoleKeyAccountManager && g.members[s.subject] != "" {
				g.owners = append(g.owners, g.members[s.subject])
			}
		}
		if len(g.owners) == 0 {
			return errors.New("seeds: the tenant has members but none of the demo's key-account managers")
		}
		return nil
	})
}

// id returns a deterministic identifier of the type, time-sortable like pulid's.
func (g *generator) id(prefix string, at time.Time) string {
	return prefix + "_" + ulid.MustNew(ulid.Timestamp(at), g.ids).String()
}

func (g *generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

// daysAgo returns a time lo to hi days (and some seconds) before asOf.
func (g *generator) daysAgo(lo, hi int) time.Time {
	return g.asOf.Add(-time.Duration(lo+g.rng.IntN(hi-lo+1))*24*time.Hour - time.Duration(g.rng.IntN(86400))*time.Second)
}

var (
	genIndustries = []string{"Manufacturing", "Logistics", "Retail", "Healthcare", "Finance", "Energy", "Public sector", "Software"}
	genRegions    = []string{"EMEA", "NA", "APAC", "LATAM"}
	genSizes      = []string{"SMALL", "MEDIUM", "LARGE", "ENTERPRISE"}
	genTiers      = []string{"STRATEGIC", "KEY", "KEY", "GROWTH", "GROWTH", "GROWTH", "STANDARD", "STANDARD"}
	genStages     = []string{"NEW", "ACTIVE", "ACTIVE", "ACTIVE", "RETAINED", "RETAINED", "LOYAL", "CHURNED"}
	genCurrencies = []string{"EUR", "USD", "GBP"}
	genBuyerRoles = [][]enum.BuyingRole{
		{enum.BuyingRoleEconomicBuyer, enum.BuyingRoleDecisionMaker},
		{enum.BuyingRoleChampion, enum.BuyingRoleEvaluator},
		{enum.BuyingRoleTechnicalBuyer},
	}
	genDepartments  = []string{"Operations", "Finance", "Sales", "Support", "Warehouse", "IT", "Planning"}
	genJobRoles     = []string{"Planner", "Analyst", "Team lead", "Coordinator", "Agent", "Engineer"}
	genChannels     = []string{"EMAIL", "CALL", "CHAT", "MEETING", "WEB"}
	genSubjects     = []string{"Quarterly business review", "Renewal check-in", "Support escalation", "Product demo", "Onboarding call", "Feature request follow-up"}
	genCouncilRoles = []string{"CHAIR", "MEMBER", "MEMBER", "MEMBER", "SPONSOR"}
)

// rows gathers a chunk's rows per table, written in the order of the foreign keys.
type rows struct {
	tables map[string]*table
	order  []string
	links  []hierarchy.Link       // the accounts' parents
	claims []primarycontact.Claim // the accounts' primary contacts
	voices []feedbackrule.Row     // the feedback, as the feedback rules read it
}

type table struct {
	name string
	cols []string
	vals [][]any
}

func (r *rows) add(name string, cols []string, vals ...any) {
	t := r.tables[name]
	if t == nil {
		t = &table{name: name, cols: cols}
		r.tables[name] = t
		r.order = append(r.order, name)
	}
	t.vals = append(t.vals, vals)
}

var (
	accountCols     = []string{"id", "tenant_id", "created_at", "updated_at", "version", "name", "domain", "external_id", "industry", "region", "size", "tier", "stage", "parent_id", "owner_id"}
	personCols      = []string{"id", "tenant_id", "created_at", "updated_at", "version", "email", "name", "title", "external_id", "consent_marketing", "consent_research"}
	buyerCols       = []string{"id", "tenant_id", "created_at", "updated_at", "version", "roles", "primary", "influence", "since", "account_id", "person_id"}
	endUserCols     = []string{"id", "tenant_id", "created_at", "updated_at", "version", "department", "job_role", "status", "licensed", "first_seen_at", "last_active_at", "account_id", "person_id"}
	contractCols    = []string{"id", "tenant_id", "created_at", "updated_at", "version", "number", "external_id", "status", "start_date", "end_date", "renewal_notice_days", "auto_renew", "value_minor", "currency", "seats", "signed_at", "account_id", "signed_by_id"}
	interactionCols = []string{"id", "tenant_id", "created_at", "updated_at", "version", "channel", "direction", "occurred_at", "subject", "summary", "account_id", "handled_by_id"}
	participantCols = []string{"interaction_id", "person_id"}
	councilCols     = []string{"id", "tenant_id", "created_at", "updated_at", "version", "name", "purpose", "status", "account_id"}
	membershipCols  = []string{"id", "tenant_id", "created_at", "updated_at", "version", "role", "joined_at", "person_id", "council_id"}
	sessionCols     = []string{"id", "tenant_id", "created_at", "updated_at", "version", "held_at", "title", "council_id"}
	attendeeCols    = []string{"council_session_id", "person_id"}
	feedbackCols    = []string{"id", "tenant_id", "created_at", "updated_at", "version", "persona", "channel", "kind", "score", "sentiment", "body", "topics", "received_at", "status", "acknowledged_at", "resolved_at", "resolution", "account_id", "contract_id", "captured_by_id", "acknowledged_by_id", "resolved_by_id", "author_id"}
)

// chunk generates accounts [first, last) with everything that hangs off them, in one
// transaction.
func (g *generator) chunk(ctx context.Context, first, last int) error {
	r := &rows{tables: map[string]*table{}}
	parent := ""
	for i := first; i < last; i++ {
		parent = g.account(r, i, parent)
	}
	tx, err := g.db.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := g.obeyAccountRules(ctx, tx.Client(), r); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := g.obeyFeedbackRules(r); err != nil {
		_ = tx.Rollback()
		return err
	}
	for _, name := range r.order {
		t := r.tables[name]
		if err := sqlbatch.Insert(ctx, tx, g.db.Dialect, t.name, t.cols, t.vals); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// obeyFeedbackRules checks the chunk's feedback against the rules the hooks and bulk sync
// apply: scores in their kind's range, complaint statuses and their history in order. The
// generator gives every time itself, so a refusal is a defect of the generator.
func (g *generator) obeyFeedbackRules(r *rows) error {
	for i, o := range feedbackrule.Check(r.voices, g.asOf) {
		if !o.OK() {
			return fmt.Errorf("generated feedback %d: %v", i, o.Errs[0])
		}
	}
	return nil
}

// obeyAccountRules checks the chunk against the rules the hooks and bulk sync apply to
// accounts and their contacts, before its rows go in around them: a loop or a hierarchy too
// deep, a second primary contact of an account. A fresh tenant has no earlier primary
// contacts to demote.
func (g *generator) obeyAccountRules(ctx context.Context, c *ent.Client, r *rows) error {
	refusals, err := hierarchy.Refusals(ctx, c, g.tenantID, r.links)
	if err != nil {
		return err
	}
	for i, refusal := range refusals {
		if refusal != "" {
			return fmt.Errorf("account %s: parent %s %s", r.links[i].Account, r.links[i].Parent, refusal)
		}
	}
	for i, rival := range primarycontact.Rivals(r.claims) {
		if rival >= 0 {
			return fmt.Errorf("account %s: a second primary contact", r.claims[i].Account)
		}
	}
	return nil
}

// account generates account i and what hangs off it; every 25th account is a subsidiary of
// the one before. It returns the account's id.
func (g *generator) account(r *rows, i int, previous string) string {
	t, at := g.tenantID, g.asOf.Add(-400*24*time.Hour)
	created := at.Add(time.Duration(i) * time.Second)
	id := g.id("acc", created)
	parent := any(nil)
	if i%25 == 24 && previous != "" {
		parent = previous
		r.links = append(r.links, hierarchy.Link{Account: id, Parent: previous})
	}
	owner := g.owners[i%len(g.owners)]
	domain := fmt.Sprintf("account%06d.example", i)
	r.add("accounts", accountCols, id, t, created, created, 1, fmt.Sprintf("Account %06d", i), domain,
		fmt.Sprintf("GEN-%06d", i), g.pick(genIndustries), g.pick(genRegions), g.pick(genSizes), g.pick(genTiers), g.pick(genStages), parent, owner)

	// How happy each persona is here, 0 to 1: most accounts agree, some differ a lot.
	buyerMood, userMood := 0.35+0.6*g.rng.Float64(), 0.35+0.6*g.rng.Float64()
	switch i % 10 {
	case 3:
		buyerMood, userMood = 0.9, 0.2
	case 7:
		buyerMood, userMood = 0.25, 0.85
	}

	person := func(n int, title string) string {
		pid := g.id("per", created)
		r.add("people", personCols, pid, t, created, created, 1, fmt.Sprintf("p%02d@%s", n, domain),
			fmt.Sprintf("Person %d of account %06d", n, i), title, fmt.Sprintf("GEN-%06d-P%02d", i, n), false, g.rng.IntN(2) == 0)
		return pid
	}
	var buyers, buyerContacts, users []string
	for b := range buyersPerAccount {
		pid := person(b, "Buyer")
		bid := g.id("bct", created)
		roles, _ := json.Marshal(genBuyerRoles[b%len(genBuyerRoles)])
		r.add("buying_contacts", buyerCols, bid, t, created, created, 1, string(roles), b == 0, "HIGH", created, id, pid)
		if b == 0 {
			r.claims = append(r.claims, primarycontact.Claim{Account: id, Contact: bid})
		}
		buyers, buyerContacts = append(buyers, pid), append(buyerContacts, bid)
	}
	nUsers := minEndUsers + g.rng.IntN(maxEndUsers-minEndUsers+1)
	active := 0
	for u := range nUsers {
		pid := person(buyersPerAccount+u, g.pick(genJobRoles))
		status := "ACTIVE"
		if g.rng.IntN(6) == 0 {
			status = "INACTIVE"
		} else {
			active++
		}
		r.add("end_users", endUserCols, g.id("eus", created), t, created, created, 1, g.pick(genDepartments), g.pick(genJobRoles),
			status, true, created, g.daysAgo(0, 60), id, pid)
		users = append(users, pid)
	}

	// One active contract, a tenth of them renewing within 60 days, and an expired one before it.
	start := g.daysAgo(30, 700)
	end := start.AddDate(1+g.rng.IntN(3), 0, 0)
	if end.Before(g.asOf.AddDate(0, 0, 30)) || i%10 == 5 {
		end = g.asOf.AddDate(0, 0, 5+g.rng.IntN(55))
	}
	contractID := g.id("ctr", created)
	seats := active + g.rng.IntN(nUsers+1)
	currency := g.pick(genCurrencies)
	r.add("contracts", contractCols, contractID, t, created, created, 1, fmt.Sprintf("C-%06d-2", i), fmt.Sprintf("GEN-%06d-C2", i),
		"ACTIVE", dateOnly(start), dateOnly(end), 60, g.rng.IntN(2) == 0, int64(1000000+g.rng.IntN(9000000)), currency, seats, start, id, buyerContacts[0])
	if i%2 == 0 {
		prevStart := start.AddDate(-1, 0, 0)
		r.add("contracts", contractCols, g.id("ctr", created), t, created, created, 1, fmt.Sprintf("C-%06d-1", i), fmt.Sprintf("GEN-%06d-C1", i),
			"EXPIRED", dateOnly(prevStart), dateOnly(start.AddDate(0, 0, -1)), 60, false, int64(500000+g.rng.IntN(5000000)), currency, seats, prevStart, id, buyerContacts[0])
	}

	for range interactionsPerAccount {
		when := g.daysAgo(1, 200)
		iid := g.id("int", when)
		direction := "OUTBOUND"
		if g.rng.IntN(3) == 0 {
			direction = "INBOUND"
		}
		r.add("interactions", interactionCols, iid, t, when, when, 1, g.pick(genChannels), direction, when, g.pick(genSubjects), "Notes of the conversation.", id, owner)
		r.add("interaction_participants", participantCols, iid, g.pick(append(buyers[:1:1], users...)))
	}

	if i%councilEvery == 0 {
		cid := g.id("cou", created)
		r.add("user_councils", councilCols, cid, t, created, created, 1, fmt.Sprintf("Account %06d user council", i), "Product feedback from daily users", "ACTIVE", id)
		members := users[:min(4, len(users))]
		for n, pid := range members {
			r.add("council_memberships", membershipCols, g.id("cmb", created), t, created, created, 1, genCouncilRoles[n%len(genCouncilRoles)], created, pid, cid)
		}
		held := g.daysAgo(10, 90)
		sid := g.id("cse", held)
		r.add("council_sessions", sessionCols, sid, t, held, held, 1, held, "Quarterly session", cid)
		for _, pid := range members[:len(members)-1] {
			r.add("council_session_attendees", attendeeCols, sid, pid)
		}
	}

	for range g.scale.FeedbackPerAccount {
		g.feedback(r, id, contractID, owner, buyers, users, buyerMood, userMood)
	}
	return id
}

// feedback generates one feedback row: its persona follows from its author's role.
func (g *generator) feedback(r *rows, accountID, contractID, owner string, buyers, users []string, buyerMood, userMood float64) {
	persona, author, mood, topics := enum.PersonaEndUser, g.pick(users), userMood, endUserTopics
	if g.rng.IntN(3) == 0 {
		persona, author, mood, topics = enum.PersonaPurchaser, g.pick(buyers), buyerMood, purchaserTopics
	}
	received := g.daysAgo(0, 364)
	channel := g.pick(genChannels)
	var score, status, acknowledged, resolved, resolution, acknowledgedBy, resolvedBy, contract any
	kind := "COMMENT"
	switch k := g.rng.IntN(100); {
	case k < 45:
		kind, channel = "NPS", "SURVEY"
		score = scoreIn(feedback.KindNPS, mood*10+g.rng.NormFloat64()*1.5)
		contract = contractID
	case k < 60:
		kind, channel = "CSAT", "SUPPORT"
		score = scoreIn(feedback.KindCSAT, 1+mood*4+g.rng.NormFloat64()*0.7)
	case k < 70:
		kind = "FEATURE_REQUEST"
	case k < 77:
		kind, status = "COMPLAINT", "OPEN"
		if received.Before(g.asOf.Add(-30 * 24 * time.Hour)) {
			status, acknowledged, acknowledgedBy = "RESOLVED", received.Add(24*time.Hour), owner
			resolved, resolvedBy, resolution = received.Add(72*time.Hour), owner, "Fixed and confirmed with the customer."
		}
	case k < 82:
		kind = "PRAISE"
	}
	sentiment := min(1, max(-1, mood*2-1+g.rng.NormFloat64()*0.2))
	sentiment = float64(int(sentiment*100)) / 100
	topic := g.pick(topics)
	good, bad := phrases[topic][0], phrases[topic][1]
	body := good
	if sentiment < 0 {
		body = bad
	}
	topicsJSON, _ := json.Marshal([]string{topic})
	r.voices = append(r.voices, feedbackrule.Row{Kind: feedback.Kind(kind), Score: intOrNil(score), ReceivedAt: received,
		Status: statusOrNil(status), AcknowledgedAt: timeOrNil(acknowledged), ResolvedAt: timeOrNil(resolved)})
	r.add("feedback", feedbackCols, g.id("fbk", received), g.tenantID, received, received, 1, string(persona), channel, kind, score, sentiment,
		body, string(topicsJSON), received, status, acknowledged, resolved, resolution, accountID, contract, owner, acknowledgedBy, resolvedBy, author)
}

// scoreIn rounds a generated score into the kind's range, feedbackrule's.
func scoreIn(kind feedback.Kind, v float64) int {
	r := feedbackrule.ScoreRanges[kind]
	return min(r[1], max(r[0], int(v+0.5)))
}

// intOrNil, statusOrNil and timeOrNil read the generated feedback's optional values as the
// feedback rules take them.
func intOrNil(v any) *int {
	if n, ok := v.(int); ok {
		return &n
	}
	return nil
}

func statusOrNil(v any) *feedback.Status {
	if s, ok := v.(string); ok {
		status := feedback.Status(s)
		return &status
	}
	return nil
}

func timeOrNil(v any) *time.Time {
	if t, ok := v.(time.Time); ok {
		return &t
	}
	return nil
}

// dateOnly keeps the day of a contract's dates, as the API does.
func dateOnly(t time.Time) time.Time { return t.Truncate(24 * time.Hour) }

// finish rebuilds the derived LatestNPS rows and refreshes the optimiser's statistics, which
// a bulk load leaves stale.
func (g *generator) finish(ctx context.Context) error {
	tx, err := g.db.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := derived.RebuildLatestNPS(ctx, tx.Client(), g.db.Dialect, g.tenantID); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("seeds: %w", err)
	}
	if _, err := derived.BackfillPulse(ctx, tx.Client()); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("seeds: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	analyze := "ANALYZE"
	if g.db.Dialect == dialect.MySQL {
		analyze = "ANALYZE TABLE accounts, people, buying_contacts, end_users, contracts, interactions, feedback, latest_nps, account_pulses, user_councils, council_memberships"
	}
	if _, err := g.db.SQL.ExecContext(ctx, analyze); err != nil {
		return fmt.Errorf("seeds: refreshing statistics: %w", err)
	}
	return nil
}
