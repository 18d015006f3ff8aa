package graph_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/Khan/genqlient/graphql"

	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/apitest/gqltest"
)

// seedAccounts syncs n accounts, each with a buying contact, an end user, a contract and two
// feedback responses (one per persona), and returns nothing: the accounts are named
// "Account 000" … in order.
func seedAccounts(t *testing.T, g graphql.Client, n int) {
	t.Helper()
	ctx := context.Background()
	var (
		accounts  []gqltest.SyncAccountInput
		people    []gqltest.SyncPersonInput
		buyers    []gqltest.SyncBuyingContactInput
		users     []gqltest.SyncEndUserInput
		contracts []gqltest.SyncContractInput
		feedback  []gqltest.SyncFeedbackInput
	)
	tiers := []gqltest.AccountTier{gqltest.AccountTierStrategic, gqltest.AccountTierKey, gqltest.AccountTierGrowth, gqltest.AccountTierStandard}
	start := time.Now().AddDate(0, -6, 0).UTC()
	for i := range n {
		acc := fmt.Sprintf("acc-%03d", i)
		accounts = append(accounts, gqltest.SyncAccountInput{ExternalID: acc, Name: fmt.Sprintf("Account %03d", i), Tier: &tiers[i%4]})
		buyer, user := fmt.Sprintf("buyer%03d@customer.example", i), fmt.Sprintf("user%03d@customer.example", i)
		people = append(people,
			gqltest.SyncPersonInput{ExternalID: ptr("p-b-" + acc), Email: buyer, Name: fmt.Sprintf("Buyer %03d", i)},
			gqltest.SyncPersonInput{ExternalID: ptr("p-u-" + acc), Email: user, Name: fmt.Sprintf("User %03d", i)})
		buyers = append(buyers, gqltest.SyncBuyingContactInput{ExternalID: "bc-" + acc, AccountExternalID: acc,
			PersonExternalID: ptr("p-b-" + acc), Roles: []gqltest.BuyingRole{gqltest.BuyingRoleEconomicBuyer}, Primary: ptr(true)})
		users = append(users, gqltest.SyncEndUserInput{ExternalID: "eu-" + acc, AccountExternalID: acc,
			PersonExternalID: ptr("p-u-" + acc), Department: ptr("Ops"), Status: ptr(gqltest.EndUserStatusActive), Licensed: ptr(true)})
		contracts = append(contracts, gqltest.SyncContractInput{ExternalID: "c-" + acc, AccountExternalID: acc,
			Number: fmt.Sprintf("C-%03d", i), Status: ptr(gqltest.ContractStatusActive), StartDate: start,
			EndDate: start.AddDate(1, 0, 0), Currency: "EUR", Seats: ptr(10), SignedByExternalID: ptr("bc-" + acc)})
		feedback = append(feedback,
			gqltest.SyncFeedbackInput{ExternalID: "f-b-" + acc, AccountExternalID: acc, AuthorExternalID: ptr("p-b-" + acc),
				Channel: gqltest.ChannelSurvey, Kind: gqltest.FeedbackKindNps, Score: ptr(i % 11), ReceivedAt: start.AddDate(0, 1, 0)},
			gqltest.SyncFeedbackInput{ExternalID: "f-u-" + acc, AccountExternalID: acc, AuthorExternalID: ptr("p-u-" + acc),
				Channel: gqltest.ChannelEmail, Kind: gqltest.FeedbackKindComment, Body: ptr("latest " + acc), ReceivedAt: start.AddDate(0, 2, 0)})
	}
	check := func(step string, p gqltest.SyncOutcome, err error) {
		t.Helper()
		if err != nil || !p.Committed || p.Failed != 0 {
			t.Fatalf("%s: %s %v", step, dump(p), err)
		}
	}
	a, err := gqltest.SyncAccounts(ctx, g, accounts)
	check("syncAccounts", a.SyncAccounts.SyncOutcome, err)
	p, err := gqltest.SyncPeople(ctx, g, people)
	check("syncPeople", p.SyncPeople.SyncOutcome, err)
	b, err := gqltest.SyncBuyingContacts(ctx, g, buyers)
	check("syncBuyingContacts", b.SyncBuyingContacts.SyncOutcome, err)
	u, err := gqltest.SyncEndUsers(ctx, g, users)
	check("syncEndUsers", u.SyncEndUsers.SyncOutcome, err)
	c, err := gqltest.SyncContracts(ctx, g, contracts)
	check("syncContracts", c.SyncContracts.SyncOutcome, err)
	f, err := gqltest.SyncFeedback(ctx, g, feedback)
	check("syncFeedback", f.SyncFeedback.SyncOutcome, err)
}

