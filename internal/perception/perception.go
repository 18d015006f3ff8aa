// Package perception measures the two voices of an account: per persona the NPS (counting each
// person's latest response in the window), CSAT and sentiment; the gap between purchaser and
// end user; the topics on which they disagree; and the monthly trend. The database computes
// every figure with aggregates; no feedback row is loaded into Go. Every query goes through the
// ent client, so the access rules apply to the figures as to any read.
package perception

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/enum"
)

// DefaultWindow is how far back a window reaches when it names no start.
const DefaultWindow = 365 * 24 * time.Hour

// Window bounds the feedback that counts: received at or after Since and before Until.
type Window struct {
	Since time.Time
	Until time.Time
}

// NewWindow returns the window from since (default: DefaultWindow before until) to until
// (default: now).
func NewWindow(since, until *time.Time, now time.Time) Window {
	w := Window{Until: now}
	if until != nil {
		w.Until = *until
	}
	w.Since = w.Until.Add(-DefaultWindow)
	if since != nil {
		w.Since = *since
	}
	return w
}

// PersonaPerception is one voice over the window.
type PersonaPerception struct {
	Persona       enum.Persona
	Responses     int      // feedback of any kind
	NPSResponses  int      // people counted: each person's latest NPS response
	Promoters     int      // of them, scores 9–10
	Passives      int      // 7–8
	Detractors    int      // 0–6
	NPS           *float64 // % promoters − % detractors; nil without responses
	CSATResponses int
	CSAT          *float64 // mean CSAT score (1–5)
	Sentiment     *float64 // mean sentiment (−1 to 1) of feedback that has one
}

// TopicStat is how often one persona raised a topic and how they felt about it.
type TopicStat struct {
	Count     int
	Sentiment *float64
}

// TopicPerception compares the personas on one topic.
type TopicPerception struct {
	Topic     string
	Purchaser *TopicStat
	EndUser   *TopicStat
	// SentimentGap is the purchasers' mean sentiment minus the end users'; nil unless both
	// raised the topic with a sentiment.
	SentimentGap *float64
}

// TrendPoint is one persona's perception in one calendar month (UTC).
type TrendPoint struct {
	Month     string // YYYY-MM
	Persona   enum.Persona
	Responses int
	NPS       *float64
	CSAT      *float64
	Sentiment *float64
}

// Perception is both voices of an account (or of a council's members) side by side.
type Perception struct {
	Window    Window
	Purchaser PersonaPerception
	EndUser   PersonaPerception
	NPSGap    *float64 // purchaser NPS − end-user NPS; nil when either has no response
	CSATGap   *float64 // purchaser CSAT − end-user CSAT
	Topics    []TopicPerception
	Trend     []TrendPoint
}

// ForAccounts returns the perception of each account over the window, with one query per
// figure for all of them.
func ForAccounts(ctx context.Context, c *ent.Client, accountIDs []string, w Window) (map[string]*Perception, error) {
	out := make(map[string]*Perception, len(accountIDs))
	for _, id := range accountIDs {
		out[id] = &Perception{Window: w,
			Purchaser: PersonaPerception{Persona: enum.PersonaPurchaser},
			EndUser:   PersonaPerception{Persona: enum.PersonaEndUser}}
	}
	err := measure(ctx, c, feedback.AccountIDIn(accountIDs...), feedback.FieldAccountID, w,
		func(key string) *Perception { return out[key] })
	return out, err
}

// Of returns the perception of the feedback that matches the predicate (a council's members'
// feedback, say) over the window.
func Of(ctx context.Context, c *ent.Client, which predicate.Feedback, w Window) (*Perception, error) {
	p := &Perception{Window: w,
		Purchaser: PersonaPerception{Persona: enum.PersonaPurchaser},
		EndUser:   PersonaPerception{Persona: enum.PersonaEndUser}}
	err := measure(ctx, c, which, "", w, func(string) *Perception { return p })
	return p, err
}

