package bulksync

import (
	"context"
	"fmt"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/account"
	"github.com/stakegraph/stakegraph/ent/buyingcontact"
	"github.com/stakegraph/stakegraph/ent/contract"
	"github.com/stakegraph/stakegraph/ent/enduser"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/interaction"
	"github.com/stakegraph/stakegraph/ent/person"
	"github.com/stakegraph/stakegraph/schema/rule"
)

// mayWrite asks the type's privacy policy whether the viewer may write rows of the type in
// bulk: it evaluates the policy on a create mutation of the type, marked as a bulk write. Who
// may sync is so decided where every other access rule is (rule.BulkWriters), not here.
func mayWrite(ctx context.Context, c *ent.Client, typ string) error {
	var m ent.Mutation
	var policy ent.Policy
	switch typ {
	case ent.TypeAccount:
		m, policy = c.Account.Create().Mutation(), account.Policy
	case ent.TypePerson:
		m, policy = c.Person.Create().Mutation(), person.Policy
	case ent.TypeBuyingContact:
		m, policy = c.BuyingContact.Create().Mutation(), buyingcontact.Policy
	case ent.TypeEndUser:
		m, policy = c.EndUser.Create().Mutation(), enduser.Policy
	case ent.TypeContract:
		m, policy = c.Contract.Create().Mutation(), contract.Policy
	case ent.TypeInteraction:
		m, policy = c.Interaction.Create().Mutation(), interaction.Policy
	case ent.TypeFeedback:
		m, policy = c.Feedback.Create().Mutation(), feedback.Policy
	default:
		return fmt.Errorf("bulksync: no policy for %s", typ)
	}
	return policy.EvalMutation(rule.Bulk(ctx), m)
}
