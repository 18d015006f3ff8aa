package seeds_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/member"
	"github.com/stakegraph/stakegraph/ent/tenant"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/internal/perception"
	"github.com/stakegraph/stakegraph/internal/storage"
	"github.com/stakegraph/stakegraph/internal/storage/storagetest"
	"github.com/stakegraph/stakegraph/internal/viewer"
	"github.com/stakegraph/stakegraph/seeds"
)

// admin returns a context with the demo's ADMIN member as the viewer.
func admin(t *testing.T, c *ent.Client) context.Context {
	t.Helper()
	ctx := context.Background()
	ten, err := c.Tenant.Query().Where(tenant.Slug(seeds.DemoTenant)).Only(viewer.AsSystem(ctx, "test"))
	if err != nil {
		t.Fatalf("the demo tenant: %v", err)
	}
	v := viewer.Viewer{TenantID: ten.ID, Subject: seeds.DemoAdmin, Role: enum.RoleAdmin}
	m, err := c.Member.Query().Where(member.Subject(seeds.DemoAdmin)).Only(viewer.NewContext(ctx, v))
	if err != nil {
		t.Fatalf("the demo admin: %v", err)
	}
	v.MemberID = m.ID
	return viewer.NewContext(ctx, v)
}

func load(t *testing.T, db *storage.DB) context.Context {
	t.Helper()
	start := time.Now()
	if err := seeds.LoadDemo(context.Background(), db.Client); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	t.Logf("loaded the demo into %s in %s", storagetest.Describe(db), time.Since(start).Round(time.Millisecond))
	return admin(t, db.Client)
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestLoadDemo checks the demo's shape: the accounts, their people, contracts, councils,
// both voices over the last year, interactions, and that it shows what the product is about:
// accounts whose buyers and users disagree, and accounts at risk.
func TestLoadDemo(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := load(t, db)
		c := db.Client
		now := time.Now()

		accounts, err := c.Account.Query().WithParent().WithOwner().All(ctx)
		ok(t, err)
		names := map[string]string{}
		tiers, stages := map[account.Tier]bool{}, map[account.Stage]bool{}
		for _, a := range accounts {
			names[a.ID] = a.Name
			tiers[a.Tier], stages[a.Stage] = true, true
			if a.Edges.Owner == nil || a.Edges.Owner.Role == enum.RoleAnalyst || a.Edges.Owner.Role == enum.RoleIntegration {
				t.Errorf("%s is owned by %v, want a key-account manager or manager", a.Name, a.Edges.Owner)
			}
		}
		if n := len(accounts); n < 23 || n > 27 {
			t.Errorf("%d accounts, want about 25", n)
		}
		if len(tiers) != 4 || len(stages) != 6 {
			t.Errorf("tiers %v, stages %v: want every tier and stage", tiers, stages)
		}
		i := slices.IndexFunc(accounts, func(a *ent.Account) bool {
			return a.Edges.Parent != nil && a.Edges.Parent.Name == "Fabrikam Logistics"
		})
		if i < 0 || accounts[i].Name != "Fabrikam Logistics Nordics" {
			t.Errorf("no Fabrikam Logistics Nordics under Fabrikam Logistics")
		}

		// Buyers with roles, one primary per account; end users with departments; a person
		// who buys for both the parent and its subsidiary.
		contacts, err := c.BuyingContact.Query().WithPerson().All(ctx)
		ok(t, err)
		primaries, accountsOf := map[string]int{}, map[string][]string{}
		for _, bc := range contacts {
			if len(bc.Roles) == 0 {
				t.Errorf("buying contact %s has no roles", bc.Edges.Person.Email)
			}
			if bc.Primary {
				primaries[bc.AccountID]++
			}
			email := bc.Edges.Person.Email
			accountsOf[email] = append(accountsOf[email], names[bc.AccountID])
			if _, domain, _ := strings.Cut(email, "@"); !strings.HasSuffix(domain, ".example") {
				t.Errorf("buyer email %s is not at a customer domain", email)
			}
		}
		for id, n := range primaries {
			if n != 1 {
				t.Errorf("%s has %d primary buying contacts", names[id], n)
			}
		}
		shared := false
		for _, accs := range accountsOf {
			shared = shared || len(accs) == 2 && slices.Contains(accs, "Fabrikam Logistics") && slices.Contains(accs, "Fabrikam Logistics Nordics")
		}
		if !shared {
			t.Errorf("no one buys for both Fabrikam Logistics and its subsidiary")
		}
		users, err := c.EndUser.Query().All(ctx)
		ok(t, err)
		statuses := map[string]int{}
		for _, u := range users {
			statuses[string(u.Status)]++
			if u.Department == "" || u.JobRole == "" {
				t.Errorf("end user %s has no department or job role", u.ID)
			}
		}
		if len(contacts) < 40 || len(users) < 80 || statuses["ACTIVE"] < 60 || len(statuses) < 3 {
			t.Errorf("%d buying contacts and %d end users (%v)", len(contacts), len(users), statuses)
		}

		// Contracts: active ones, some renewing within 60 days, signed by the account's buyers.
		contracts, err := c.Contract.Query().WithSignedBy().All(ctx)
		ok(t, err)
		renewing, active := 0, 0
		for _, ctr := range contracts {
			if ctr.Status == contract.StatusACTIVE {
				active++
				if d := ctr.EndDate.Sub(now); d > 0 && d <= 60*24*time.Hour {
					renewing++
				}
			}
			if sb := ctr.Edges.SignedBy; sb == nil || sb.AccountID != ctr.AccountID {
				t.Errorf("contract %s is not signed by a buyer of its account", ctr.Number)
			}
		}
		if active < 15 || renewing < 3 {
			t.Errorf("%d contracts, %d active, %d of them renewing within 60 days", len(contracts), active, renewing)
		}

		// Two councils, one of an account and one across accounts, with sessions, attendees and
		// feedback given there.
		councils, err := c.UserCouncil.Query().WithSessions(func(q *ent.CouncilSessionQuery) {
			q.WithAttendees().WithFeedback()
		}).WithMemberships().All(ctx)
		ok(t, err)
		if len(councils) != 2 || (councils[0].AccountID == nil) == (councils[1].AccountID == nil) {
			t.Fatalf("want an account's council and a cross-account council, got %d councils", len(councils))
		}
		for _, co := range councils {
			if len(co.Edges.Memberships) < 4 || len(co.Edges.Sessions) < 2 {
				t.Errorf("%s: %d members, %d sessions", co.Name, len(co.Edges.Memberships), len(co.Edges.Sessions))
			}
			for _, s := range co.Edges.Sessions {
				if len(s.Edges.Attendees) < 2 || len(s.Edges.Feedback) == 0 {
					t.Errorf("%s, session %s: %d attendees, %d feedback", co.Name, s.Title, len(s.Edges.Attendees), len(s.Edges.Feedback))
				}
			}
		}

		// Feedback of both personas, all of it in the last 12 months, none in the future.
		all, err := c.Feedback.Query().All(ctx)
		ok(t, err)
		byPersona, byKind, open := map[enum.Persona]int{}, map[feedback.Kind]int{}, 0
		topics := map[string]bool{}
		for _, f := range all {
			byPersona[f.Persona]++
			byKind[f.Kind]++
			if f.ReceivedAt.After(now) || f.ReceivedAt.Before(now.AddDate(-1, 0, 0)) {
				t.Errorf("feedback %s received at %s, outside the last 12 months", f.ID, f.ReceivedAt)
			}
			if f.Status != nil && *f.Status == feedback.StatusOPEN {
				open++
			}
			for _, topic := range f.Topics {
				topics[topic] = true
			}
		}
		t.Logf("%d feedback: %v %v, %d open complaints, %d topics", len(all), byPersona, byKind, open, len(topics))
		if byPersona[enum.PersonaPurchaser] < 50 || byPersona[enum.PersonaEndUser] < 150 || len(byKind) != 6 || open < 5 || len(topics) < 5 {
			t.Errorf("feedback: %v %v, %d open complaints, topics %v", byPersona, byKind, open, topics)
		}

		// Interactions: recent and old.
		touches, err := c.Interaction.Query().WithParticipants().All(ctx)
		ok(t, err)
		recent, old := 0, 0
		for _, in := range touches {
			switch age := now.Sub(in.OccurredAt); {
			case age < 14*24*time.Hour:
				recent++
			case age > 180*24*time.Hour:
				old++
			}
			if len(in.Edges.Participants) == 0 || in.HandledByID == nil {
				t.Errorf("interaction %q has no participants or handler", in.Subject)
			}
		}
		if len(touches) < 75 || recent < 5 || old < 10 {
			t.Errorf("%d interactions, %d in the last 2 weeks, %d older than 6 months", len(touches), recent, old)
		}

		// Where buyers and users disagree, both ways.
		voices, err := perception.VoicesOf(ctx, c, now.AddDate(-1, 0, 0))
		ok(t, err)
		gaps := perception.RankGaps(voices, 1, perception.WidestGap)
		buyersHappier, usersHappier := 0, 0
		for _, v := range gaps {
			t.Logf("%-28s purchaser NPS %6.1f (%d), end-user NPS %6.1f (%d), gap %6.1f", names[v.AccountID],
				*v.PurchaserNPS, v.PurchaserResponses, *v.EndUserNPS, v.EndUserResponses, *v.NPSGap)
			switch {
			case *v.PurchaserNPS >= 50 && *v.EndUserNPS <= -50:
				buyersHappier++
			case *v.PurchaserNPS <= -50 && *v.EndUserNPS >= 50:
				usersHappier++
			}
		}
		if len(gaps) < 20 || buyersHappier < 3 || usersHappier < 2 {
			t.Errorf("%d accounts with both voices; %d where buyers are happy and users are not, %d the reverse",
				len(gaps), buyersHappier, usersHappier)
		}

		// Health ranks accounts from at risk to healthy.
		ranked, err := health.Rank(ctx, c, health.DefaultWeights(), now, nil)
		ok(t, err)
		bands := map[health.Band]int{}
		for _, r := range ranked {
			bands[r.Band]++
		}
		worst := health.Evaluate(ranked[0].Signals, health.DefaultWeights())
		t.Logf("health bands %v; worst %s (%.1f: %s)", bands, names[ranked[0].AccountID], worst.Score, strings.Join(worst.Reasons, "; "))
		if bands[health.AtRisk] < 3 || bands[health.Watch] < 3 || bands[health.Healthy] < 3 {
			t.Errorf("health bands %v: want at-risk, watch and healthy accounts", bands)
		}
	})
}

