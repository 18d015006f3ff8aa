package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

func (a *app) councilsCommand() *urfave.Command {
	return group(&urfave.Command{
		Name:  "councils",
		Usage: "user councils: end users who meet, give feedback and champion the product",
		Flags: a.commonFlags(),
		Commands: []*urfave.Command{
			{
				Name:  "list",
				Usage: "list councils",
				Flags: []urfave.Flag{
					&urfave.StringFlag{Name: "account", Usage: "only the councils of this account (ID, EXTERNAL_ID or NAME)"},
					&urfave.IntFlag{Name: "limit", Value: 100, Usage: "show at most this many (0: all)"},
				},
				Action: a.councilsList,
			},
			{
				Name:      "show",
				Usage:     "show a council: members, sessions, attendance and its members' NPS",
				ArgsUsage: "ID|NAME",
				Action:    a.councilsShow,
			},
			{
				Name:  "create",
				Usage: "create a council, of one account or (without --account) across accounts",
				Flags: []urfave.Flag{
					&urfave.StringFlag{Name: "name", Required: true, Usage: "the council's name"},
					&urfave.StringFlag{Name: "account", Usage: "the account it belongs to (ID, EXTERNAL_ID or NAME)"},
					&urfave.StringFlag{Name: "purpose", Usage: "what it is for"},
					&urfave.StringFlag{Name: "status", Usage: enumNames(client.AllUserCouncilStatus)},
				},
				Action: a.councilsCreate,
			},
			{
				Name:      "add-member",
				Usage:     "seat a buyer or end user of the council's account(s) on the council",
				ArgsUsage: "COUNCIL",
				Flags: []urfave.Flag{
					&urfave.StringFlag{Name: "person", Required: true, Usage: "the person: email or id"},
					&urfave.StringFlag{Name: "role", Usage: enumNames(client.AllCouncilMembershipRole) + " (default MEMBER)"},
					&urfave.StringFlag{Name: "joined", Usage: "when they joined (default: now)"},
				},
				Action: a.councilsAddMember,
			},
			{
				Name:      "record-session",
				Usage:     "record a council session and who attended",
				ArgsUsage: "COUNCIL",
				Flags: []urfave.Flag{
					&urfave.StringFlag{Name: "at", Value: "now", Usage: "when it was held: 2025-01-31, an RFC 3339 time, or 3d"},
					&urfave.StringFlag{Name: "title", Usage: "its title"},
					&urfave.StringFlag{Name: "agenda", Usage: "its agenda"},
					&urfave.StringFlag{Name: "notes", Usage: "notes taken"},
					&urfave.StringSliceFlag{Name: "attendee", Usage: "a member who attended: email or id (repeat)"},
				},
				Action: a.councilsRecordSession,
			},
		},
	})
}

type councilListJSON struct {
	TotalCount int                  `json:"totalCount"`
	Councils   []councilSummaryJSON `json:"councils"`
}

type councilSummaryJSON struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Purpose  *string         `json:"purpose"`
	Status   string          `json:"status"`
	Account  *accountRefJSON `json:"account"`
	Members  int             `json:"members"`
	Sessions int             `json:"sessions"`
}

func (a *app) councilsList(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	var accountID *string
	if key := c.String("account"); key != "" {
		acc, err := s.account(ctx, key)
		if err != nil {
			return err
		}
		accountID = &acc.Id
	}
	councils, total, err := collect(c.Int("limit"), func(first int, after *string) ([]*client.CouncilSummary, client.Page, int, error) {
		resp, err := client.ListCouncils(ctx, s.gql, first, after, accountID)
		if err != nil {
			return nil, client.Page{}, 0, err
		}
		var out []*client.CouncilSummary
		for _, e := range resp.UserCouncils.Edges {
			out = append(out, e.Node)
		}
		return out, resp.UserCouncils.PageInfo, resp.UserCouncils.TotalCount, nil
	})
	if err != nil {
		return err
	}
	if s.json {
		out := councilListJSON{TotalCount: total, Councils: []councilSummaryJSON{}}
		for _, k := range councils {
			v := councilSummaryJSON{ID: k.Id, Name: k.Name, Purpose: k.Purpose, Status: string(k.Status),
				Members: k.Memberships.TotalCount, Sessions: k.Sessions.TotalCount}
			if k.Account != nil {
				v.Account = &accountRefJSON{ID: k.Account.Id, ExternalID: k.Account.ExternalID, Name: k.Account.Name}
			}
			out.Councils = append(out.Councils, v)
		}
		return s.printJSON(out)
	}
	if len(councils) == 0 {
		fmt.Fprintln(s.out, "No councils.")
		return nil
	}
	t := newTable("NAME", "STATUS", "ACCOUNT", "MEMBERS", "SESSIONS", "ID").alignRight(3, 4)
	for _, k := range councils {
		account := "(across accounts)"
		if k.Account != nil {
			account = k.Account.Name
		}
		t.add(k.Name, string(k.Status), account, strconv.Itoa(k.Memberships.TotalCount), strconv.Itoa(k.Sessions.TotalCount), k.Id)
	}
	t.print(s.out)
	s.more(len(councils), total, "councils")
	return nil
}

