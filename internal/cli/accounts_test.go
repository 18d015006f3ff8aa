package cli_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/auth"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/cli"
)

// book is a tenant with three accounts, their buyers and end users, a contract and feedback
// from both personas, all made through the CLI (and one sync call for a buying contact with an
// external id, which the CLI does not import).
type book struct {
	api        *apitest.Env
	admin, kam *harness
	kamToken   string
	dir        string
}

func newBook(t *testing.T, api *apitest.Env) *book {
	b := &book{api: api, dir: t.TempDir()}
	adminToken := api.Token("acme", "ADMIN", "ada")
	b.admin = newHarness(t, api).as(adminToken)
	kimToken, err := api.Issuer.Token(auth.TokenRequest{Subject: "kim", Tenant: "acme", Roles: []string{"KEY_ACCOUNT_MANAGER"},
		Email: "kim@seller.example", Name: "Kim Keller", TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	b.kam, b.kamToken = newHarness(t, api).as(kimToken), kimToken
	b.kam.ok("whoami") // kim joins the staff

	b.admin.ok("import", "accounts", writeFile(t, b.dir, "accounts.csv", `external_id,name,domain,tier,stage,owner_email,parent_external_id
ACC-1,Globex,globex.example,STRATEGIC,ACTIVE,kim@seller.example,
ACC-2,Initech,initech.example,KEY,NEW,kim@seller.example,ACC-1
ACC-3,Umbrella,umbrella.example,GROWTH,ACTIVE,,
`))
	r := b.admin.fails(cli.ExitPartial, nil, "import", "people", writeFile(t, b.dir, "people.csv", `external_id,email,name,title,consent_research
P-1,bea@globex.example,Bea Buyer,CFO,yes
P-2,carl@globex.example,Carl Procure,Head of Procurement,no
P-3,,No Email,,
P-4,dee@globex.example,Dee Maybe,,maybe
`), "--json")
	var sum importSummary
	if err := jsonUnmarshal(r.stdout, &sum); err != nil || sum.Created != 2 || sum.Failed != 2 {
		t.Fatalf("people import: %v %+v", err, sum)
	}
	failed := readCSV(t, filepath.Join(b.dir, "people.failed.csv"))
	if len(failed) != 3 || failed[1][0] != "P-3" || failed[1][5] != "line 4: email: required" ||
		failed[2][0] != "P-4" || failed[2][5] != `line 5: consent_research: "maybe" is not true or false` {
		t.Fatalf("people.failed.csv: %q", failed)
	}

	api.Do(adminToken, `mutation($in: [SyncBuyingContactInput!]!) { syncBuyingContacts(input: $in) { failed } }`, map[string]any{
		"in": []map[string]any{{"externalID": "BC-1", "accountExternalID": "ACC-1", "personEmail": "bea@globex.example",
			"roles": []string{"ECONOMIC_BUYER"}, "primary": true}},
	}).MustOK(t, nil)
	b.kam.ok("contacts", "add", "--account", "Globex", "--email", "carl@globex.example", "--role", "procurement,influencer", "--influence", "high")
	b.kam.ok("endusers", "add", "--account", "ACC-1", "--email", "uma@globex.example", "--name", "Uma User", "--department", "Ops", "--licensed")
	b.kam.ok("endusers", "add", "--account", "ACC-1", "--email", "ulf@globex.example", "--name", "Ulf User", "--licensed", "--status", "active")

	end := time.Now().UTC().AddDate(0, 0, 100).Format(time.DateOnly)
	r = b.admin.fails(cli.ExitPartial, nil, "import", "contracts", writeFile(t, b.dir, "contracts.csv", `external_id,account_external_id,number,status,start_date,end_date,renewal_notice_days,auto_renew,value_minor,currency,seats,signed_by_external_id,signed_at
CT-1,ACC-1,C-0001,ACTIVE,2025-01-01,`+end+`,30,yes,12000000,EUR,10,BC-1,2024-12-15
CT-2,ACC-404,C-0002,ACTIVE,2025-01-01,2026-01-01,,,,EUR,,,
CT-3,ACC-2,C-0003,ACTIVE,2025-01-01,soon,,,,EUR,,,
CT-4,ACC-2,C-0004,DRAFT,2025-01-01,2027-01-01,,maybe,,EUR,,,
`), "--json")
	if err := jsonUnmarshal(r.stdout, &sum); err != nil || sum.Created != 1 || sum.Failed != 3 {
		t.Fatalf("contracts import: %v %+v\n%s", err, sum, r.stderr)
	}
	failed = readCSV(t, filepath.Join(b.dir, "contracts.failed.csv"))
	if len(failed) != 4 {
		t.Fatalf("contracts.failed.csv: %q", failed)
	}
	contains(t, "contracts.failed.csv", strings.Join(failed[1], ","), "CT-3", `line 4: end_date: "soon" is not a date`)
	contains(t, "contracts.failed.csv", strings.Join(failed[2], ","), "CT-4", `line 5: auto_renew: "maybe" is not true or false`)
	contains(t, "contracts.failed.csv", strings.Join(failed[3], ","), "CT-2", "line 3: account_external_id", "ACC-404", "(NOT_FOUND)")

	for _, f := range []struct {
		author string
		score  int
		topics string
		sent   string
	}{
		{"bea@globex.example", 9, "onboarding", "0.8"},
		{"P-2", 10, "onboarding,pricing", "0.6"},
		{"uma@globex.example", 3, "onboarding", "-0.6"},
		{"ulf@globex.example", 8, "pricing", "-0.2"},
	} {
		b.kam.ok("feedback", "add", "--account", "Globex", "--author", f.author, "--kind", "nps", "--score", fmt.Sprint(f.score),
			"--channel", "survey", "--topic", f.topics, "--sentiment", f.sent)
	}
	return b
}

func TestAccountsListShowGap(t *testing.T) {
	apitest.Each(t, func(t *testing.T, api *apitest.Env) {
		b := newBook(t, api)

		// Feedback: the persona follows from the author's role; a complaint opens.
		var fb struct {
			ID, Persona, Kind string
			Status            *string
			Author            struct{ Email string }
			Topics            []string
		}
		b.kam.json(&fb, "feedback", "add", "--account", "ACC-1", "--author", "uma@globex.example", "--kind", "complaint",
			"--channel", "support", "--body", "Exports time out on large reports", "--topic", "reporting", "--sentiment", "-0.8")
		if fb.Persona != "END_USER" || fb.Kind != "COMPLAINT" || fb.Status == nil || *fb.Status != "OPEN" || fb.Author.Email != "uma@globex.example" || len(fb.Topics) != 1 {
			t.Fatalf("feedback add: %+v", fb)
		}
		r := b.kam.ok("feedback", "add", "--account", "Globex", "--author", "bea@globex.example", "--kind", "praise", "--channel", "meeting", "--body", "Great QBR")
		contains(t, "feedback add", r.stdout, "Captured PRAISE from Bea Buyer (PURCHASER) on Globex: fbk_")

		// accounts list
		type listed struct {
			TotalCount int
			Accounts   []struct {
				ID, Name, Tier, Stage string
				ExternalID            *string
				Owner                 *struct{ Email string }
				Parent                *struct{ Name string }
				Health                *struct {
					Score   float64
					Band    string
					Reasons []string
				}
			}
		}
		names := func(l listed) string {
			var out []string
			for _, a := range l.Accounts {
				out = append(out, a.Name)
			}
			return strings.Join(out, ",")
		}
		var l listed
		b.admin.json(&l, "accounts", "list")
		if l.TotalCount != 3 || names(l) != "Globex,Initech,Umbrella" || l.Accounts[0].Owner == nil || l.Accounts[0].Owner.Email != "kim@seller.example" ||
			l.Accounts[1].Parent == nil || l.Accounts[1].Parent.Name != "Globex" || l.Accounts[0].Health != nil {
			t.Fatalf("admin's accounts: %+v", l)
		}
		// The JSON of an account is an interface for scripts: these keys, no fewer.
		var raw struct{ Accounts []map[string]any }
		b.admin.json(&raw, "accounts", "list")
		var keys []string
		for k := range raw.Accounts[0] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got := strings.Join(keys, ","); got != "createdAt,domain,externalID,id,industry,name,owner,parent,region,size,stage,tier,updatedAt,version" {
			t.Fatalf("account JSON keys: %s", got)
		}
		b.kam.json(&l, "accounts", "list")
		if names(l) != "Globex,Initech" {
			t.Fatalf("kim sees %s, want her two accounts", names(l))
		}
		b.kam.json(&l, "accounts", "list", "--mine", "--tier", "key")
		if names(l) != "Initech" {
			t.Fatalf("kim's KEY accounts: %s", names(l))
		}
		b.admin.json(&l, "accounts", "list", "--stage", "active", "--limit", "1")
		if l.TotalCount != 2 || names(l) != "Globex" {
			t.Fatalf("ACTIVE accounts, limit 1: %d %s", l.TotalCount, names(l))
		}
		contains(t, "admin --mine", b.admin.ok("accounts", "list", "--mine").stdout, "No accounts.")
		r = b.admin.ok("accounts", "list", "--limit", "2")
		containsWords(t, "accounts list", r.stdout, "NAME TIER STAGE OWNER EXTERNAL ID ID", "Globex STRATEGIC ACTIVE Kim Keller ACC-1 acc_")
		contains(t, "accounts list", r.stderr, "Showing 2 of 3 accounts; --limit 0 shows them all.")

		b.admin.json(&l, "accounts", "list", "--at-risk", "--band", "at-risk,watch,healthy")
		if l.TotalCount != 3 || len(l.Accounts) != 3 {
			t.Fatalf("at-risk, every band: %+v", l)
		}
		for i, a := range l.Accounts {
			if a.Health == nil || a.Health.Band == "" || (i > 0 && a.Health.Score < l.Accounts[i-1].Health.Score) {
				t.Fatalf("at-risk accounts are ranked worst first with their health: %+v", l)
			}
		}
		r = b.admin.ok("accounts", "list", "--at-risk", "--band", "at-risk,watch,healthy")
		containsWords(t, "at-risk table", r.stdout, "SCORE BAND NAME TIER STAGE OWNER TOP REASON ID", " Globex STRATEGIC ACTIVE Kim Keller ")

		// accounts show, by name, external id and id
		var d struct {
			ID, Name string
			Health   struct{ Band string }
			Buyers   []struct {
				Person    struct{ Email string }
				Roles     []string
				Primary   bool
				Influence *string
			}
			EndUsers []struct {
				Person   struct{ Name string }
				Licensed bool
				Status   string
			}
			Contracts []struct {
				Number          string
				DaysToRenewal   int
				SeatUtilisation *float64
				ValueMinor      int
				Currency        string
			}
			OpenComplaints []struct {
				Body   *string
				Status *string
			}
		}
		b.kam.json(&d, "accounts", "show", "globex")
		if d.Name != "Globex" || len(d.Buyers) != 2 || len(d.EndUsers) != 2 || len(d.Contracts) != 1 || len(d.OpenComplaints) != 1 {
			t.Fatalf("accounts show: %+v", d)
		}
		buyers := map[string]int{}
		for i, bc := range d.Buyers {
			buyers[bc.Person.Email] = i
		}
		bea, carl := d.Buyers[buyers["bea@globex.example"]], d.Buyers[buyers["carl@globex.example"]]
		if !bea.Primary || strings.Join(bea.Roles, ",") != "ECONOMIC_BUYER" || carl.Primary ||
			strings.Join(carl.Roles, ",") != "PROCUREMENT,INFLUENCER" || carl.Influence == nil || *carl.Influence != "HIGH" {
			t.Fatalf("buyers: %+v", d.Buyers)
		}
		k := d.Contracts[0]
		if k.Number != "C-0001" || k.DaysToRenewal < 99 || k.DaysToRenewal > 100 || k.SeatUtilisation == nil ||
			math.Abs(*k.SeatUtilisation-0.2) > 1e-9 || k.ValueMinor != 12000000 || k.Currency != "EUR" {
			t.Fatalf("contract: %+v (seat utilisation %v)", k, k.SeatUtilisation)
		}
		if c := d.OpenComplaints[0]; c.Body == nil || *c.Body != "Exports time out on large reports" || *c.Status != "OPEN" {
			t.Fatalf("open complaint: %+v", d.OpenComplaints)
		}
		id := d.ID
		b.admin.json(&d, "accounts", "show", "ACC-1")
		if d.ID != id {
			t.Fatalf("by external id: %s, want %s", d.ID, id)
		}
		r = b.kam.ok("accounts", "show", id)
		containsWords(t, "accounts show", r.stdout,
			"Globex ("+id+", external id ACC-1)",
			"Owner Kim Keller <kim@seller.example>",
			"Buyers (2)", "Bea Buyer bea@globex.example CFO ECONOMIC_BUYER yes",
			"End users (2)", "Uma User uma@globex.example Ops — ACTIVE yes",
			"Contracts (1)", "C-0001 ACTIVE 2025-01-01", "EUR 120,000.00", "20%",
			"Councils: none",
			"Open complaints (1)", "OPEN Uma User END_USER SUPPORT Exports time out on large reports")

		// accounts gap
		var g struct {
			Account   struct{ Name string }
			Purchaser struct {
				Responses, NpsResponses, Promoters, Passives, Detractors int
				Nps                                                      *float64
			}
			EndUser struct {
				Responses, NpsResponses, Promoters, Passives, Detractors int
				Nps, Sentiment                                           *float64
			}
			NpsGap *float64
			Topics []struct {
				Topic        string
				SentimentGap *float64
			}
		}
		b.kam.json(&g, "accounts", "gap", "Globex")
		if g.Account.Name != "Globex" || g.Purchaser.NpsResponses != 2 || g.Purchaser.Promoters != 2 || *g.Purchaser.Nps != 100 ||
			g.EndUser.NpsResponses != 2 || g.EndUser.Detractors != 1 || g.EndUser.Passives != 1 || *g.EndUser.Nps != -50 ||
			g.NpsGap == nil || *g.NpsGap != 150 || g.Purchaser.Responses != 3 || g.EndUser.Responses != 3 {
			t.Fatalf("gap: %+v", g)
		}
		if len(g.Topics) == 0 || g.Topics[0].Topic != "onboarding" || g.Topics[0].SentimentGap == nil || math.Abs(*g.Topics[0].SentimentGap-1.3) > 1e-9 {
			t.Fatalf("topics, widest disagreement first: %+v", g.Topics)
		}
		r = b.kam.ok("accounts", "gap", "Globex")
		containsWords(t, "gap", r.stdout,
			"PURCHASER END USER GAP",
			"NPS responses 2 2",
			"detractors 0 1",
			"NPS +100.0 -50.0 +150.0 ████████ purchasers happier",
			"onboarding 2 × +0.70 1 × -0.60 +1.30",
			"pricing 1 × +0.60 1 × -0.20 +0.80",
			"Raised by one side only: reporting (end users)")
		// Columns line up: the numbers of the NPS rows end where the headers end.
		lines := strings.Split(r.stdout, "\n")
		var header, nps string
		for _, line := range lines {
			if strings.Contains(line, "PURCHASER") && header == "" {
				header = line
			}
			if strings.HasPrefix(line, "NPS ") {
				nps = line
			}
		}
		if strings.Index(header, "GAP")+3 != strings.Index(nps, "+150.0")+6 {
			t.Fatalf("the gap column is not aligned:\n%s\n%s", header, nps)
		}
		b.kam.json(&g, "accounts", "gap", "Globex", "--until", "2001-01-01")
		if g.NpsGap != nil || g.Purchaser.Responses != 0 {
			t.Fatalf("gap before any feedback: %+v", g)
		}
		contains(t, "empty gap", b.kam.ok("accounts", "gap", "Globex", "--since", "2000-01-01", "--until", "2001-01-01").stdout,
			"Perception from 2000-01-01 to 2001-01-01", "No NPS gap")
	})
}

func TestCouncils(t *testing.T) {
	apitest.Each(t, func(t *testing.T, api *apitest.Env) {
		b := newBook(t, api)
		var created struct {
			ID, Name, Status string
			Purpose          *string
			Account          *struct{ ID, ExternalID, Name string }
		}
		b.kam.json(&created, "councils", "create", "--name", "Advisors", "--account", "Globex", "--purpose", "Buyers and users together")
		if created.Name != "Advisors" || created.Status != "FORMING" || created.Purpose == nil || *created.Purpose != "Buyers and users together" ||
			created.Account == nil || created.Account.ExternalID != "ACC-1" || created.Account.Name != "Globex" {
			t.Fatalf("councils create --json: %+v", created)
		}
		r := b.kam.ok("councils", "create", "--name", "Globex Users", "--account", "Globex", "--purpose", "Ops users advise on the roadmap", "--status", "active")
		contains(t, "councils create", r.stdout, "Created council Globex Users (ACTIVE): cou_")
		r = b.kam.ok("councils", "add-member", "globex users", "--person", "uma@globex.example", "--role", "chair", "--joined", "30d")
		contains(t, "add-member", r.stdout, "Seated Uma User <uma@globex.example> on Globex Users as CHAIR")
		var m struct {
			Role    string
			Person  struct{ Email string }
			Council struct{ ID, Name string }
		}
		b.kam.json(&m, "councils", "add-member", "Globex Users", "--person", "ulf@globex.example", "--joined", "30d")
		if m.Role != "MEMBER" || m.Person.Email != "ulf@globex.example" || m.Council.Name != "Globex Users" || m.Council.ID == "" {
			t.Fatalf("add-member --json: %+v", m)
		}
		r = b.kam.ok("councils", "record-session", "Globex Users", "--at", "1d", "--title", "Kickoff",
			"--attendee", "uma@globex.example", "--attendee", "ulf@globex.example")
		contains(t, "record-session", r.stdout, "session of Globex Users with 2 attendees: cse_")

		// A member who left is not counted, in the list as in the council.
		b.kam.ok("contacts", "add", "--account", "Globex", "--email", "lee@globex.example", "--name", "Lee Left")
		b.kam.ok("councils", "add-member", "Globex Users", "--person", "lee@globex.example", "--joined", "60d")
		b.kam.ok("councils", "add-member", "Advisors", "--person", "lee@globex.example")
		var leaving struct {
			Memberships []struct {
				ID     string
				Person struct{ Email string }
			}
		}
		b.kam.json(&leaving, "councils", "show", "Globex Users")
		for _, m := range leaving.Memberships {
			if m.Person.Email == "lee@globex.example" {
				api.Do(b.kamToken, `mutation($id: ID!, $at: Time!) { updateCouncilMembership(id: $id, input: {leftAt: $at}) { id } }`,
					map[string]any{"id": m.ID, "at": time.Now().AddDate(0, 0, -30).UTC().Format(time.RFC3339)}).MustOK(t, nil)
			}
		}

		var list struct {
			TotalCount int
			Councils   []struct {
				Name              string
				Members, Sessions int
				Account           *struct{ Name, ExternalID string }
			}
		}
		b.kam.json(&list, "councils", "list", "--account", "ACC-1")
		if list.TotalCount != 2 || list.Councils[1].Name != "Globex Users" || list.Councils[1].Members != 2 || list.Councils[1].Sessions != 1 ||
			list.Councils[1].Account == nil || list.Councils[1].Account.Name != "Globex" || list.Councils[1].Account.ExternalID != "ACC-1" {
			t.Fatalf("councils list: %+v", list)
		}
		r = b.kam.ok("councils", "list")
		containsWords(t, "councils list", r.stdout, "Globex Users ACTIVE Globex 2 1 cou_")
		b.kam.json(&list, "councils", "list", "--account", "Initech")
		if list.TotalCount != 0 || len(list.Councils) != 0 {
			t.Fatalf("Initech's councils: %+v", list)
		}
		var d struct {
			Name           string
			Members        int
			Account        *struct{ Name, ExternalID string }
			Memberships    []struct{ Role string }
			RecentSessions []struct {
				Title     *string
				Attendees int
			}
			AttendanceRate *float64
			EndUserNps     *float64
		}
		b.kam.json(&d, "councils", "show", "Globex Users")
		if d.Members != 2 || len(d.Memberships) != 3 || len(d.RecentSessions) != 1 || d.RecentSessions[0].Attendees != 2 || *d.RecentSessions[0].Title != "Kickoff" ||
			d.AttendanceRate == nil || *d.AttendanceRate != 1 || d.EndUserNps == nil || *d.EndUserNps != -50 ||
			d.Account == nil || d.Account.ExternalID != "ACC-1" {
			t.Fatalf("councils show: %+v", d)
		}
		r = b.kam.ok("councils", "show", "Globex Users")
		containsWords(t, "councils show", r.stdout, "Attendance 100%", "Members (2)", "Uma User uma@globex.example CHAIR",
			"Former members (1)", "Lee Left lee@globex.example MEMBER", "Sessions (1)", "Kickoff 2")
		containsWords(t, "accounts show", b.kam.ok("accounts", "show", "Globex").stdout, "Councils (2)", "Advisors FORMING 1", "Globex Users ACTIVE 2")

		// Only buyers and end users of the council's account can sit on it.
		b.admin.ok("endusers", "add", "--account", "Umbrella", "--email", "zed@umbrella.example", "--name", "Zed")
		b.admin.fails(cli.ExitError, []string{"BAD_USER_INPUT: personID: "}, "councils", "add-member", "Globex Users", "--person", "zed@umbrella.example")
		b.kam.fails(cli.ExitNotFound, []string{`no council "Nope"`}, "councils", "show", "Nope")
	})
}

func TestExportRoundTrip(t *testing.T) {
	api := apitest.New(t, "sqlite")
	b := newBook(t, api)

	out := filepath.Join(b.dir, "export.csv")
	r := b.admin.ok("export", "accounts", "-o", out)
	contains(t, "export", r.stderr, "Exported 3 accounts to "+out)
	rows := readCSV(t, out)
	if strings.Join(rows[0], ",") != "id,external_id,name,domain,industry,region,size,tier,stage,owner_id,owner_email,parent_external_id,version,created_at,updated_at" || len(rows) != 4 {
		t.Fatalf("exported accounts: %q", rows)
	}
	// What export writes, import reads back: nothing changes.
	r = b.admin.ok("import", "accounts", out, "--json")
	var sum importSummary
	if err := jsonUnmarshal(r.stdout, &sum); err != nil || sum.Unchanged != 3 || sum.Created+sum.Updated+sum.Failed != 0 {
		t.Fatalf("re-importing the export: %v %+v\n%s", err, sum, r.stderr)
	}
	if strings.Contains(r.stderr, "Ignoring") {
		t.Fatalf("the export's own columns should import quietly: %s", r.stderr)
	}

	var feedback []struct {
		ID, Persona, Kind, AuthorEmail, AccountExternalID string
		Score                                             *int
		Topics                                            []string
	}
	b.admin.json(&feedback, "export", "feedback")
	if len(feedback) != 4 || feedback[0].Persona != "PURCHASER" || feedback[0].AuthorEmail != "bea@globex.example" ||
		feedback[0].AccountExternalID != "ACC-1" || *feedback[0].Score != 9 || strings.Join(feedback[0].Topics, ",") != "onboarding" {
		t.Fatalf("exported feedback: %+v", feedback)
	}
	r = b.admin.ok("export", "contracts")
	contains(t, "exported contracts", r.stdout, "days_to_renewal,seat_utilisation", ",ACC-1,Globex,C-0001,ACTIVE,2025-01-01T00:00:00Z,", ",BC-1,")
	var people []struct{ Email string }
	b.admin.json(&people, "export", "people", "--format", "json")
	if len(people) != 4 {
		t.Fatalf("exported people: %+v", people)
	}
	b.admin.fails(cli.ExitUsage, []string{"--format must be csv or json"}, "export", "people", "--format", "xml")
}

func TestExitCodes(t *testing.T) {
	api := apitest.New(t, "sqlite")
	b := newBook(t, api)
	for _, c := range []struct {
		name string
		h    *harness
		code int
		want []string
		args []string
	}{
		{"unknown flag", b.admin, cli.ExitUsage, []string{"flag provided but not defined: -colour", "see `stakegraph accounts list --help`"}, []string{"accounts", "list", "--colour"}},
		{"missing argument", b.admin, cli.ExitUsage, []string{"missing the account (ID, EXTERNAL_ID or NAME)"}, []string{"accounts", "show"}},
		{"extra argument", b.admin, cli.ExitUsage, []string{`unexpected argument "Initech"`}, []string{"accounts", "show", "Globex", "Initech"}},
		{"unknown command", b.admin, cli.ExitUsage, []string{`unknown command "delete"`}, []string{"accounts", "delete"}},
		{"missing required flag", b.admin, cli.ExitUsage, []string{`Required flags "author, kind, channel" not set`}, []string{"feedback", "add", "--account", "Globex"}},
		{"bad enum", b.admin, cli.ExitUsage, []string{`--tier: "gold" is not one of STRATEGIC, KEY, GROWTH, STANDARD`}, []string{"accounts", "list", "--tier", "gold"}},
		{"bad date", b.admin, cli.ExitUsage, []string{`--since: "yesterday" is not a date`}, []string{"accounts", "gap", "Globex", "--since", "yesterday"}},
		{"no such account", b.admin, cli.ExitNotFound, []string{`no account "Hooli"`}, []string{"accounts", "show", "Hooli"}},
		{"not kim's account", b.kam, cli.ExitNotFound, []string{`no account "Umbrella"`}, []string{"accounts", "gap", "Umbrella"}},
		{"no such person", b.kam, cli.ExitNotFound, []string{`no person "nobody@globex.example"`, "stakegraph contacts add"},
			[]string{"feedback", "add", "--account", "Globex", "--author", "nobody@globex.example", "--kind", "praise", "--channel", "call"}},
		{"refused input", b.kam, cli.ExitError, []string{"stakegraph: BAD_USER_INPUT: score: must be between 0 and 10"},
			[]string{"feedback", "add", "--account", "Globex", "--author", "bea@globex.example", "--kind", "nps", "--score", "11", "--channel", "survey"}},
		{"forbidden", b.kam, cli.ExitAuth, []string{"FORBIDDEN"}, []string{"import", "people", filepath.Join(b.dir, "people.csv")}},
		{"bad token", b.admin.as("not.a.token"), cli.ExitAuth, []string{"UNAUTHENTICATED", "stakegraph login"}, []string{"accounts", "list"}},
		{"partial import", b.admin, cli.ExitPartial, []string{"2 of 4 rows failed"}, []string{"import", "people", filepath.Join(b.dir, "people.csv")}},
		{"unreachable server", b.admin.with(map[string]string{"STAKEGRAPH_SERVER": "http://127.0.0.1:1"}), cli.ExitError,
			[]string{"cannot reach the stakegraph server at http://127.0.0.1:1", "STAKEGRAPH_SERVER"}, []string{"accounts", "list"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.h.fails(c.code, c.want, c.args...)
		})
	}
	if r := b.admin.run("accounts"); r.code != 0 || !strings.Contains(r.stdout, "list") {
		t.Fatalf("accounts alone shows its help: %d %s %s", r.code, r.stdout, r.stderr)
	}
}