// TestLoadDemoJournals checks that the demo is written like any other change: every row it
// wrote has its CREATE row in the journal, numbered densely, by the demo admin (the tenant by
// the platform).
func TestLoadDemoJournals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		load(t, db)
		created := map[string]string{} // entity id → actor
		rows, err := db.SQL.Query("SELECT entity_id, actor_subject, seq, operation FROM changes ORDER BY seq")
		ok(t, err)
		seq := 0
		for rows.Next() {
			var id, actor, op string
			var n int
			ok(t, rows.Scan(&id, &actor, &n, &op))
			if seq++; n != seq {
				t.Fatalf("change %d has seq %d: the journal is not dense", seq, n)
			}
			if op == "CREATE" {
				created[id] = actor
			}
		}
		ok(t, rows.Err())
		tables := []string{"tenants", "members", "teams", "accounts", "people", "buying_contacts", "end_users",
			"contracts", "user_councils", "council_memberships", "council_sessions", "interactions", "feedback"}
		total := 0
		for _, table := range tables {
			ids, err := db.SQL.Query("SELECT id FROM " + table)
			ok(t, err)
			n := 0
			for ids.Next() {
				var id string
				ok(t, ids.Scan(&id))
				n++
				want := seeds.DemoAdmin
				if table == "tenants" {
					want = "system:seeding"
				}
				if actor, found := created[id]; !found || actor != want {
					t.Errorf("%s %s: journaled %v by %q, want by %q", table, id, found, actor, want)
				}
			}
			ok(t, ids.Err())
			if n == 0 {
				t.Errorf("no %s", table)
			}
			total += n
		}
		if total != len(created) {
			t.Errorf("%d rows, %d CREATE changes", total, len(created))
		}
	})
}