type councilDetailJSON struct {
	councilSummaryJSON
	MembersList    []councilMemberJSON  `json:"memberships"`
	SessionsList   []councilSessionJSON `json:"recentSessions"`
	AttendanceRate *float64             `json:"attendanceRate"`
	PurchaserNPS   *float64             `json:"purchaserNps"`
	EndUserNPS     *float64             `json:"endUserNps"`
	NPSGap         *float64             `json:"npsGap"`
}

type councilMemberJSON struct {
	ID       string        `json:"id"`
	Person   personRefJSON `json:"person"`
	Role     string        `json:"role"`
	JoinedAt time.Time     `json:"joinedAt"`
	LeftAt   *time.Time    `json:"leftAt"`
}

type councilSessionJSON struct {
	ID        string    `json:"id"`
	HeldAt    time.Time `json:"heldAt"`
	Title     *string   `json:"title"`
	Attendees int       `json:"attendees"`
}

func (a *app) councilsShow(ctx context.Context, c *urfave.Command) error {
	argv, err := args(c, "the council (ID or NAME)")
	if err != nil {
		return err
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	ref, err := s.council(ctx, argv[0])
	if err != nil {
		return err
	}
	resp, err := client.CouncilDetail(ctx, s.gql, ref.Id)
	if err != nil {
		return err
	}
	if len(resp.UserCouncils.Edges) == 0 {
		return notFoundf("council %s is gone", ref.Id)
	}
	k := resp.UserCouncils.Edges[0].Node
	current := k.CurrentMembers.TotalCount
	if s.json {
		out := councilDetailJSON{
			councilSummaryJSON: councilSummaryJSON{ID: k.Id, Name: k.Name, Purpose: k.Purpose, Status: string(k.Status),
				Members: current, Sessions: k.Sessions.TotalCount},
			MembersList: []councilMemberJSON{}, SessionsList: []councilSessionJSON{},
			AttendanceRate: k.Attendance.Rate, PurchaserNPS: k.Perception.Purchaser.Nps, EndUserNPS: k.Perception.EndUser.Nps,
			NPSGap: k.Perception.NpsGap,
		}
		if k.Account != nil {
			out.Account = &accountRefJSON{ID: k.Account.Id, ExternalID: k.Account.ExternalID, Name: k.Account.Name}
		}
		for _, e := range k.Memberships.Edges {
			m := e.Node
			out.MembersList = append(out.MembersList, councilMemberJSON{ID: m.Id, Role: string(m.Role), JoinedAt: m.JoinedAt, LeftAt: m.LeftAt,
				Person: personRefJSON{ID: m.Person.Id, Name: m.Person.Name, Email: m.Person.Email}})
		}
		for _, e := range k.Sessions.Edges {
			ss := e.Node
			out.SessionsList = append(out.SessionsList, councilSessionJSON{ID: ss.Id, HeldAt: ss.HeldAt, Title: ss.Title, Attendees: ss.Attendees.TotalCount})
		}
		return s.printJSON(out)
	}
	w := s.out
	fmt.Fprintf(w, "%s  (%s)\n", k.Name, k.Id)
	facts := newTable("", "")
	facts.add("Status", string(k.Status))
	if k.Account != nil {
		facts.add("Account", k.Account.Name+" ("+k.Account.Id+")")
	} else {
		facts.add("Account", "(across accounts)")
	}
	facts.add("Purpose", str(k.Purpose))
	facts.add("Attendance", percent(k.Attendance.Rate))
	facts.add("Members' NPS", fmt.Sprintf("purchasers %s (%d), end users %s (%d), gap %s",
		signed(k.Perception.Purchaser.Nps, 1), k.Perception.Purchaser.NpsResponses,
		signed(k.Perception.EndUser.Nps, 1), k.Perception.EndUser.NpsResponses, signed(k.Perception.NpsGap, 1)))
	facts.print(w)

	// Members counts those on the council now, as `councils list` does; those who left follow.
	members := newTable("NAME", "EMAIL", "ROLE", "JOINED", "ID")
	former := newTable("NAME", "EMAIL", "ROLE", "JOINED", "LEFT", "ID")
	for _, e := range k.Memberships.Edges {
		m := e.Node
		if m.LeftAt == nil {
			members.add(m.Person.Name, m.Person.Email, string(m.Role), date(m.JoinedAt), m.Id)
		} else {
			former.add(m.Person.Name, m.Person.Email, string(m.Role), date(m.JoinedAt), datePtr(m.LeftAt), m.Id)
		}
	}
	section(w, "Members", current, members)
	if left := k.Memberships.TotalCount - current; left > 0 {
		section(w, "Former members", left, former)
	}

	sessions := newTable("HELD", "TITLE", "ATTENDEES", "ID").alignRight(2)
	for _, e := range k.Sessions.Edges {
		ss := e.Node
		sessions.add(date(ss.HeldAt), str(ss.Title), strconv.Itoa(ss.Attendees.TotalCount), ss.Id)
	}
	section(w, "Sessions", k.Sessions.TotalCount, sessions)
	return nil
}

func (a *app) councilsCreate(ctx context.Context, c *urfave.Command) error {
	if _, err := args(c); err != nil {
		return err
	}
	in := client.CreateUserCouncilInput{Name: c.String("name"), Purpose: optional(c.String("purpose"))}
	if v := c.String("status"); v != "" {
		st, err := parseEnum("--status", v, client.AllUserCouncilStatus)
		if err != nil {
			return flagError(c, err)
		}
		in.Status = &st
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	if key := c.String("account"); key != "" {
		acc, err := s.account(ctx, key)
		if err != nil {
			return err
		}
		in.AccountID = &acc.Id
	}
	resp, err := client.CreateUserCouncil(ctx, s.gql, in)
	if err != nil {
		return err
	}
	k := resp.CreateUserCouncil
	if s.json {
		out := councilSummaryJSON{ID: k.Id, Name: k.Name, Purpose: k.Purpose, Status: string(k.Status)}
		if k.Account != nil {
			out.Account = &accountRefJSON{ID: k.Account.Id, ExternalID: k.Account.ExternalID, Name: k.Account.Name}
		}
		return s.printJSON(out)
	}
	fmt.Fprintf(s.out, "Created council %s (%s): %s\n", k.Name, k.Status, k.Id)
	return nil
}

func (a *app) councilsAddMember(ctx context.Context, c *urfave.Command) error {
	argv, err := args(c, "the council (ID or NAME)")
	if err != nil {
		return err
	}
	var in client.AddCouncilMemberInput
	if v := c.String("role"); v != "" {
		r, err := parseEnum("--role", v, client.AllCouncilMembershipRole)
		if err != nil {
			return flagError(c, err)
		}
		in.Role = &r
	}
	if v := c.String("joined"); v != "" {
		t, err := parseTime("--joined", v, a.env.Now())
		if err != nil {
			return flagError(c, err)
		}
		in.JoinedAt = &t
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	council, err := s.council(ctx, argv[0])
	if err != nil {
		return err
	}
	person, err := s.person(ctx, c.String("person"))
	if err != nil {
		return err
	}
	in.CouncilID, in.PersonID = council.Id, person.Id
	resp, err := client.AddCouncilMember(ctx, s.gql, in)
	if err != nil {
		return err
	}
	m := resp.AddCouncilMember
	if s.json {
		return s.printJSON(memberSeatedJSON{
			councilMemberJSON: councilMemberJSON{ID: m.Id, Role: string(m.Role), JoinedAt: m.JoinedAt,
				Person: personRefJSON{ID: m.Person.Id, Name: m.Person.Name, Email: m.Person.Email}},
			Council: councilRefJSON{ID: m.Council.Id, Name: m.Council.Name},
		})
	}
	fmt.Fprintf(s.out, "Seated %s <%s> on %s as %s: %s\n", m.Person.Name, m.Person.Email, m.Council.Name, m.Role, m.Id)
	return nil
}

type councilRefJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// memberSeatedJSON is what add-member prints: the seat and the council it is on.
type memberSeatedJSON struct {
	councilMemberJSON
	Council councilRefJSON `json:"council"`
}

type sessionRecordedJSON struct {
	ID        string          `json:"id"`
	Council   string          `json:"councilID"`
	HeldAt    time.Time       `json:"heldAt"`
	Title     *string         `json:"title"`
	Attendees []personRefJSON `json:"attendees"`
}

func (a *app) councilsRecordSession(ctx context.Context, c *urfave.Command) error {
	argv, err := args(c, "the council (ID or NAME)")
	if err != nil {
		return err
	}
	held, err := parseTime("--at", c.String("at"), a.env.Now())
	if err != nil {
		return flagError(c, err)
	}
	in := client.RecordCouncilSessionInput{HeldAt: held, Title: optional(c.String("title")),
		Agenda: optional(c.String("agenda")), Notes: optional(c.String("notes"))}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	council, err := s.council(ctx, argv[0])
	if err != nil {
		return err
	}
	in.CouncilID = council.Id
	for _, key := range c.StringSlice("attendee") {
		p, err := s.person(ctx, key)
		if err != nil {
			return err
		}
		in.AttendeeIDs = append(in.AttendeeIDs, p.Id)
	}
	resp, err := client.RecordCouncilSession(ctx, s.gql, in)
	if err != nil {
		return err
	}
	r := resp.RecordCouncilSession
	if s.json {
		out := sessionRecordedJSON{ID: r.Id, Council: r.Council.Id, HeldAt: r.HeldAt, Title: r.Title, Attendees: []personRefJSON{}}
		for _, e := range r.Attendees.Edges {
			out.Attendees = append(out.Attendees, personRefJSON{ID: e.Node.Id, Name: e.Node.Name, Email: e.Node.Email})
		}
		return s.printJSON(out)
	}
	fmt.Fprintf(s.out, "Recorded the %s session of %s with %s: %s\n", date(r.HeldAt), r.Council.Name, Plural(r.Attendees.TotalCount, "attendee", "attendees"), r.Id)
	return nil
}
