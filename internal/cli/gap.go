package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	urfave "github.com/urfave/cli/v3"

	"github.com/stakegraph/stakegraph/client"
)

type gapJSON struct {
	Account   accountRefJSON                                     `json:"account"`
	Since     time.Time                                          `json:"since"`
	Until     time.Time                                          `json:"until"`
	Purchaser client.PersonaFigures                              `json:"purchaser"`
	EndUser   client.PersonaFigures                              `json:"endUser"`
	NPSGap    *float64                                           `json:"npsGap"`
	CSATGap   *float64                                           `json:"csatGap"`
	Topics    []client.PerceptionDetailTopicsTopicPerception     `json:"topics"`
	Trend     []client.PerceptionDetailTrendPerceptionTrendPoint `json:"trend"`
}

func (a *app) accountsGap(ctx context.Context, c *urfave.Command) error {
	argv, err := args(c, "the account (ID, EXTERNAL_ID or NAME)")
	if err != nil {
		return err
	}
	now := a.env.Now()
	var since, until *time.Time
	if v := c.String("since"); v != "" {
		t, err := parseTime("--since", v, now)
		if err != nil {
			return flagError(c, err)
		}
		since = &t
	}
	if v := c.String("until"); v != "" {
		t, err := parseTime("--until", v, now)
		if err != nil {
			return flagError(c, err)
		}
		until = &t
	}
	s, err := a.connect(ctx, c)
	if err != nil {
		return err
	}
	ref, err := s.account(ctx, argv[0])
	if err != nil {
		return err
	}
	resp, err := client.AccountPerception(ctx, s.gql, ref.Id, since, until)
	if err != nil {
		return err
	}
	if len(resp.Accounts.Edges) == 0 {
		return notFoundf("account %s is gone", ref.Id)
	}
	node := resp.Accounts.Edges[0].Node
	p := node.Perception
	if s.json {
		return s.printJSON(gapJSON{
			Account: accountRefJSON{ID: node.Id, ExternalID: node.ExternalID, Name: node.Name},
			Since:   p.Since, Until: p.Until,
			Purchaser: p.Purchaser.PersonaFigures, EndUser: p.EndUser.PersonaFigures,
			NPSGap: p.NpsGap, CSATGap: p.CsatGap,
			Topics: nonNil(p.Topics), Trend: nonNil(p.Trend),
		})
	}
	printGap(s.out, node.Name, node.Id, &p)
	return nil
}

// printGap shows both voices side by side, the gap with a bar, and the topics on which the
// personas disagree.
func printGap(w io.Writer, name, id string, p *client.PerceptionDetail) {
	fmt.Fprintf(w, "%s  (%s)\n", name, id)
	fmt.Fprintf(w, "Perception from %s to %s\n\n", date(p.Since), date(p.Until))
	b, u := p.Purchaser.PersonaFigures, p.EndUser.PersonaFigures
	count := func(n int) string { return strconv.Itoa(n) }
	t := newTable("", "PURCHASER", "END USER", "GAP", "").alignRight(1, 2, 3)
	t.add("Responses", count(b.Responses), count(u.Responses), "", "")
	t.add("NPS responses", count(b.NpsResponses), count(u.NpsResponses), "", "")
	t.add("  promoters", count(b.Promoters), count(u.Promoters), "", "")
	t.add("  passives", count(b.Passives), count(u.Passives), "", "")
	t.add("  detractors", count(b.Detractors), count(u.Detractors), "", "")
	t.add("NPS", signed(b.Nps, 1), signed(u.Nps, 1), signed(p.NpsGap, 1), gapBar(p.NpsGap, 10))
	t.add("CSAT (1–5)", num(b.Csat, 2), num(u.Csat, 2), signed(p.CsatGap, 2), gapBar(scale(p.CsatGap, 50), 10))
	t.add("Sentiment (−1–1)", signed(b.Sentiment, 2), signed(u.Sentiment, 2), signed(diff(b.Sentiment, u.Sentiment), 2),
		gapBar(scale(diff(b.Sentiment, u.Sentiment), 100), 10))
	t.print(w)
	if p.NpsGap == nil {
		fmt.Fprintln(w, "\nNo NPS gap: it needs NPS responses from both purchasers and end users in the window.")
	}

	var topics []client.PerceptionDetailTopicsTopicPerception
	for _, tp := range p.Topics {
		if tp.SentimentGap != nil {
			topics = append(topics, tp)
		}
	}
	sort.SliceStable(topics, func(i, j int) bool { return math.Abs(*topics[i].SentimentGap) > math.Abs(*topics[j].SentimentGap) })
	fmt.Fprintln(w)
	if len(topics) == 0 {
		fmt.Fprintln(w, "Topics where they disagree: none (no topic raised by both with a sentiment)")
	} else {
		fmt.Fprintln(w, "Topics where they disagree (mean sentiment; gap = purchaser − end user)")
		tt := newTable("TOPIC", "PURCHASER", "END USER", "GAP", "").alignRight(1, 2, 3)
		for _, tp := range topics {
			var b, u string
			if tp.Purchaser != nil {
				b = topicStat(true, tp.Purchaser.Count, tp.Purchaser.Sentiment)
			} else {
				b = topicStat(false, 0, nil)
			}
			if tp.EndUser != nil {
				u = topicStat(true, tp.EndUser.Count, tp.EndUser.Sentiment)
			} else {
				u = topicStat(false, 0, nil)
			}
			tt.add(tp.Topic, b, u, signed(tp.SentimentGap, 2),
				gapBar(scale(tp.SentimentGap, 100), 10))
		}
		tt.print(w)
	}
	var one []string
	for _, tp := range p.Topics {
		if tp.SentimentGap == nil {
			who := "end users"
			if tp.Purchaser != nil {
				who = "purchasers"
			}
			one = append(one, tp.Topic+" ("+who+")")
		}
	}
	if len(one) > 0 {
		fmt.Fprintf(w, "Raised by one side only: %s\n", strings.Join(one, ", "))
	}
}

// topicStat shows how many times a persona raised a topic and with which mean sentiment.
func topicStat(present bool, count int, sentiment *float64) string {
	if !present {
		return none
	}
	return fmt.Sprintf("%d × %s", count, signed(sentiment, 2))
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := *a - *b
	return &d
}

// scale brings a gap onto the NPS scale (−200 to 200) for its bar.
func scale(p *float64, factor float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p * factor
	return &v
}

// gapBar draws an NPS-scaled gap as a bar of up to width blocks (200 points fill it) and
// says who is happier.
func gapBar(gap *float64, width int) string {
	if gap == nil {
		return ""
	}
	n := int(math.Round(math.Abs(*gap) / 200 * float64(width)))
	n = min(max(n, 0), width)
	switch {
	case *gap >= 0.5:
		return strings.Repeat("█", max(n, 1)) + " purchasers happier"
	case *gap <= -0.5:
		return strings.Repeat("█", max(n, 1)) + " end users happier"
	}
	return "= agree"
}