// measure runs the aggregates, grouped by the column (none: one group), and fills in the
// perceptions.
func measure(ctx context.Context, c *ent.Client, which predicate.Feedback, groupBy string, w Window,
	target func(key string) *Perception) error {
	q := func() *ent.FeedbackQuery {
		return c.Feedback.Query().Where(which, feedback.ReceivedAtGTE(w.Since), feedback.ReceivedAtLT(w.Until))
	}
	nps, err := npsCounts(ctx, q(), groupBy, "", w)
	if err != nil {
		return err
	}
	for _, r := range nps {
		if p := target(r.Key); p != nil {
			v := p.voice(r.Persona)
			v.NPSResponses, v.Promoters, v.Passives, v.Detractors = r.total(), r.Promoters, r.Passives, r.Detractors
			v.NPS = r.score()
		}
	}
	means, err := personaMeans(ctx, q(), groupBy, "")
	if err != nil {
		return err
	}
	for _, r := range means {
		if p := target(r.Key); p != nil {
			v := p.voice(r.Persona)
			v.Responses, v.CSATResponses = r.Responses, r.CSATResponses
			v.CSAT, v.Sentiment = r.csat(), nullable(r.Sentiment)
		}
	}
	topics, err := topicStats(ctx, q(), groupBy)
	if err != nil {
		return err
	}
	byTopic := map[string]map[string]*TopicPerception{}
	for _, r := range topics {
		p := target(r.Key)
		if p == nil {
			continue
		}
		if byTopic[r.Key] == nil {
			byTopic[r.Key] = map[string]*TopicPerception{}
		}
		t := byTopic[r.Key][r.Topic]
		if t == nil {
			t = &TopicPerception{Topic: r.Topic}
			byTopic[r.Key][r.Topic] = t
		}
		stat := &TopicStat{Count: r.Count, Sentiment: nullable(r.Sentiment)}
		if r.Persona == enum.PersonaPurchaser {
			t.Purchaser = stat
		} else {
			t.EndUser = stat
		}
	}
	trendNPS, err := npsCounts(ctx, q(), groupBy, "month", w)
	if err != nil {
		return err
	}
	trendMeans, err := personaMeans(ctx, q(), groupBy, "month")
	if err != nil {
		return err
	}
	trend := map[string]map[string]*TrendPoint{}
	point := func(key, month string, persona enum.Persona) *TrendPoint {
		if trend[key] == nil {
			trend[key] = map[string]*TrendPoint{}
		}
		id := month + string(persona)
		if trend[key][id] == nil {
			trend[key][id] = &TrendPoint{Month: month, Persona: persona}
		}
		return trend[key][id]
	}
	for _, r := range trendMeans {
		tp := point(r.Key, r.Month, r.Persona)
		tp.Responses, tp.CSAT, tp.Sentiment = r.Responses, r.csat(), nullable(r.Sentiment)
	}
	for _, r := range trendNPS {
		point(r.Key, r.Month, r.Persona).NPS = r.score()
	}
	for key := range collectKeys(nps, means, topics, trendMeans) {
		p := target(key)
		if p == nil {
			continue
		}
		p.Finish(byTopic[key], trend[key])
	}
	return nil
}

func collectKeys(nps []npsRow, means []meanRow, topics []topicRow, trend []meanRow) map[string]bool {
	keys := map[string]bool{}
	for _, r := range nps {
		keys[r.Key] = true
	}
	for _, r := range means {
		keys[r.Key] = true
	}
	for _, r := range topics {
		keys[r.Key] = true
	}
	for _, r := range trend {
		keys[r.Key] = true
	}
	return keys
}

func (p *Perception) voice(persona enum.Persona) *PersonaPerception {
	if persona == enum.PersonaPurchaser {
		return &p.Purchaser
	}
	return &p.EndUser
}

// Finish derives the gaps from both voices and puts in order the topics and the trend (keyed
// as the caller likes): every way of measuring a perception ends here.
func (p *Perception) Finish(topics map[string]*TopicPerception, trend map[string]*TrendPoint) {
	p.NPSGap = Gap(p.Purchaser.NPS, p.EndUser.NPS)
	p.CSATGap = Gap(p.Purchaser.CSAT, p.EndUser.CSAT)
	p.Topics = p.Topics[:0]
	for _, t := range topics {
		if t.Purchaser != nil && t.EndUser != nil {
			t.SentimentGap = Gap(t.Purchaser.Sentiment, t.EndUser.Sentiment)
		}
		p.Topics = append(p.Topics, *t)
	}
	slices.SortFunc(p.Topics, compareTopics)
	p.Trend = p.Trend[:0]
	for _, tp := range trend {
		p.Trend = append(p.Trend, *tp)
	}
	slices.SortFunc(p.Trend, func(a, b TrendPoint) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Persona, b.Persona))
	})
}

// compareTopics puts first the topics where the personas disagree most (largest sentiment gap),
// then topics raised by both, then by how often they were raised.
func compareTopics(a, b TopicPerception) int {
	gap := func(t TopicPerception) float64 {
		if t.SentimentGap == nil {
			return -1
		}
		return math.Abs(*t.SentimentGap)
	}
	both := func(t TopicPerception) int {
		if t.Purchaser != nil && t.EndUser != nil {
			return 1
		}
		return 0
	}
	count := func(t TopicPerception) int {
		n := 0
		if t.Purchaser != nil {
			n += t.Purchaser.Count
		}
		if t.EndUser != nil {
			n += t.EndUser.Count
		}
		return n
	}
	return cmp.Or(
		cmp.Compare(gap(b), gap(a)),
		cmp.Compare(both(b), both(a)),
		cmp.Compare(count(b), count(a)),
		cmp.Compare(a.Topic, b.Topic),
	)
}

// Gap is a − b, the purchasers' figure minus the end users'; nil unless both are known.
func Gap(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	d := *a - *b
	return &d
}

// Since returns the start of the window.
func (p *Perception) Since() time.Time { return p.Window.Since }

// Until returns the end of the window.
func (p *Perception) Until() time.Time { return p.Window.Until }