// nestedPage is a page of NestedAccountPage: the accounts' own fields and edges.
type nestedPage struct {
	TotalCount int
	Accounts   []gqltest.NestedAccount
}

// TestAPINestedReadStatements: a page of accounts with their buyers, users, contracts and
// latest feedback costs the same number of SQL statements whatever the page size.
func TestAPINestedReadStatements(t *testing.T) {
	counter := &statements{}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		g := gqltest.New(env, "acme", "ADMIN", "alice")
		ctx := context.Background()
		const accounts = 60
		seedAccounts(t, g, accounts)
		if _, err := gqltest.ViewerMember(ctx, g); err != nil { // the member exists: no provisioning below
			t.Fatal(err)
		}

		// The same page with the fields derived through loaders (health, perception, seat
		// utilisation), batched over the page.
		for name, derived := range map[string]bool{"edges": false, "edges and derived fields": true} {
			t.Run(name, func(t *testing.T) {
				run := func(first int) (nestedPage, []string) {
					t.Helper()
					counter.reset()
					r, err := gqltest.NestedAccountPage(ctx, g, first, derived)
					taken := counter.taken()
					if err != nil {
						t.Fatal(err)
					}
					page := nestedPage{TotalCount: r.Accounts.TotalCount}
					for _, e := range r.Accounts.Edges {
						page.Accounts = append(page.Accounts, e.Node.NestedAccount)
					}
					return page, taken
				}
				checkNestedPages(t, name, accounts, run)
			})
		}
	}, counter.option())
}

// checkNestedPages reads a page of 5 and of 50 accounts, checks what they hold and that they
// cost the same statements.
func checkNestedPages(t *testing.T, name string, accounts int, run func(first int) (nestedPage, []string)) {
	run(5) // warm the parse cache and the token's member
	small, fewSQL := run(5)
	large, manySQL := run(50)

	for _, tc := range []struct {
		page nestedPage
		want int
	}{{small, 5}, {large, 50}} {
		if tc.page.TotalCount != accounts || len(tc.page.Accounts) != tc.want {
			t.Fatalf("page of %d: totalCount %d, %d edges", tc.want, tc.page.TotalCount, len(tc.page.Accounts))
		}
		for i, n := range tc.page.Accounts {
			suffix := fmt.Sprintf("%03d", i)
			if n.Name != "Account "+suffix {
				t.Fatalf("edge %d is %q", i, n.Name)
			}
			if len(n.BuyingContacts.Edges) != 1 || n.BuyingContacts.Edges[0].Node.Person.Email != "buyer"+suffix+"@customer.example" ||
				!n.BuyingContacts.Edges[0].Node.Primary {
				t.Errorf("%s buying contacts: %s", n.Name, dump(n.BuyingContacts))
			}
			if n.EndUsers.TotalCount != 1 || len(n.EndUsers.Edges) != 1 || n.EndUsers.Edges[0].Node.Person.Name != "User "+suffix {
				t.Errorf("%s end users: %s", n.Name, dump(n.EndUsers))
			}
			if len(n.Contracts.Edges) != 1 || n.Contracts.Edges[0].Node.Number != "C-"+suffix ||
				!sameFloat(n.Contracts.Edges[0].Node.SeatUtilisation, ptr(0.1)) ||
				n.Contracts.Edges[0].Node.SignedBy == nil || n.Contracts.Edges[0].Node.SignedBy.Person.Email != "buyer"+suffix+"@customer.example" {
				t.Errorf("%s contracts: %s", n.Name, dump(n.Contracts))
			}
			if len(n.Feedback.Edges) != 1 || derefOr(n.Feedback.Edges[0].Node.Body) != "latest acc-"+suffix ||
				n.Feedback.Edges[0].Node.Persona != gqltest.PersonaEndUser || n.Feedback.Edges[0].Node.Author.Name != "User "+suffix {
				t.Errorf("%s latest feedback: %s", n.Name, dump(n.Feedback))
			}
		}
	}
	t.Logf("statements for a nested page (%s): first 5: %d, first 50: %d", name, len(fewSQL), len(manySQL))
	if len(fewSQL) != len(manySQL) {
		t.Errorf("first 5 issued %d statements, first 50 %d:\n%s\n----\n%s", len(fewSQL), len(manySQL),
			strings.Join(fewSQL, "\n"), strings.Join(manySQL, "\n"))
	}
}

// derefOr is the string a nullable field holds, "" for null.
func derefOr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
