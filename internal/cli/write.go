package cli

import (
	"context"
	"fmt"
	"strings"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

func (a *app) feedbackCommand() *urfave.Command {
	kinds := enumNames(client.AllFeedbackKind)
	return group(&urfave.Command{
		Name:  "feedback",
		Usage: "capture feedback from a buyer or an end user",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{{
			Name:  "add",
			Usage: "capture feedback; the persona (purchaser or end user) follows from the author's role at the account",
			Flags: []urfave.Flag{
				&urfave.StringFlag{Name: "account", Required: true, Usage: "the account: ID, EXTERNAL_ID or NAME"},
				&urfave.StringFlag{Name: "author", Required: true, Usage: "who gave it: their email or id (a buyer or end user of the account)"},
				&urfave.StringFlag{Name: "kind", Required: true, Usage: kinds},
				&urfave.StringFlag{Name: "channel", Required: true, Usage: enumNames(client.AllChannel)},
				&urfave.IntFlag{Name: "score", Usage: "NPS 0–10 or CSAT 1–5 (required for those kinds, refused for others)"},
				&urfave.StringFlag{Name: "body", Usage: "what they said"},
				&urfave.StringSliceFlag{Name: "topic", Usage: "topics, e.g. --topic onboarding,pricing"},
				&urfave.FloatFlag{Name: "sentiment", Usage: "from -1 (negative) to 1 (positive)"},
				&urfave.StringFlag{Name: "persona", Usage: "PURCHASER or END_USER: only when the author both buys and uses at the account"},
				&urfave.StringFlag{Name: "at", Usage: "when it was given: 2025-01-31, an RFC 3339 time, or 3d (default: now)"},
				&urfave.StringFlag{Name: "external-id", Usage: "the feedback's id in another system"},
			},
			Action: a.feedbackAdd,
		}},
	})
}

func enumNames[T ~string](all []T) string {
	names := make([]string, len(all))
	for i, v := range all {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

type feedbackJSON struct {
	ID         string         `json:"id"`
	Account    accountRefJSON `json:"account"`
	Author     personRefJSON  `json:"author"`
	Persona    string         `json:"persona"`
	Channel    string         `json:"channel"`
	Kind       string         `json:"kind"`
	Score      *int           `json:"score"`
	Sentiment  *float64       `json:"sentiment"`
	Body       *string        `json:"body"`
	Topics     []string       `json:"topics"`
	Status     *string        `json:"status"`
	ReceivedAt string         `json:"receivedAt"`
}

func (a *app) feedbackAdd(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	kind, err := parseEnum("--kind", c.String("kind"), client.AllFeedbackKind)
	if err != nil {
		return flagError(c, err)
	}
	channel, err := parseEnum("--channel", c.String("channel"), client.AllChannel)
	if err != nil {
		return flagError(c, err)
	}
	in := client.CaptureFeedbackInput{Kind: kind, Channel: channel, Body: optional(c.String("body")),
		ExternalID: optional(c.String("external-id"))}
	for _, t := range c.StringSlice("topic") {
		if t = strings.TrimSpace(t); t != "" {
			in.Topics = append(in.Topics, t)
		}
	}
	if c.IsSet("score") {
		in.Score = ptr(c.Int("score"))
	}
	if c.IsSet("sentiment") {
		in.Sentiment = ptr(c.Float("sentiment"))
	}
	if c.IsSet("persona") {
		p, err := parseEnum("--persona", c.String("persona"), client.AllPersona)
		if err != nil {
			return flagError(c, err)
		}
		in.Persona = &p
	}
	if v := c.String("at"); v != "" {
		t, err := parseTime("--at", v, a.env.Now())
		if err != nil {
			return flagError(c, err)
		}
		in.ReceivedAt = &t
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	acc, err := s.account(ctx, c.String("account"))
	if err != nil {
		return err
	}
	author, err := s.person(ctx, c.String("author"))
	if err != nil {
		return err
	}
	in.AccountID, in.AuthorID = acc.Id, author.Id
	resp, err := client.CaptureFeedback(ctx, s.gql, in)
	if err != nil {
		return err
	}
	f := resp.CaptureFeedback
	if s.json {
		var status *string
		if f.Status != nil {
			status = ptr(string(*f.Status))
		}
		return s.printJSON(feedbackJSON{
			ID: f.Id, Account: accountRefJSON{ID: f.Account.Id, ExternalID: acc.ExternalID, Name: f.Account.Name},
			Author:  personRefJSON{ID: f.Author.Id, Name: f.Author.Name, Email: f.Author.Email},
			Persona: string(f.Persona), Channel: string(f.Channel), Kind: string(f.Kind), Score: f.Score,
			Sentiment: f.Sentiment, Body: f.Body, Topics: nonNil(f.Topics), Status: status,
			ReceivedAt: f.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		})
	}
	score := ""
	if f.Score != nil {
		score = fmt.Sprintf(" %d", *f.Score)
	}
	fmt.Fprintf(s.out, "Captured %s%s from %s (%s) on %s: %s\n", f.Kind, score, f.Author.Name, f.Persona, f.Account.Name, f.Id)
	if f.Status != nil {
		fmt.Fprintf(s.out, "The complaint is %s.\n", *f.Status)
	}
	return nil
}

func (a *app) contactsCommand() *urfave.Command {
	return group(&urfave.Command{
		Name:  "contacts",
		Usage: "buying contacts: the people who buy",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{{
			Name:  "add",
			Usage: "add a buying contact to an account by email (an existing person is reused)",
			Flags: []urfave.Flag{
				&urfave.StringFlag{Name: "account", Required: true, Usage: "the account: ID, EXTERNAL_ID or NAME"},
				&urfave.StringFlag{Name: "email", Required: true, Usage: "the person's email"},
				&urfave.StringFlag{Name: "name", Usage: "the person's name (required when the email is new)"},
				&urfave.StringFlag{Name: "title", Usage: "the person's job title"},
				&urfave.StringSliceFlag{Name: "role", Usage: "buying roles: " + enumNames(client.AllBuyingRole)},
				&urfave.BoolFlag{Name: "primary", Usage: "the account's main purchasing contact"},
				&urfave.StringFlag{Name: "influence", Usage: enumNames(client.AllBuyingContactInfluence)},
			},
			Action: a.contactsAdd,
		}},
	})
}

type contactJSON struct {
	ID        string         `json:"id"`
	Account   accountRefJSON `json:"account"`
	Person    personRefJSON  `json:"person"`
	Roles     []string       `json:"roles"`
	Primary   bool           `json:"primary"`
	Influence *string        `json:"influence"`
}

func (a *app) contactsAdd(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	roles, err := parseEnums("--role", c.StringSlice("role"), client.AllBuyingRole)
	if err != nil {
		return flagError(c, err)
	}
	in := client.AddBuyingContactInput{Email: c.String("email"), Name: optional(c.String("name")),
		Title: optional(c.String("title")), Roles: roles}
	if c.IsSet("primary") {
		in.Primary = ptr(c.Bool("primary"))
	}
	if v := c.String("influence"); v != "" {
		inf, err := parseEnum("--influence", v, client.AllBuyingContactInfluence)
		if err != nil {
			return flagError(c, err)
		}
		in.Influence = &inf
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	acc, err := s.account(ctx, c.String("account"))
	if err != nil {
		return err
	}
	in.AccountID = acc.Id
	resp, err := client.AddBuyingContact(ctx, s.gql, in)
	if err != nil {
		return err
	}
	b := resp.AddBuyingContact
	if s.json {
		roles := []string{}
		for _, r := range b.Roles {
			roles = append(roles, string(r))
		}
		var influence *string
		if b.Influence != nil {
			influence = ptr(string(*b.Influence))
		}
		return s.printJSON(contactJSON{ID: b.Id, Account: accountRefJSON{ID: b.Account.Id, ExternalID: acc.ExternalID, Name: b.Account.Name},
			Person: personRefJSON{ID: b.Person.Id, Name: b.Person.Name, Email: b.Person.Email}, Roles: roles, Primary: b.Primary, Influence: influence})
	}
	primary := ""
	if b.Primary {
		primary = ", primary"
	}
	fmt.Fprintf(s.out, "Added %s <%s> as a buyer of %s (%s%s): %s\n", b.Person.Name, b.Person.Email, b.Account.Name, joinEnums(b.Roles), primary, b.Id)
	return nil
}

func (a *app) endUsersCommand() *urfave.Command {
	return group(&urfave.Command{
		Name:  "endusers",
		Usage: "end users: the people who use the product",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{{
			Name:  "add",
			Usage: "add an end user to an account by email (an existing person is reused)",
			Flags: []urfave.Flag{
				&urfave.StringFlag{Name: "account", Required: true, Usage: "the account: ID, EXTERNAL_ID or NAME"},
				&urfave.StringFlag{Name: "email", Required: true, Usage: "the person's email"},
				&urfave.StringFlag{Name: "name", Usage: "the person's name (required when the email is new)"},
				&urfave.StringFlag{Name: "title", Usage: "the person's job title"},
				&urfave.StringFlag{Name: "department", Usage: "their department"},
				&urfave.StringFlag{Name: "job-role", Usage: "what they do with the product"},
				&urfave.StringFlag{Name: "status", Usage: enumNames(client.AllEndUserStatus)},
				&urfave.BoolFlag{Name: "licensed", Usage: "holds a licensed seat"},
			},
			Action: a.endUsersAdd,
		}},
	})
}

type endUserAddedJSON struct {
	ID         string         `json:"id"`
	Account    accountRefJSON `json:"account"`
	Person     personRefJSON  `json:"person"`
	Department *string        `json:"department"`
	JobRole    *string        `json:"jobRole"`
	Status     string         `json:"status"`
	Licensed   bool           `json:"licensed"`
}

func (a *app) endUsersAdd(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	in := client.AddEndUserInput{Email: c.String("email"), Name: optional(c.String("name")), Title: optional(c.String("title")),
		Department: optional(c.String("department")), JobRole: optional(c.String("job-role"))}
	if v := c.String("status"); v != "" {
		st, err := parseEnum("--status", v, client.AllEndUserStatus)
		if err != nil {
			return flagError(c, err)
		}
		in.Status = &st
	}
	if c.IsSet("licensed") {
		in.Licensed = ptr(c.Bool("licensed"))
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	acc, err := s.account(ctx, c.String("account"))
	if err != nil {
		return err
	}
	in.AccountID = acc.Id
	resp, err := client.AddEndUser(ctx, s.gql, in)
	if err != nil {
		return err
	}
	u := resp.AddEndUser
	if s.json {
		return s.printJSON(endUserAddedJSON{ID: u.Id, Account: accountRefJSON{ID: u.Account.Id, ExternalID: acc.ExternalID, Name: u.Account.Name},
			Person: personRefJSON{ID: u.Person.Id, Name: u.Person.Name, Email: u.Person.Email}, Department: u.Department,
			JobRole: u.JobRole, Status: string(u.Status), Licensed: u.Licensed})
	}
	fmt.Fprintf(s.out, "Added %s <%s> as an end user of %s (%s, licensed: %s): %s\n", u.Person.Name, u.Person.Email, u.Account.Name,
		u.Status, yesNo(u.Licensed), u.Id)
	return nil
}