// TestLoadDemoTwice refuses to load the demo into a database that has it, and changes nothing.
func TestLoadDemoTwice(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := load(t, db)
		count := func() (n int) {
			ok(t, db.SQL.QueryRow("SELECT (SELECT COUNT(*) FROM accounts) + (SELECT COUNT(*) FROM changes)").Scan(&n))
			return n
		}
		before := count()
		err := seeds.LoadDemo(context.Background(), db.Client)
		if !errors.Is(err, seeds.ErrAlreadySeeded) || !strings.Contains(err.Error(), "already seeded") {
			t.Fatalf("loading twice: %v, want ErrAlreadySeeded", err)
		}
		if after := count(); after != before {
			t.Errorf("the refused load changed the database: %d rows before, %d after", before, after)
		}
		if empty, err := seeds.Empty(ctx, db.Client); err != nil || empty {
			t.Errorf("Empty = %v, %v after the demo", empty, err)
		}
	})
}

// TestLoadDemoIsDeterministic loads the demo twice into fresh databases: the same people say
// the same things (only ids and times relative to now differ).
func TestLoadDemoIsDeterministic(t *testing.T) {
	var runs [2][]string
	for i := range runs {
		db := storagetest.Open(t, "sqlite")
		ctx := load(t, db)
		fb, err := db.Client.Feedback.Query().WithAuthor().WithAccount().All(ctx)
		ok(t, err)
		for _, f := range fb {
			runs[i] = append(runs[i], fmt.Sprintf("%s|%s|%s|%s|%v|%s", f.Edges.Account.Name, f.Edges.Author.Email,
				f.Persona, f.Kind, ptr(f.Score), f.Body))
		}
		slices.Sort(runs[i])
	}
	if !slices.Equal(runs[0], runs[1]) {
		t.Fatalf("two loads differ: %d and %d feedback", len(runs[0]), len(runs[1]))
	}
}

