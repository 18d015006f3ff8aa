package seeds

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/councilmembership"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/tenant"
	"github.com/stakegraph/stakegraph/ent/usercouncil"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/stakeholders"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// ErrAlreadySeeded is returned by LoadDemo when the database already holds the demo tenant.
var ErrAlreadySeeded = errors.New("the demo tenant " + DemoTenant + " is already seeded")

// DemoAdmin is the subject of the demo's ADMIN member, the one whose token serve prints.
const DemoAdmin = "dev-admin"

// demoSeed fixes every random choice of the demo: the same names, scores and dates (relative
// to the time of loading) on every load.
const demoSeed = 20261122

// LoadDemo loads the demo data set: the seller Northwind (tenant northwind), its staff and
// about 25 customer accounts with buyers, end users, contracts, two user councils, a year of
// feedback from both personas and interactions. Dates are relative to now.
//
// It writes through the ent client like any other writer: the tenant as the platform (the
// only one who creates tenants), everything else as the demo ADMIN member, so the access
// rules and validation apply, and every row is journaled. It all happens in one journaled
// transaction: a failure leaves nothing behind. A database that already holds the demo
// tenant is refused with ErrAlreadySeeded.
func LoadDemo(ctx context.Context, client *ent.Client) error {
	sys := viewer.AsSystem(ctx, "seeding")
	exists, err := client.Tenant.Query().Where(tenant.Slug(DemoTenant)).Exist(sys)
	if err != nil {
		return fmt.Errorf("seeds: looking for the demo tenant: %w", err)
	}
	if exists {
		return ErrAlreadySeeded
	}
	err = journal.Run(ctx, client, func(ctx context.Context, tx *ent.Tx) error {
		// The same write tenancy.CreateTenant makes, inside this transaction.
		t, err := tx.Tenant.Create().SetSlug(DemoTenant).SetName("Northwind").Save(viewer.AsSystem(ctx, "seeding"))
		if ent.IsConstraintError(err) {
			return ErrAlreadySeeded // a concurrent load won
		}
		if err != nil {
			return err
		}
		d := &demo{
			c:        tx.Client(),
			now:      time.Now().UTC(),
			rng:      rand.New(rand.NewPCG(demoSeed, demoSeed)),
			members:  map[string]string{},
			accounts: map[string]*demoAccountState{},
			emails:   map[string]bool{},
		}
		d.ctx = viewer.NewContext(ctx, viewer.Viewer{TenantID: t.ID, Subject: DemoAdmin, Role: enum.RoleAdmin})
		return d.load()
	})
	if errors.Is(err, ErrAlreadySeeded) {
		return ErrAlreadySeeded
	}
	if err != nil {
		return fmt.Errorf("seeds: loading the demo: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------------------------------
// The data set.

// demoStaff is Northwind's staff. Managers lead the teams; the key-account managers own the
// accounts.
var demoStaff = []struct {
	subject, name string
	role          enum.Role
	team          string // the team they belong to
	leads         string // the team they lead
}{
	{DemoAdmin, "Development Admin", enum.RoleAdmin, "", ""},
	{"mgr-clara", "Clara Jensen", enum.RoleManager, "", "Enterprise Accounts"},
	{"mgr-david", "David Okafor", enum.RoleManager, "", "Growth Accounts"},
	{"kam-anna", "Anna Keller", enum.RoleKeyAccountManager, "Enterprise Accounts", ""},
	{"kam-ben", "Ben Whitaker", enum.RoleKeyAccountManager, "Enterprise Accounts", ""},
	{"kam-chloe", "Chloe Martin", enum.RoleKeyAccountManager, "Growth Accounts", ""},
	{"kam-dan", "Dan Novak", enum.RoleKeyAccountManager, "Growth Accounts", ""},
	{"analyst-eva", "Eva Lindqvist", enum.RoleAnalyst, "", ""},
	{"integration-erp", "ERP Sync", enum.RoleIntegration, "", ""},
}

// staffEmail is the member's address at the seller; the admin's matches the token serve prints.
func staffEmail(subject, name string) string {
	if subject == DemoAdmin {
		return "admin@northwind.example"
	}
	if subject == "integration-erp" {
		return "erp-sync@northwind.example"
	}
	return emailOf(name, "northwind.example")
}

// mood is how an account's two voices feel.
type mood int

const (
	content     mood = iota // both voices happy
	buyersHappy             // buyers promote, end users detract: the gap that costs renewals
	usersHappy              // end users promote, buyers are unconvinced
	mixed                   // lukewarm on both sides
	sour                    // both unhappy
	evaluating              // a prospect: buyers only, no scores yet
)

// voiceRange is the NPS range of one persona, in the oldest survey round and in the latest:
// the rounds in between move from one to the other.
type voiceRange struct{ from, to [2]int }

// moodScores gives each mood's purchaser and end-user NPS ranges.
var moodScores = map[mood][2]voiceRange{
	content:     {{[2]int{7, 10}, [2]int{8, 10}}, {[2]int{7, 9}, [2]int{7, 10}}},
	buyersHappy: {{[2]int{8, 10}, [2]int{9, 10}}, {[2]int{6, 9}, [2]int{2, 7}}},
	usersHappy:  {{[2]int{6, 9}, [2]int{3, 7}}, {[2]int{7, 9}, [2]int{8, 10}}},
	mixed:       {{[2]int{6, 9}, [2]int{6, 9}}, {[2]int{6, 9}, [2]int{5, 9}}},
	sour:        {{[2]int{6, 8}, [2]int{4, 7}}, {[2]int{4, 7}, [2]int{1, 6}}},
}

// csatRange is the CSAT range of end users' support tickets per mood.
var csatRange = map[mood][2]int{content: {4, 5}, buyersHappy: {1, 3}, usersHappy: {4, 5}, mixed: {3, 4}, sour: {1, 3}}

// accountSpec is one customer account of the demo.
type accountSpec struct {
	key, name, domain, industry, region string
	size                                account.Size
	tier                                account.Tier
	stage                               account.Stage
	owner, parent                       string // member subject; key of the parent account
	mood                                mood
	buyers, users, seats                int
	renewal                             int // days from now to the end of the current contract; 0: none
	touch                               int // days since the latest interaction
	complaints                          int // open complaints
}

// Short names for the table below.
const (
	xl, lg, md, sm     = account.SizeENTERPRISE, account.SizeLARGE, account.SizeMEDIUM, account.SizeSMALL
	str, key, gro, std = account.TierSTRATEGIC, account.TierKEY, account.TierGROWTH, account.TierSTANDARD
	loyal, retained    = account.StageLOYAL, account.StageRETAINED
	active, newStage   = account.StageACTIVE, account.StageNEW
	prospect, churned  = account.StagePROSPECT, account.StageCHURNED
)

var demoAccounts = []accountSpec{
	{"contoso", "Contoso Manufacturing", "contoso.example", "Manufacturing", "DACH", xl, str, loyal, "kam-anna", "", content, 4, 10, 12, 200, 3, 0},
	{"fabrikam", "Fabrikam Logistics", "fabrikam.example", "Logistics", "Benelux", xl, str, retained, "kam-ben", "", buyersHappy, 4, 8, 10, 35, 10, 2},
	{"fabrikam-nordics", "Fabrikam Logistics Nordics", "nordics.fabrikam.example", "Logistics", "Nordics", lg, key, active, "kam-ben", "fabrikam", mixed, 2, 5, 6, 150, 20, 0},
	{"adatum", "Adatum Health", "adatum.example", "Healthcare", "UK & Ireland", lg, str, active, "kam-anna", "", buyersHappy, 3, 7, 16, 48, 40, 3},
	{"tailspin", "Tailspin Airlines", "tailspin.example", "Aviation", "France", xl, key, retained, "kam-chloe", "", buyersHappy, 3, 6, 8, 250, 12, 1},
	{"woodgrove", "Woodgrove Bank", "woodgrove.example", "Financial services", "DACH", xl, str, loyal, "kam-anna", "", usersHappy, 3, 7, 8, 21, 6, 0},
	{"litware", "Litware Software", "litware.example", "Software", "Nordics", md, gro, active, "kam-dan", "", usersHappy, 2, 5, 6, 300, 30, 0},
	{"proseware", "Proseware Publishing", "proseware.example", "Media", "UK & Ireland", md, gro, active, "kam-chloe", "", content, 2, 4, 5, 120, 15, 0},
	{"wingtip", "Wingtip Toys", "wingtiptoys.example", "Retail", "Benelux", md, gro, newStage, "kam-dan", "", mixed, 2, 3, 5, 330, 5, 0},
	{"alpine", "Alpine Ski House", "alpineskihouse.example", "Hospitality", "DACH", sm, std, active, "kam-dan", "", content, 1, 3, 3, 90, 45, 0},
	{"coho", "Coho Winery", "cohowinery.example", "Food & beverage", "Southern Europe", sm, std, retained, "kam-chloe", "", content, 1, 3, 3, 58, 25, 0},
	{"margies", "Margie's Travel", "margiestravel.example", "Travel", "Southern Europe", sm, std, churned, "kam-dan", "", sour, 1, 2, 3, -75, 100, 0},
	{"blueyonder", "Blue Yonder Airlines", "blueyonderairlines.example", "Aviation", "North America", lg, key, active, "kam-ben", "", sour, 2, 6, 10, 75, 70, 2},
	{"lucerne", "Lucerne Publishing", "lucernepublishing.example", "Media", "DACH", md, gro, retained, "kam-chloe", "", mixed, 2, 4, 5, 180, 18, 0},
	{"humongous", "Humongous Insurance", "humongousinsurance.example", "Insurance", "North America", xl, str, active, "mgr-clara", "", mixed, 3, 7, 10, 95, 8, 1},
	{"trey", "Trey Research", "treyresearch.example", "Research", "UK & Ireland", sm, gro, newStage, "kam-anna", "", content, 1, 3, 4, 340, 4, 0},
	{"fourthcoffee", "Fourth Coffee", "fourthcoffee.example", "Food & beverage", "North America", md, std, active, "kam-dan", "", mixed, 1, 3, 4, 200, 60, 0},
	{"relecloud", "Relecloud", "relecloud.example", "Cloud services", "Nordics", lg, key, active, "kam-ben", "", content, 2, 5, 6, 140, 2, 0},
	{"graphicdesign", "Graphic Design Institute", "graphicdesigninstitute.example", "Education", "Benelux", sm, std, prospect, "kam-chloe", "", evaluating, 1, 0, 0, 0, 9, 0},
	{"wideworld", "Wide World Importers", "wideworldimporters.example", "Wholesale", "North America", lg, key, retained, "kam-anna", "", content, 2, 5, 6, 28, 7, 0},
	{"cpandl", "City Power & Light", "cpandl.example", "Utilities", "North America", xl, key, active, "mgr-david", "", mixed, 3, 6, 8, 400, 14, 0},
	{"southridge", "Southridge Video", "southridgevideo.example", "Media", "Southern Europe", md, gro, active, "kam-chloe", "", sour, 1, 4, 5, 42, 50, 2},
	{"vanarsdel", "VanArsdel Ltd", "vanarsdel.example", "Manufacturing", "Benelux", md, gro, newStage, "kam-dan", "", content, 2, 3, 4, 310, 11, 0},
	{"tailwind", "Tailwind Traders", "tailwindtraders.example", "Retail", "UK & Ireland", lg, key, prospect, "kam-ben", "", evaluating, 2, 0, 0, 0, 4, 0},
	{"lamna", "Lamna Healthcare", "lamnahealthcare.example", "Healthcare", "Nordics", md, std, churned, "kam-chloe", "", sour, 1, 2, 3, -30, 120, 0},
}

// currencyOf is the currency contracts of a region are signed in.
func currencyOf(region string) string {
	switch region {
	case "North America":
		return "USD"
	case "UK & Ireland":
		return "GBP"
	case "Nordics":
		return "SEK"
	}
	return "EUR"
}

// buyerProfiles are the buying contacts of an account, in the order they are added: the
// first is the primary contact and signs the contracts.
var buyerProfiles = []struct {
	title     string
	roles     []enum.BuyingRole
	influence buyingcontact.Influence
}{
	{"Chief Operating Officer", []enum.BuyingRole{enum.BuyingRoleEconomicBuyer, enum.BuyingRoleDecisionMaker}, buyingcontact.InfluenceHIGH},
	{"Head of Operations", []enum.BuyingRole{enum.BuyingRoleChampion, enum.BuyingRoleEvaluator}, buyingcontact.InfluenceHIGH},
	{"IT Director", []enum.BuyingRole{enum.BuyingRoleTechnicalBuyer}, buyingcontact.InfluenceMEDIUM},
	{"Procurement Manager", []enum.BuyingRole{enum.BuyingRoleProcurement}, buyingcontact.InfluenceMEDIUM},
	{"VP Digital Transformation", []enum.BuyingRole{enum.BuyingRoleExecutiveSponsor, enum.BuyingRoleInfluencer}, buyingcontact.InfluenceHIGH},
	{"Senior Legal Counsel", []enum.BuyingRole{enum.BuyingRoleLegal}, buyingcontact.InfluenceLOW},
}

// procurementProfile is the index of the procurement contact, whom a parent account shares
// with its subsidiaries.
const procurementProfile = 3

// userProfiles are the departments and job roles of end users.
var userProfiles = []struct{ department, jobRole string }{
	{"Operations", "Operations Planner"},
	{"Customer Service", "Service Agent"},
	{"Finance", "Accounts Payable Specialist"},
	{"Logistics", "Dispatcher"},
	{"IT", "Application Administrator"},
	{"Sales", "Account Executive"},
	{"Warehouse", "Shift Supervisor"},
	{"Quality", "Quality Engineer"},
	{"Procurement", "Purchasing Agent"},
	{"HR", "HR Business Partner"},
}

var firstNames = []string{"Aino", "Alba", "Amir", "Ana", "Bruno", "Carla", "Daniel", "Elif", "Emma", "Felix",
	"Grace", "Hana", "Hugo", "Ines", "Ivan", "Jonas", "Julia", "Karim", "Laura", "Leon", "Lina", "Lucas",
	"Maja", "Marco", "Maria", "Mateo", "Mia", "Nadia", "Noah", "Olivia", "Omar", "Paula", "Priya", "Rafael",
	"Sara", "Sofia", "Tariq", "Thomas", "Vera", "Yusuf"}

var lastNames = []string{"Andersen", "Bauer", "Becker", "Costa", "Dubois", "Evans", "Fischer", "García",
	"Hansen", "Hoffmann", "Ivanova", "Jansen", "Kowalski", "Larsen", "Lopez", "Meyer", "Moreau", "Müller",
	"Nakamura", "Nielsen", "O'Brien", "Patel", "Peeters", "Rossi", "Santos", "Schmidt", "Silva", "Smith",
	"Svensson", "Tanaka", "Van Dijk", "Virtanen", "Wagner", "Weber", "Wilson", "Yilmaz", "Zimmermann"}

// topics per persona: what buyers and users talk about. Several are shared, so the
// perception view compares the personas on them.
var (
	purchaserTopics = []string{"pricing", "reporting", "support", "onboarding", "roadmap"}
	endUserTopics   = []string{"usability", "performance", "reporting", "support", "mobile app", "onboarding", "integrations"}
)

// phrases says something good and something bad about each topic.
var phrases = map[string][2]string{
	"pricing":      {"Pricing is fair for the value we get, and the multi-year terms helped.", "The renewal quote is well above what we budgeted for next year."},
	"reporting":    {"The monthly reports are exactly what our leadership team asks for.", "Building a report takes ages and the numbers never match finance's."},
	"support":      {"Support answers within the hour and actually fixes things.", "Tickets bounce between teams for days before anyone owns them."},
	"onboarding":   {"Onboarding was smooth; the trainers knew our processes.", "New colleagues cannot get started without someone sitting next to them."},
	"roadmap":      {"The roadmap session showed you listen to customers like us.", "We still have no date for the features promised at signing."},
	"usability":    {"The new layout makes everyday tasks much faster.", "Too many clicks for simple tasks; half the team keeps a spreadsheet on the side."},
	"performance":  {"Screens load quickly, even at month end.", "The planning screen is painfully slow every morning."},
	"mobile app":   {"The mobile app is a big help for staff on the floor.", "The mobile app logs us out every few minutes."},
	"integrations": {"The ERP integration has run without a hiccup since go-live.", "The ERP sync fails silently and we fix records by hand."},
}

// interactionKinds are the touchpoints of an account: withBuyers says who takes part, ticket
// whether users rate it afterwards (CSAT) and may complain on it.
var interactionKinds = []struct {
	channel            enum.Channel
	direction          interaction.Direction
	subject, summary   string
	withBuyers, ticket bool
}{
	{enum.ChannelMeeting, interaction.DirectionOUTBOUND, "Quarterly business review", "Reviewed adoption, open tickets and the roadmap with the buying team.", true, false},
	{enum.ChannelSupport, interaction.DirectionINBOUND, "Ticket: planning screen slow", "Users report slow loading of the planning screen at peak times; escalated to engineering.", false, true},
	{enum.ChannelCall, interaction.DirectionOUTBOUND, "Executive check-in", "Checked priorities for the coming quarter and the renewal timeline.", true, false},
	{enum.ChannelSupport, interaction.DirectionINBOUND, "Ticket: ERP sync errors", "Sync errors for a batch of orders; records corrected, root cause under investigation.", false, true},
	{enum.ChannelMeeting, interaction.DirectionOUTBOUND, "On-site training", "Trained new team members on planning and reporting.", false, false},
	{enum.ChannelChat, interaction.DirectionINBOUND, "Question about report exports", "Explained scheduled exports to CSV and the API.", false, true},
	{enum.ChannelEmail, interaction.DirectionINBOUND, "Procurement questionnaire", "Security and compliance questionnaire returned to procurement.", true, false},
	{enum.ChannelEmail, interaction.DirectionOUTBOUND, "Renewal proposal", "Sent the renewal proposal with seat options and multi-year pricing.", true, false},
}

// renewalTouch is the index of the renewal proposal in interactionKinds.
const renewalTouch = 7

// surveyRounds are the NPS survey rounds, in days before now, oldest first.
var surveyRounds = []int{335, 245, 155, 65, 12}

// demoCouncils are the two user councils: one of an account, one across accounts.
var demoCouncils = []struct {
	name, purpose string
	account       string   // key of the council's account; empty for a cross-account council
	members       []string // keys of the accounts whose end users sit on it
	joined        int      // days ago the members joined
	sessions      []int    // days ago the sessions were held
	titles        []string
}{
	{
		name:     "Contoso Power Users",
		purpose:  "Planners and supervisors from Contoso's plants who test new features first and shape the roadmap for manufacturing.",
		account:  "contoso",
		members:  []string{"contoso", "contoso", "contoso", "contoso", "contoso"},
		joined:   310,
		sessions: []int{280, 190, 100, 25},
		titles:   []string{"Kick-off and priorities", "Planning board redesign", "Mobile app preview", "Reporting wish list"},
	},
	{
		name:     "Northwind Customer Advisory Board",
		purpose:  "Everyday users from key customers across industries who review the roadmap twice a year.",
		members:  []string{"fabrikam", "adatum", "woodgrove", "litware", "relecloud", "proseware", "blueyonder"},
		joined:   210,
		sessions: []int{170, 55},
		titles:   []string{"Spring advisory board", "Autumn advisory board"},
	},
}

// ---------------------------------------------------------------------------------------
// Loading.

// demo is one load of the demo data set, in one transaction as the demo admin.
type demo struct {
	c         *ent.Client
	ctx       context.Context // the admin viewer in the journaled transaction
	now       time.Time
	rng       *rand.Rand
	members   map[string]string // subject → member id
	accounts  map[string]*demoAccountState
	emails    map[string]bool
	contracts int
}

// demoAccountState is what the load made of an account.
type demoAccountState struct {
	spec        accountSpec
	id          string
	owner       string
	buyers      []string // people
	users       []string // people who use the product (active or not)
	activeUsers []string
	signer      string    // the primary buying contact
	contract    string    // the current (or last) contract
	current     time.Time // when that contract started
	since, end  time.Time // the relationship: since the first contract, until now or the churn
	tickets     []*ent.Interaction
}

func (d *demo) load() error {
	if err := d.staff(); err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	for _, spec := range demoAccounts {
		if err := d.account(spec); err != nil {
			return fmt.Errorf("account %s: %w", spec.name, err)
		}
	}
	for _, spec := range demoAccounts {
		a := d.accounts[spec.key]
		if err := d.interactions(a); err != nil {
			return fmt.Errorf("interactions of %s: %w", spec.name, err)
		}
		if err := d.feedback(a); err != nil {
			return fmt.Errorf("feedback of %s: %w", spec.name, err)
		}
	}
	for _, c := range demoCouncils {
		if err := d.council(c.name, c.purpose, c.account, c.members, c.joined, c.sessions, c.titles); err != nil {
			return fmt.Errorf("council %s: %w", c.name, err)
		}
	}
	return nil
}

func (d *demo) staff() error {
	teams := map[string]string{}
	// Managers first, then the teams they lead, then the members of those teams.
	for pass := range 2 {
		for _, s := range demoStaff {
			if (s.role == enum.RoleManager) != (pass == 0) {
				continue
			}
			m := d.c.Member.Create().
				SetSubject(s.subject).
				SetName(s.name).
				SetEmail(staffEmail(s.subject, s.name)).
				SetRole(s.role)
			if s.team != "" {
				m.SetTeamID(teams[s.team])
			}
			saved, err := m.Save(d.ctx)
			if err != nil {
				return fmt.Errorf("member %s: %w", s.subject, err)
			}
			d.members[s.subject] = saved.ID
			if s.subject == DemoAdmin {
				v, _ := viewer.FromContext(d.ctx)
				v.MemberID = saved.ID
				d.ctx = viewer.NewContext(d.ctx, v)
			}
			if s.leads != "" {
				t, err := d.c.Team.Create().SetName(s.leads).SetManagerID(saved.ID).Save(d.ctx)
				if err != nil {
					return fmt.Errorf("team %s: %w", s.leads, err)
				}
				teams[s.leads] = t.ID
			}
		}
	}
	return nil
}

// ago returns the time n days (and a few deterministic hours) before now.
func (d *demo) ago(days int) time.Time {
	return d.now.Add(-time.Duration(days)*24*time.Hour - time.Duration(d.rng.IntN(9)+1)*time.Hour)
}

func (d *demo) between(lo, hi int) int { return lo + d.rng.IntN(hi-lo+1) }

// person returns a new name and the email at the domain, unique in the tenant.
func (d *demo) person(domain string) (name, email string) {
	for {
		name = firstNames[d.rng.IntN(len(firstNames))] + " " + lastNames[d.rng.IntN(len(lastNames))]
		email = emailOf(name, domain)
		if !d.emails[email] {
			d.emails[email] = true
			return name, email
		}
	}
}

// emailOf makes first.last@domain out of a name, in plain ASCII.
func emailOf(name, domain string) string {
	r := strings.NewReplacer(" ", ".", "'", "", "á", "a", "í", "i", "ü", "ue", "ö", "oe", "ä", "ae", "é", "e")
	return strings.ToLower(r.Replace(name)) + "@" + domain
}

func (d *demo) account(spec accountSpec) error {
	a := &demoAccountState{spec: spec, owner: d.members[spec.owner]}
	create := d.c.Account.Create().
		SetName(spec.name).
		SetDomain(spec.domain).
		SetExternalID("ERP-" + strings.ToUpper(spec.key)).
		SetIndustry(spec.industry).
		SetRegion(spec.region).
		SetSize(spec.size).
		SetTier(spec.tier).
		SetStage(spec.stage).
		SetOwnerID(a.owner)
	if spec.parent != "" {
		create.SetParentID(d.accounts[spec.parent].id)
	}
	saved, err := create.Save(d.ctx)
	if err != nil {
		return err
	}
	a.id = saved.ID
	d.accounts[spec.key] = a

	// The relationship: the current contract runs a year (three for strategic accounts) to
	// its end; loyal and retained accounts renewed once before.
	term := 1
	if spec.tier == account.TierSTRATEGIC {
		term = 3
	}
	a.end = d.now
	if spec.renewal != 0 {
		end := d.now.Truncate(24*time.Hour).AddDate(0, 0, spec.renewal)
		a.current = end.AddDate(-term, 0, 0)
		if spec.renewal < 0 {
			a.end = end
		}
	} else {
		a.current = d.now.AddDate(0, -3, 0) // a prospect in evaluation
	}
	renewed := spec.stage == account.StageLOYAL || spec.stage == account.StageRETAINED
	a.since = a.current
	if renewed {
		a.since = a.current.AddDate(-term, 0, 0)
	}

	if err := d.buyers(a); err != nil {
		return err
	}
	if err := d.endUsers(a); err != nil {
		return err
	}
	if spec.renewal == 0 {
		return nil
	}
	if renewed {
		if _, err := d.contract(a, a.since, a.current, contract.StatusEXPIRED, spec.seats*3/4+1); err != nil {
			return err
		}
	}
	status := contract.StatusACTIVE
	switch {
	case spec.renewal < 0 && spec.key == "lamna":
		status = contract.StatusTERMINATED
	case spec.renewal < 0:
		status = contract.StatusEXPIRED
	}
	c, err := d.contract(a, a.current, a.current.AddDate(term, 0, 0), status, spec.seats)
	if err != nil {
		return err
	}
	a.contract = c.ID
	return nil
}

func (d *demo) buyers(a *demoAccountState) error {
	since := a.since
	for i := range a.spec.buyers {
		p := buyerProfiles[i%len(buyerProfiles)]
		name, email := d.person(a.spec.domain)
		primary := i == 0
		influence := p.influence
		start := since.AddDate(0, 0, -d.between(20, 60))
		bc, err := stakeholders.AddBuyingContact(d.ctx, d.c, stakeholders.BuyingContactInput{
			AccountID: a.id, Email: email, Name: &name, Title: &p.title,
			Roles: p.roles, Primary: &primary, Influence: &influence, Since: &start,
		})
		if err != nil {
			return fmt.Errorf("buying contact %s: %w", email, err)
		}
		a.buyers = append(a.buyers, bc.PersonID)
		if primary {
			a.signer = bc.ID
		}
	}
	// A subsidiary buys through its parent's procurement too: the same person, on both.
	if a.spec.parent != "" {
		parent := d.accounts[a.spec.parent]
		if len(parent.buyers) > procurementProfile {
			p := buyerProfiles[procurementProfile]
			person, err := d.c.Person.Get(d.ctx, parent.buyers[procurementProfile])
			if err != nil {
				return err
			}
			influence := buyingcontact.InfluenceMEDIUM
			_, err = stakeholders.AddBuyingContact(d.ctx, d.c, stakeholders.BuyingContactInput{
				AccountID: a.id, Email: person.Email, Roles: p.roles, Influence: &influence, Since: &since,
			})
			if err != nil {
				return fmt.Errorf("the parent's procurement contact: %w", err)
			}
			a.buyers = append(a.buyers, person.ID)
		}
	}
	return nil
}

func (d *demo) endUsers(a *demoAccountState) error {
	since := a.since
	gone := a.spec.stage == account.StageCHURNED
	for i := range a.spec.users {
		p := userProfiles[(i+len(a.spec.key))%len(userProfiles)]
		name, email := d.person(a.spec.domain)
		status, licensed := enduser.StatusACTIVE, true
		first := since.AddDate(0, 0, d.between(1, 40))
		last := d.now.Add(-time.Duration(d.between(1, 120)) * time.Hour)
		switch r := d.rng.Float64(); {
		case gone:
			status, licensed, last = enduser.StatusREMOVED, false, a.end
		case i == a.spec.users-1 && a.spec.users >= 5:
			status, licensed = enduser.StatusINVITED, false // a newcomer, not yet signed in
		case r < 0.12:
			status, last = enduser.StatusINACTIVE, d.ago(d.between(45, 120))
		}
		if first.After(last) {
			first = last.AddDate(0, 0, -30)
		}
		in := stakeholders.EndUserInput{
			AccountID: a.id, Email: email, Name: &name, Title: &p.jobRole,
			Department: &p.department, JobRole: &p.jobRole, Status: &status, Licensed: &licensed,
		}
		if status != enduser.StatusINVITED {
			in.FirstSeenAt, in.LastActiveAt = &first, &last
		}
		eu, err := stakeholders.AddEndUser(d.ctx, d.c, in)
		if err != nil {
			return fmt.Errorf("end user %s: %w", email, err)
		}
		if status == enduser.StatusINVITED {
			continue // nothing to say yet
		}
		a.users = append(a.users, eu.PersonID)
		if status == enduser.StatusACTIVE {
			a.activeUsers = append(a.activeUsers, eu.PersonID)
		}
	}
	return nil
}

func (d *demo) contract(a *demoAccountState, start, end time.Time, status contract.Status, seats int) (*ent.Contract, error) {
	d.contracts++
	perSeat := map[account.Tier]int64{account.TierSTRATEGIC: 14_400, account.TierKEY: 12_000, account.TierGROWTH: 9_600, account.TierSTANDARD: 7_200}
	years := int64(math.Round(end.Sub(start).Hours() / 24 / 365))
	signed := start.AddDate(0, 0, -d.between(7, 30))
	create := d.c.Contract.Create().
		SetAccountID(a.id).
		SetNumber(fmt.Sprintf("NW-%d-%04d", start.Year(), 1000+d.contracts)).
		SetExternalID(fmt.Sprintf("ERP-CTR-%04d", 1000+d.contracts)).
		SetStatus(status).
		SetStartDate(start).
		SetEndDate(end).
		SetRenewalNoticeDays([]int{30, 60, 90}[d.contracts%3]).
		SetAutoRenew(a.spec.tier == account.TierSTANDARD).
		SetValueMinor((20_000 + perSeat[a.spec.tier]*int64(seats)) * years * 100).
		SetCurrency(currencyOf(a.spec.region)).
		SetSeats(seats).
		SetSignedByID(a.signer)
	if signed.Before(d.now) {
		create.SetSignedAt(signed)
	}
	c, err := create.Save(d.ctx)
	if err != nil {
		return nil, fmt.Errorf("contract %s–%s: %w", start.Format(time.DateOnly), end.Format(time.DateOnly), err)
	}
	return c, nil
}

func (d *demo) interactions(a *demoAccountState) error {
	// The latest touch is spec.touch days ago, the earlier ones every month or two before.
	ago := a.spec.touch
	for n := 0; ago < 365 && d.now.AddDate(0, 0, -ago).After(a.since.AddDate(0, 0, -60)); n++ {
		k := d.rng.IntN(len(interactionKinds))
		if n == 0 && a.spec.renewal > 0 && a.spec.renewal <= 60 {
			k = renewalTouch
		}
		kind := interactionKinds[k]
		people := a.activeUsers
		if kind.withBuyers || len(people) == 0 {
			people = a.buyers
		}
		var participants []string
		for i := range min(len(people), 1+d.rng.IntN(2)) {
			participants = append(participants, people[(n+i)%len(people)])
		}
		at := d.ago(ago)
		summary := kind.summary
		in, err := stakeholders.LogInteraction(d.ctx, d.c, stakeholders.InteractionInput{
			AccountID: a.id, Channel: kind.channel, Direction: kind.direction, OccurredAt: &at,
			Subject: kind.subject, Summary: &summary, ParticipantIDs: participants, HandledByID: &a.owner,
		})
		if err != nil {
			return fmt.Errorf("%s: %w", kind.subject, err)
		}
		if kind.ticket && !kind.withBuyers && len(a.activeUsers) > 0 {
			a.tickets = append(a.tickets, in)
		}
		ago += d.between(25, 70)
	}
	return nil
}

// say returns a body and the sentiment of what a person says about the topic, from a score
// on a scale from lo to hi.
func (d *demo) say(topic string, score, lo, hi int) (string, float64) {
	mid := float64(lo+hi) / 2
	s := (float64(score) - mid) / (float64(hi-lo) / 2)
	s = math.Round(math.Max(-1, math.Min(1, s*0.9+(d.rng.Float64()-0.5)*0.2))*100) / 100
	if s >= 0.1 {
		return phrases[topic][0], s
	}
	return phrases[topic][1], s
}

// topics picks one topic of the persona's, sometimes two.
func (d *demo) topics(persona enum.Persona) []string {
	pool := endUserTopics
	if persona == enum.PersonaPurchaser {
		pool = purchaserTopics
	}
	out := []string{pool[d.rng.IntN(len(pool))]}
	if other := pool[d.rng.IntN(len(pool))]; d.rng.IntN(3) == 0 && other != out[0] {
		out = append(out, other)
	}
	return out
}

// capture records feedback; the persona follows from the author's role at the account.
func (d *demo) capture(in stakeholders.FeedbackInput) (*ent.Feedback, error) {
	f, err := stakeholders.CaptureFeedback(d.ctx, d.c, in)
	if err != nil {
		return nil, fmt.Errorf("%s feedback at %s: %w", in.Kind, in.ReceivedAt.Format(time.DateOnly), err)
	}
	return f, nil
}

func (d *demo) feedback(a *demoAccountState) error {
	if a.spec.mood == evaluating {
		for _, p := range a.buyers {
			topic := purchaserTopics[d.rng.IntN(len(purchaserTopics))]
			at := d.ago(d.between(5, 40))
			body := "Evaluating Northwind for next year. " + phrases[topic][0]
			if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: p, Channel: enum.ChannelMeeting,
				Kind: feedback.KindCOMMENT, Body: &body, Topics: []string{topic}, ReceivedAt: &at}); err != nil {
				return err
			}
		}
		return nil
	}
	scores := moodScores[a.spec.mood]
	// NPS survey rounds while the account was a customer: every buyer and most users answer.
	for r, days := range surveyRounds {
		at := d.ago(days)
		if at.Before(a.since) || at.After(a.end) {
			continue
		}
		var during *string // the contract the answers are about
		if !at.Before(a.current) {
			during = nonEmpty(a.contract)
		}
		for side, people := range [][]string{a.buyers, a.users} {
			persona := []enum.Persona{enum.PersonaPurchaser, enum.PersonaEndUser}[side]
			rng := scores[side]
			t := float64(r) / float64(len(surveyRounds)-1)
			lo := int(math.Round(float64(rng.from[0]) + t*float64(rng.to[0]-rng.from[0])))
			hi := int(math.Round(float64(rng.from[1]) + t*float64(rng.to[1]-rng.from[1])))
			for _, p := range people {
				if d.rng.IntN(10) < 2 && r < len(surveyRounds)-1 {
					continue // did not answer this round
				}
				score := d.between(lo, hi)
				topics := d.topics(persona)
				body, sentiment := d.say(topics[0], score, 2, 10)
				when := at.Add(time.Duration(d.rng.IntN(72)) * time.Hour)
				if when.After(d.now) {
					when = at
				}
				if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: p, Channel: enum.ChannelSurvey,
					Kind: feedback.KindNPS, Score: &score, Sentiment: &sentiment, Body: &body, Topics: topics,
					ReceivedAt: &when, ContractID: during}); err != nil {
					return err
				}
			}
		}
	}
	// CSAT after support tickets, from the user who raised them.
	cr := csatRange[a.spec.mood]
	for i, tix := range a.tickets {
		author := a.activeUsers[i%len(a.activeUsers)]
		score := d.between(cr[0], cr[1])
		body, sentiment := d.say("support", score, 1, 5)
		at := tix.OccurredAt.Add(2 * time.Hour)
		if at.After(d.now) {
			at = d.now
		}
		if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: author, Channel: enum.ChannelSupport,
			Kind: feedback.KindCSAT, Score: &score, Sentiment: &sentiment, Body: &body, Topics: []string{"support"},
			ReceivedAt: &at, InteractionID: &tix.ID}); err != nil {
			return err
		}
	}
	if len(a.activeUsers) == 0 {
		return nil
	}
	// A feature request from the users, praise or a worry from the primary buyer.
	request := "Please let us plan across several sites in one view."
	at := d.ago(d.between(20, 200))
	if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: a.activeUsers[0], Channel: enum.ChannelWeb,
		Kind: feedback.KindFEATURE_REQUEST, Body: &request, Topics: []string{"usability", "reporting"}, ReceivedAt: &at}); err != nil {
		return err
	}
	switch a.spec.mood {
	case content, buyersHappy:
		body, sentiment := "Our board loved the quarterly results; the rollout paid for itself.", 0.9
		at := d.ago(d.between(15, 120))
		if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: a.buyers[0], Channel: enum.ChannelEmail,
			Kind: feedback.KindPRAISE, Sentiment: &sentiment, Body: &body, Topics: []string{"roadmap"}, ReceivedAt: &at}); err != nil {
			return err
		}
	case usersHappy, sour:
		body, sentiment := "Before we renew I need to see the savings we were promised.", -0.5
		at := d.ago(d.between(15, 90))
		if _, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: a.buyers[0], Channel: enum.ChannelCall,
			Kind: feedback.KindCOMMENT, Sentiment: &sentiment, Body: &body, Topics: []string{"pricing"}, ReceivedAt: &at,
			ContractID: nonEmpty(a.contract)}); err != nil {
			return err
		}
	}
	// Complaints: the open ones of the spec, raised by users (on a support ticket when there
	// is one); and one the team resolved, on the accounts that are doing well.
	for i := range a.spec.complaints {
		topic := []string{"performance", "integrations", "mobile app", "support"}[i%4]
		body := phrases[topic][1]
		sentiment := -0.6 - float64(d.rng.IntN(4))/10
		at := d.ago(d.between(3, 45))
		in := stakeholders.FeedbackInput{AccountID: a.id, AuthorID: a.activeUsers[i%len(a.activeUsers)], Channel: enum.ChannelEmail,
			Kind: feedback.KindCOMPLAINT, Sentiment: &sentiment, Body: &body, Topics: []string{topic}, ReceivedAt: &at}
		if i < len(a.tickets) {
			in.Channel, in.InteractionID = enum.ChannelSupport, &a.tickets[i].ID
			if t := a.tickets[i].OccurredAt; t.Before(d.now) {
				in.ReceivedAt = &t
			}
		}
		if _, err := d.capture(in); err != nil {
			return err
		}
	}
	if a.spec.mood == content && a.spec.tier != account.TierSTANDARD {
		body, sentiment := phrases["integrations"][1], -0.4
		at := d.ago(d.between(100, 200))
		f, err := d.capture(stakeholders.FeedbackInput{AccountID: a.id, AuthorID: a.activeUsers[len(a.activeUsers)-1],
			Channel: enum.ChannelSupport, Kind: feedback.KindCOMPLAINT, Sentiment: &sentiment, Body: &body,
			Topics: []string{"integrations"}, ReceivedAt: &at})
		if err != nil {
			return err
		}
		if _, err := d.c.Feedback.UpdateOne(f).
			SetStatus(feedback.StatusRESOLVED).
			SetResolution("Fixed the field mapping of the ERP connector and replayed the failed orders.").
			Save(d.ctx); err != nil {
			return fmt.Errorf("resolving a complaint: %w", err)
		}
	}
	return nil
}

