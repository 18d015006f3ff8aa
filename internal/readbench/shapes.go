package readbench

// A Shape is one read a partner front end makes: a fixed GraphQL document, named by its
// operation, and the variables of its n-th request. Both servers answer it; the baseline
// recognises it by its operation name.
type Shape struct {
	Name     string // the document's operation name
	Document string
	// Vars returns the variables of the shape's n-th request (nil: none). Requests vary only
	// where a front end's would: which account a page is about.
	Vars func(n int) map[string]any
}

// Operation names of the shapes.
const (
	SimplePageOp     = "SimplePage"
	NestedPageOp     = "NestedPage"
	AccountPageOp    = "AccountPage"
	AccountVoicesOp  = "AccountVoices"
	PerceptionGapsOp = "PerceptionGaps"
)

// simplePage is a list of 20 accounts with four scalar fields.
const simplePage = `query SimplePage {
  accounts(first: 20, orderBy: [{field: NAME}]) {
    edges { node { id name tier stage } }
  }
}`

// nestedPage is 20 accounts, each with 5 buying contacts and their person, 5 end users and
// their person, 3 contracts and the 3 newest feedback.
const nestedPage = `query NestedPage {
  accounts(first: 20, orderBy: [{field: NAME}]) {
    edges { node {
      id name tier stage
      buyingContacts(first: 5) { edges { node { id roles primary person { id name email } } } }
      endUsers(first: 5) { edges { node { id department status person { id name } } } }
      contracts(first: 3) { edges { node { id number status startDate endDate } } }
      feedback(first: 3, orderBy: [{field: RECEIVED_AT, direction: DESC}]) {
        edges { node { id kind score persona body receivedAt } }
      }
    } }
  }
}`

// accountPage is the README's page of accounts with their buyers, users, contracts and latest
// feedback.
const accountPage = `query AccountPage {
  accounts(first: 5, where: {tierIn: [STRATEGIC, KEY]}, orderBy: [{field: NAME}]) {
    totalCount
    edges {
      node {
        name tier stage owner { name }
        buyingContacts(first: 5) { edges { node { roles primary person { name email } } } }
        endUsers(first: 5, where: {status: ACTIVE}) { totalCount edges { node { department person { name } } } }
        contracts(first: 3) { edges { node { number status endDate daysToRenewal seatUtilisation } } }
        feedback(first: 1, orderBy: [{field: RECEIVED_AT, direction: DESC}]) {
          edges { node { kind score persona body author { name } } }
        }
      }
    }
  }
}`

// accountVoices is one account's perception and health.
const accountVoices = `query AccountVoices($id: ID!) {
  node(id: $id) {
    ... on Account {
      id name
      perception {
        npsGap csatGap
        purchaser { persona responses npsResponses promoters passives detractors nps csatResponses csat sentiment }
        endUser { persona responses npsResponses promoters passives detractors nps csatResponses csat sentiment }
        topics { topic sentimentGap purchaser { count sentiment } endUser { count sentiment } }
        trend { month persona responses nps csat sentiment }
      }
      health { score band reasons factors { name value weight subscore contribution } }
    }
  }
}`

// perceptionGaps is the tenant's first 20 accounts ranked by the gap between the voices.
const perceptionGaps = `query PerceptionGaps {
  perceptionGaps(first: 20) {
    totalCount
    edges { cursor node { npsGap purchaserNps endUserNps purchaserResponses endUserResponses account { id name tier } } }
    pageInfo { hasNextPage endCursor }
  }
}`

// Shapes returns the shapes; the account pages ask in turn about the accounts.
func Shapes(accounts []string) []Shape {
	none := func(int) map[string]any { return nil }
	return []Shape{
		{SimplePageOp, simplePage, none},
		{NestedPageOp, nestedPage, none},
		{AccountPageOp, accountPage, none},
		{AccountVoicesOp, accountVoices, func(n int) map[string]any {
			return map[string]any{"id": accounts[n%len(accounts)]}
		}},
		{PerceptionGapsOp, perceptionGaps, none},
	}
}
