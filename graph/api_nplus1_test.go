package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// seedAccounts syncs n accounts, each with a buying contact, an end user, a contract and two
// feedback responses (one per persona), and returns nothing: the accounts are named
// "Account 000" … in order.
func seedAccounts(t *testing.T, c *client, n int) {
	t.Helper()
	var accounts, people, buyers, users, contracts, feedback []map[string]any
	start := time.Now().AddDate(0, -6, 0).UTC()
	for i := range n {
		acc := fmt.Sprintf("acc-%03d", i)
		accounts = append(accounts, map[string]any{"externalID": acc, "name": fmt.Sprintf("Account %03d", i),
			"tier": []string{"STRATEGIC", "KEY", "GROWTH", "STANDARD"}[i%4]})
		buyer, user := fmt.Sprintf("buyer%03d@customer.example", i), fmt.Sprintf("user%03d@customer.example", i)
		people = append(people,
			map[string]any{"externalID": "p-b-" + acc, "email": buyer, "name": fmt.Sprintf("Buyer %03d", i)},
			map[string]any{"externalID": "p-u-" + acc, "email": user, "name": fmt.Sprintf("User %03d", i)})
		buyers = append(buyers, map[string]any{"externalID": "bc-" + acc, "accountExternalID": acc,
			"personExternalID": "p-b-" + acc, "roles": []string{"ECONOMIC_BUYER"}, "primary": true})
		users = append(users, map[string]any{"externalID": "eu-" + acc, "accountExternalID": acc,
			"personExternalID": "p-u-" + acc, "department": "Ops", "status": "ACTIVE", "licensed": true})
		contracts = append(contracts, map[string]any{"externalID": "c-" + acc, "accountExternalID": acc,
			"number": fmt.Sprintf("C-%03d", i), "status": "ACTIVE", "startDate": ts(start),
			"endDate": ts(start.AddDate(1, 0, 0)), "currency": "EUR", "seats": 10, "signedByExternalID": "bc-" + acc})
		feedback = append(feedback,
			map[string]any{"externalID": "f-b-" + acc, "accountExternalID": acc, "authorExternalID": "p-b-" + acc,
				"channel": "SURVEY", "kind": "NPS", "score": i % 11, "receivedAt": ts(start.AddDate(0, 1, 0))},
			map[string]any{"externalID": "f-u-" + acc, "accountExternalID": acc, "authorExternalID": "p-u-" + acc,
				"channel": "EMAIL", "kind": "COMMENT", "body": "latest " + acc, "receivedAt": ts(start.AddDate(0, 2, 0))})
	}
	for _, step := range []struct {
		mutation, input string
		items           []map[string]any
	}{
		{"syncAccounts", "SyncAccountInput", accounts},
		{"syncPeople", "SyncPersonInput", people},
		{"syncBuyingContacts", "SyncBuyingContactInput", buyers},
		{"syncEndUsers", "SyncEndUserInput", users},
		{"syncContracts", "SyncContractInput", contracts},
		{"syncFeedback", "SyncFeedbackInput", feedback},
	} {
		var out map[string]struct {
			Committed bool
			Failed    int
			Items     []struct {
				Errors []struct{ Field, Message string }
			}
		}
		c.ok(fmt.Sprintf(`mutation($in: [%s!]!) { %s(input: $in, allOrNone: true) { committed failed items { errors { field message } } } }`,
			step.input, step.mutation), map[string]any{"in": step.items}, &out)
		if p := out[step.mutation]; !p.Committed || p.Failed != 0 {
			t.Fatalf("%s: %s", step.mutation, dump(p))
		}
	}
}

const nestedAccountPage = `query($first: Int!) {
  accounts(first: $first, orderBy: [{field: NAME}]) {
    totalCount
    edges { node {
      name tier stage owner { name }
      buyingContacts(first: 5) { edges { node { roles primary person { name email } } } }
      endUsers(first: 5, where: {status: ACTIVE}) { totalCount edges { node { department person { name } } } }
      contracts(first: 3) { edges { node { number status endDate daysToRenewal seatUtilisation signedBy { person { email } } } } }
      feedback(first: 1, orderBy: [{field: RECEIVED_AT, direction: DESC}]) {
        edges { node { kind score persona body author { name } } }
      }
    } }
  }
}`

type nestedPage struct {
	Accounts struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				Name           string
				BuyingContacts struct {
					Edges []struct {
						Node struct {
							Roles   []string
							Primary bool
							Person  struct{ Name, Email string }
						}
					}
				}
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
							Number          string
							SeatUtilisation *float64
							SignedBy        struct{ Person struct{ Email string } }
						}
					}
				}
				Feedback struct {
					Edges []struct {
						Node struct {
							Kind, Persona, Body string
							Author              struct{ Name string }
						}
					}
				}
			}
		}
	}
}

// TestAPINestedReadStatements: a page of accounts with their buyers, users, contracts and
// latest feedback costs the same number of SQL statements whatever the page size.
func TestAPINestedReadStatements(t *testing.T) {
	counter := &statements{}
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		c := newClient(t, env, "ADMIN", "alice")
		const accounts = 60
		seedAccounts(t, c, accounts)
		c.ok(`{ viewer { subject } }`, nil, nil) // the member exists: no provisioning below

		// The same page with the fields derived through loaders (health, perception, seat
		// utilisation), batched over the page.
		derived := strings.Replace(nestedAccountPage, "owner { name }", "owner { name } health { score } perception { npsGap }", 1)
		for _, q := range []struct{ name, query string }{{"edges", nestedAccountPage}, {"edges and derived fields", derived}} {
			t.Run(q.name, func(t *testing.T) {
				run := func(first int) (nestedPage, []string) {
					t.Helper()
					var page nestedPage
					counter.reset()
					r := env.Do(c.tok, q.query, map[string]any{"first": first})
					taken := counter.taken()
					r.MustOK(t, &page)
					return page, taken
				}
				checkNestedPages(t, q.name, accounts, run)
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
		edges := tc.page.Accounts.Edges
		if tc.page.Accounts.TotalCount != accounts || len(edges) != tc.want {
			t.Fatalf("page of %d: totalCount %d, %d edges", tc.want, tc.page.Accounts.TotalCount, len(edges))
		}
		for i, e := range edges {
			n := e.Node
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
				n.Contracts.Edges[0].Node.SignedBy.Person.Email != "buyer"+suffix+"@customer.example" {
				t.Errorf("%s contracts: %s", n.Name, dump(n.Contracts))
			}
			if len(n.Feedback.Edges) != 1 || n.Feedback.Edges[0].Node.Body != "latest acc-"+suffix ||
				n.Feedback.Edges[0].Node.Persona != "END_USER" || n.Feedback.Edges[0].Node.Author.Name != "User "+suffix {
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