func ptr(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestDemoOverTheAPI loads the demo under the real API and reads it the way the README shows,
// with the token serve prints: a nested page of accounts, the perception gaps and the at-risk
// list; a manager sees their teams' accounts, a key-account manager their own.
func TestDemoOverTheAPI(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		load(t, env.DB)
		token := func(subject, role string) string {
			tok, err := env.Issuer.Token(auth.TokenRequest{Subject: subject, Tenant: seeds.DemoTenant, Roles: []string{role}, TTL: time.Hour})
			ok(t, err)
			return tok
		}
		adminToken, err := env.Issuer.Token(auth.TokenRequest{Subject: seeds.DemoAdmin, Tenant: seeds.DemoTenant,
			Roles: []string{"ADMIN"}, Email: "admin@northwind.example", Name: "Development Admin", TTL: time.Hour})
		ok(t, err)

		var page struct {
			Accounts struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Name, Tier string
						Owner      struct{ Name string }
						Parent     *struct{ Name string }
						Buying     struct {
							Edges []struct {
								Node struct {
									Roles   []string
									Primary bool
									Person  struct{ Name, Email string }
								}
							}
						} `json:"buyingContacts"`
						EndUsers struct {
							TotalCount int
							Edges      []struct {
								Node struct {
									Department string
									Person     struct{ Name string }
								}
							}
						}
						Contracts struct {
							Edges []struct {
								Node struct {
									Number        string
									DaysToRenewal *int
								}
							}
						}
						Feedback struct {
							TotalCount int
							Edges      []struct {
								Node struct {
									Kind, Persona string
									Author        struct{ Name string }
								}
							}
						}
					}
				}
			}
		}
		env.Do(adminToken, `{
			accounts(first: 30, orderBy: [{field: NAME}]) {
				totalCount
				edges { node {
					name tier owner { name } parent { name }
					buyingContacts(first: 10) { edges { node { roles primary person { name email } } } }
					endUsers(first: 10, where: {status: ACTIVE}) { totalCount edges { node { department person { name } } } }
					contracts(first: 3) { edges { node { number daysToRenewal } } }
					feedback(first: 2, orderBy: [{field: RECEIVED_AT, direction: DESC}]) { totalCount edges { node { kind persona author { name } } } }
				} }
			}
		}`, nil).MustOK(t, &page)
		if page.Accounts.TotalCount < 23 || len(page.Accounts.Edges) != page.Accounts.TotalCount {
			t.Fatalf("%d accounts, %d on the page", page.Accounts.TotalCount, len(page.Accounts.Edges))
		}
		withUsers, withFeedback := 0, 0
		for _, e := range page.Accounts.Edges {
			a := e.Node
			if len(a.Buying.Edges) == 0 || a.Buying.Edges[0].Node.Person.Email == "" || a.Owner.Name == "" {
				t.Errorf("%s: no buyers or owner", a.Name)
			}
			if a.EndUsers.TotalCount > 0 && a.EndUsers.Edges[0].Node.Person.Name != "" {
				withUsers++
			}
			if a.Feedback.TotalCount > 0 && a.Feedback.Edges[0].Node.Author.Name != "" {
				withFeedback++
			}
			if a.Name == "Fabrikam Logistics Nordics" && (a.Parent == nil || a.Parent.Name != "Fabrikam Logistics") {
				t.Errorf("Fabrikam Logistics Nordics has parent %v", a.Parent)
			}
		}
		if withUsers < 20 || withFeedback < 23 {
			t.Errorf("%d accounts show end users, %d feedback", withUsers, withFeedback)
		}

		var gaps struct {
			Happier, Unhappier struct {
				Edges []struct {
					Node struct {
						Account                              struct{ Name string }
						PurchaserNps, EndUserNps             float64
						NpsGap                               float64
						PurchaserResponses, EndUserResponses int
					}
				}
			}
			AtRiskAccounts struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Account struct{ Name string }
						Score   float64
						Band    string
						Reasons []string
					}
				}
			}
		}
		env.Do(adminToken, `{
			happier: perceptionGaps(first: 3, orderBy: PURCHASER_HAPPIER) { edges { node { account { name } purchaserNps endUserNps npsGap } } }
			unhappier: perceptionGaps(first: 2, orderBy: END_USER_HAPPIER) { edges { node { account { name } purchaserNps endUserNps npsGap } } }
			atRiskAccounts(first: 5) { totalCount edges { node { account { name } score band reasons } } }
		}`, nil).MustOK(t, &gaps)
		for _, e := range gaps.Happier.Edges {
			if n := e.Node; n.PurchaserNps < 50 || n.EndUserNps > -50 {
				t.Errorf("buyers happier: %s purchaser %.1f, end users %.1f", n.Account.Name, n.PurchaserNps, n.EndUserNps)
			}
		}
		for _, e := range gaps.Unhappier.Edges {
			if n := e.Node; n.PurchaserNps > -50 || n.EndUserNps < 50 {
				t.Errorf("end users happier: %s purchaser %.1f, end users %.1f", n.Account.Name, n.PurchaserNps, n.EndUserNps)
			}
		}
		if len(gaps.Happier.Edges) != 3 || len(gaps.Unhappier.Edges) != 2 {
			t.Errorf("perceptionGaps: %d and %d accounts", len(gaps.Happier.Edges), len(gaps.Unhappier.Edges))
		}
		risk := gaps.AtRiskAccounts
		if len(risk.Edges) != 5 || risk.Edges[0].Node.Band != "AT_RISK" || len(risk.Edges[0].Node.Reasons) == 0 {
			t.Errorf("atRiskAccounts: %+v", risk)
		}

		// A key-account manager sees their own accounts, a manager their teams'.
		count := func(tok string) int {
			var out struct{ Accounts struct{ TotalCount int } }
			env.Do(tok, `{ accounts { totalCount } }`, nil).MustOK(t, &out)
			return out.Accounts.TotalCount
		}
		anna, ben, clara := count(token("kam-anna", "KEY_ACCOUNT_MANAGER")), count(token("kam-ben", "KEY_ACCOUNT_MANAGER")),
			count(token("mgr-clara", "MANAGER"))
		if anna == 0 || ben == 0 || clara <= anna+ben || clara >= page.Accounts.TotalCount {
			t.Errorf("Anna sees %d accounts, Ben %d, their manager Clara %d, of %d", anna, ben, clara, page.Accounts.TotalCount)
		}
		if n := count(token("analyst-eva", "ANALYST")); n != page.Accounts.TotalCount {
			t.Errorf("the analyst sees %d accounts, want all %d", n, page.Accounts.TotalCount)
		}
	})
}