// council creates a council with its members (end users of the accounts, one per entry; an
// account's council also seats its primary buyer as sponsor), its sessions, who attended
// and what they said there.
func (d *demo) council(name, purpose, accountKey string, memberAccounts []string, joined int, sessions []int, titles []string) error {
	create := d.c.UserCouncil.Create().SetName(name).SetPurpose(purpose).SetStatus(usercouncil.StatusACTIVE)
	var own *demoAccountState
	if accountKey != "" {
		own = d.accounts[accountKey]
		create.SetAccountID(own.id)
	}
	council, err := create.Save(d.ctx)
	if err != nil {
		return err
	}
	var members []string
	next := map[string]int{}
	for _, k := range memberAccounts {
		a := d.accounts[k]
		if next[k] < len(a.activeUsers) {
			members = append(members, a.activeUsers[next[k]])
			next[k]++
		}
	}
	joinedAt := d.ago(joined)
	for i, p := range members {
		role := councilmembership.RoleMEMBER
		if i == 0 {
			role = councilmembership.RoleCHAIR
		}
		if _, err := stakeholders.AddCouncilMember(d.ctx, d.c, stakeholders.CouncilMemberInput{
			CouncilID: council.ID, PersonID: p, Role: &role, JoinedAt: &joinedAt}); err != nil {
			return fmt.Errorf("member: %w", err)
		}
	}
	if own != nil {
		role := councilmembership.RoleSPONSOR
		if _, err := stakeholders.AddCouncilMember(d.ctx, d.c, stakeholders.CouncilMemberInput{
			CouncilID: council.ID, PersonID: own.buyers[0], Role: &role, JoinedAt: &joinedAt}); err != nil {
			return fmt.Errorf("sponsor: %w", err)
		}
	}
	for s, days := range sessions {
		var attendees []string
		for _, p := range members {
			if d.rng.IntN(4) > 0 {
				attendees = append(attendees, p)
			}
		}
		if len(attendees) < 2 {
			attendees = slices.Clone(members[:2])
		}
		if own != nil && s == 0 {
			attendees = append(attendees, own.buyers[0]) // the sponsor opens the council
		}
		var said []*stakeholders.SessionFeedbackInput
		for i, p := range attendees[:min(3, len(attendees))] {
			topic := endUserTopics[(s+i)%len(endUserTopics)]
			kind := []feedback.Kind{feedback.KindFEATURE_REQUEST, feedback.KindCOMMENT, feedback.KindPRAISE}[i%3]
			body, sentiment := phrases[topic][0], 0.6
			switch kind {
			case feedback.KindFEATURE_REQUEST:
				body, sentiment = "We would like "+topic+" to work offline on the shop floor.", 0.1
			case feedback.KindCOMMENT:
				body, sentiment = d.say(topic, d.between(3, 9), 2, 10)
			}
			persona := enum.PersonaEndUser
			if own != nil && p == own.buyers[0] {
				persona = enum.PersonaPurchaser
			}
			said = append(said, &stakeholders.SessionFeedbackInput{AuthorID: p, Persona: &persona, Kind: kind,
				Sentiment: &sentiment, Body: &body, Topics: []string{topic}})
		}
		title := titles[s%len(titles)]
		agenda := "1. What changed since last time\n2. Demo of work in progress\n3. Your priorities\n4. Open discussion"
		notes := fmt.Sprintf("%d of %d members attended. Follow-ups assigned to the product team.", len(attendees), len(members))
		if _, err := stakeholders.RecordCouncilSession(d.ctx, d.c, stakeholders.SessionInput{
			CouncilID: council.ID, HeldAt: d.ago(days), Title: &title, Agenda: &agenda, Notes: &notes,
			AttendeeIDs: attendees, Feedback: said,
		}); err != nil {
			return fmt.Errorf("session %q: %w", title, err)
		}
	}
	return nil
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
