package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/stakegraph/stakegraph/client"
)

// The commands name accounts, people and councils the way people know them: an id, an
// external id, a name or an email. An id or an external id wins over a name; a name that
// several share is refused with the candidates.

func (s *session) account(ctx context.Context, key string) (*client.AccountRef, error) {
	key = strings.TrimSpace(key)
	resp, err := client.FindAccounts(ctx, s.gql, key, key)
	if err != nil {
		return nil, err
	}
	var byName []*client.AccountRef
	for _, e := range resp.Accounts.Edges {
		a := e.Node
		if a.Id == key || (a.ExternalID != nil && *a.ExternalID == key) {
			return a, nil
		}
		byName = append(byName, a)
	}
	switch len(byName) {
	case 0:
		return nil, notFoundf("no account %q: no id, external id or name matches (or the account is not yours to see)", key)
	case 1:
		return byName[0], nil
	}
	var lines []string
	for _, a := range byName {
		lines = append(lines, fmt.Sprintf("%s  %s  (external id %s)", a.Id, a.Name, str(a.ExternalID)))
	}
	return nil, &Error{Exit: ExitError, Message: fmt.Sprintf("%d accounts are called %q", len(byName), key),
		Hint: "name one by id or external id:\n    " + strings.Join(lines, "\n    ")}
}

func (s *session) person(ctx context.Context, key string) (*client.PersonRef, error) {
	key = strings.TrimSpace(key)
	resp, err := client.FindPeople(ctx, s.gql, key, key)
	if err != nil {
		return nil, err
	}
	for _, e := range resp.People.Edges {
		p := e.Node
		if p.Id == key || strings.EqualFold(p.Email, key) || (p.ExternalID != nil && *p.ExternalID == key) {
			return p, nil
		}
	}
	return nil, &Error{Exit: ExitNotFound, Code: "NOT_FOUND",
		Message: fmt.Sprintf("no person %q: no id, email or external id matches", key),
		Hint:    "add them to an account first: `stakegraph contacts add` (a buyer) or `stakegraph endusers add` (a user)"}
}

func (s *session) council(ctx context.Context, key string) (*client.CouncilRef, error) {
	key = strings.TrimSpace(key)
	resp, err := client.FindCouncils(ctx, s.gql, key, key)
	if err != nil {
		return nil, err
	}
	edges := resp.UserCouncils.Edges
	for _, e := range edges {
		if e.Node.Id == key {
			return e.Node, nil
		}
	}
	switch len(edges) {
	case 0:
		return nil, notFoundf("no council %q: no id or name matches", key)
	case 1:
		return edges[0].Node, nil
	}
	var lines []string
	for _, e := range edges {
		lines = append(lines, e.Node.Id+"  "+e.Node.Name)
	}
	return nil, &Error{Exit: ExitError, Message: fmt.Sprintf("%d councils are called %q", len(edges), key),
		Hint: "name one by id:\n    " + strings.Join(lines, "\n    ")}
}
