package perception_test

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/latestnps"
	"github.com/stakegraph/stakegraph/internal/apitest"
	"github.com/stakegraph/stakegraph/internal/derived"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/journal"
	"github.com/stakegraph/stakegraph/internal/perception"
	"github.com/stakegraph/stakegraph/internal/viewer"
)

// fixture is an account with buyers and end users who answer NPS surveys.
type fixture struct {
	ctx     context.Context
	client  *ent.Client
	account string
	people  map[string]string // name → person id
	t       *testing.T
}

func newFixture(t *testing.T, env *apitest.Env, buyers, users []string) *fixture {
	f := &fixture{ctx: env.Viewer("acme", "ADMIN", "alice"), client: env.DB.Client, people: map[string]string{}, t: t}
	f.write(func(ctx context.Context, c *ent.Client) error {
		a, err := c.Account.Create().SetName("Globex").Save(ctx)
		if err != nil {
			return err
		}
		f.account = a.ID
		for _, name := range append(append([]string{}, buyers...), users...) {
			if _, known := f.people[name]; known {
				continue // both a buyer and an end user
			}
			p, err := c.Person.Create().SetName(name).SetEmail(name + "@globex.example").Save(ctx)
			if err != nil {
				return err
			}
			f.people[name] = p.ID
		}
		for _, name := range buyers {
			if err := c.BuyingContact.Create().SetAccountID(a.ID).SetPersonID(f.people[name]).Exec(ctx); err != nil {
				return err
			}
		}
		for _, name := range users {
			if err := c.EndUser.Create().SetAccountID(a.ID).SetPersonID(f.people[name]).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

func (f *fixture) write(fn func(ctx context.Context, c *ent.Client) error) {
	f.t.Helper()
	err := journal.Run(f.ctx, f.client, func(ctx context.Context, tx *ent.Tx) error { return fn(ctx, tx.Client()) })
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) nps(person string, persona enum.Persona, score int, at time.Time) {
	f.t.Helper()
	f.write(func(ctx context.Context, c *ent.Client) error {
		return c.Feedback.Create().SetAccountID(f.account).SetAuthorID(f.people[person]).
			SetPersona(persona).SetChannel(enum.ChannelSurvey).SetKind(feedback.KindNPS).
			SetScore(score).SetReceivedAt(at).SetTopics([]string{"onboarding"}).SetSentiment(float64(score-5) / 5).Exec(ctx)
	})
}

// fb is one piece of feedback for fixture.give.
type fb struct {
	person    string
	persona   enum.Persona
	kind      feedback.Kind
	score     *int
	sentiment *float64
	topics    []string
	at        time.Time
}

func (f *fixture) give(items ...fb) {
	f.t.Helper()
	f.write(func(ctx context.Context, c *ent.Client) error {
		for _, it := range items {
			err := c.Feedback.Create().SetAccountID(f.account).SetAuthorID(f.people[it.person]).
				SetPersona(it.persona).SetChannel(enum.ChannelSurvey).SetKind(it.kind).
				SetNillableScore(it.score).SetNillableSentiment(it.sentiment).SetTopics(it.topics).
				SetReceivedAt(it.at).Exec(ctx)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (f *fixture) perception(w perception.Window) *perception.Perception {
	f.t.Helper()
	ps, err := perception.ForAccounts(f.ctx, f.client, []string{f.account}, w)
	if err != nil {
		f.t.Fatal(err)
	}
	p := ps[f.account]
	if p == nil {
		f.t.Fatalf("no perception for the account")
	}
	return p
}

func ptr[T any](v T) *T { return &v }

const eps = 1e-9

func near(got *float64, want float64) bool { return got != nil && math.Abs(*got-want) < eps }

func show(f *float64) any {
	if f == nil {
		return "nil"
	}
	return *f
}

// expectFloat fails unless got is want (nil for want nil).
func expectFloat(t *testing.T, what string, got, want *float64) {
	t.Helper()
	if (got == nil) != (want == nil) || (want != nil && !near(got, *want)) {
		t.Errorf("%s = %v, want %v", what, show(got), show(want))
	}
}

type counts struct{ responses, promoters, passives, detractors int }

func expectCounts(t *testing.T, v perception.PersonaPerception, want counts) {
	t.Helper()
	got := counts{v.NPSResponses, v.Promoters, v.Passives, v.Detractors}
	if got != want {
		t.Errorf("%s: NPS responses/promoters/passives/detractors = %+v, want %+v", v.Persona, got, want)
	}
}

// day returns a UTC date at midnight, plus an offset.
func day(y int, m time.Month, d int, plus ...time.Duration) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, p := range plus {
		t = t.Add(p)
	}
	return t
}

func TestNPSGap(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2", "b3"}, []string{"u1", "u2", "u3", "u4"})
		now := time.Now()
		for i, s := range []int{9, 10, 10} {
			f.nps([]string{"b1", "b2", "b3"}[i], enum.PersonaPurchaser, s, now.Add(-time.Hour))
		}
		for i, s := range []int{3, 6, 8, 10} {
			f.nps([]string{"u1", "u2", "u3", "u4"}[i], enum.PersonaEndUser, s, now.Add(-time.Hour))
		}
		p := f.perception(perception.NewWindow(nil, nil, now))
		// Buyers: 3 promoters of 3 → 100. End users: 1 promoter (10), 1 passive (8),
		// 2 detractors (3, 6) of 4 → (1 − 2) / 4 = −25. Gap: 100 − (−25) = 125.
		expectCounts(t, p.Purchaser, counts{3, 3, 0, 0})
		expectCounts(t, p.EndUser, counts{4, 1, 1, 2})
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, ptr(100.0))
		expectFloat(t, "end-user NPS", p.EndUser.NPS, ptr(-25.0))
		expectFloat(t, "NPS gap", p.NPSGap, ptr(125.0))
		if p.Purchaser.Responses != 3 || p.EndUser.Responses != 4 {
			t.Errorf("responses = %d/%d, want 3/4", p.Purchaser.Responses, p.EndUser.Responses)
		}
	})
}

// TestRebuildLatestNPS checks that rebuilding the derived table from feedback gives what the
// hooks maintained row by row.
func TestRebuildLatestNPS(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2"}, []string{"u1"})
		now := time.Now()
		f.nps("b1", enum.PersonaPurchaser, 3, now.Add(-48*time.Hour))
		f.nps("b1", enum.PersonaPurchaser, 9, now.Add(-24*time.Hour))
		f.nps("b2", enum.PersonaPurchaser, 7, now.Add(-72*time.Hour))
		f.nps("u1", enum.PersonaEndUser, 2, now.Add(-time.Hour))
		f.nps("u1", enum.PersonaEndUser, 6, now.Add(-2*time.Hour))
		type latest struct {
			Persona  string `json:"persona"`
			PersonID string `json:"person_id"`
			Score    int    `json:"score"`
			Feedback string `json:"feedback_id"`
		}
		read := func() []latest {
			var rows []latest
			err := f.client.LatestNPS.Query().
				Order(latestnps.ByPersona(), latestnps.ByPersonID()).
				Select(latestnps.FieldPersona, latestnps.FieldPersonID, latestnps.FieldScore, latestnps.FieldFeedbackID).
				Scan(f.ctx, &rows)
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		maintained := read()
		scores := map[string]int{}
		for _, l := range maintained {
			scores[l.PersonID] = l.Score
		}
		want := map[string]int{f.people["b1"]: 9, f.people["b2"]: 7, f.people["u1"]: 2}
		if !reflect.DeepEqual(scores, want) {
			t.Fatalf("maintained latest scores %v, want %v", scores, want)
		}
		f.write(func(ctx context.Context, c *ent.Client) error {
			v, _ := viewer.FromContext(ctx)
			return derived.RebuildLatestNPS(ctx, c, env.DB.Dialect, v.TenantID)
		})
		if rebuilt := read(); !reflect.DeepEqual(rebuilt, maintained) {
			t.Fatalf("rebuilt %+v, maintained %+v", rebuilt, maintained)
		}
	})
}

// Only each person's latest NPS response counts: an earlier one in the window is ignored,
// whichever way it would have pulled the score.
func TestNPSCountsLatestResponseOnly(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2"}, []string{"u1"})
		now := time.Now().Truncate(time.Second)
		f.nps("b1", enum.PersonaPurchaser, 0, now.Add(-30*24*time.Hour)) // superseded
		f.nps("b1", enum.PersonaPurchaser, 10, now.Add(-2*24*time.Hour))
		f.nps("b2", enum.PersonaPurchaser, 10, now.Add(-20*24*time.Hour)) // superseded
		f.nps("b2", enum.PersonaPurchaser, 9, now.Add(-10*24*time.Hour))  // superseded
		f.nps("b2", enum.PersonaPurchaser, 4, now.Add(-3*24*time.Hour))
		// u1 answered later first in time order of capture: the capture order must not matter.
		f.nps("u1", enum.PersonaEndUser, 7, now.Add(-time.Hour))
		f.nps("u1", enum.PersonaEndUser, 10, now.Add(-5*time.Hour)) // older, captured later
		p := f.perception(perception.NewWindow(nil, nil, now))
		// Buyers: b1 10 (promoter), b2 4 (detractor) → 0. End user: u1 7 (passive) → 0.
		expectCounts(t, p.Purchaser, counts{2, 1, 0, 1})
		expectCounts(t, p.EndUser, counts{1, 0, 1, 0})
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, ptr(0.0))
		expectFloat(t, "end-user NPS", p.EndUser.NPS, ptr(0.0))
		expectFloat(t, "NPS gap", p.NPSGap, ptr(0.0))
		// Responses count every piece of feedback, not people.
		if p.Purchaser.Responses != 5 || p.EndUser.Responses != 2 {
			t.Errorf("responses = %d/%d, want 5/2", p.Purchaser.Responses, p.EndUser.Responses)
		}
	})
}

// The window runs from since (inclusive) to until (exclusive); a person whose latest response
// is after the window counts with their latest answer inside it.
func TestWindowBounds(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2", "b3"}, []string{"u1", "u2", "u3"})
		since, until := day(2024, 3, 1), day(2024, 6, 1)
		f.nps("b1", enum.PersonaPurchaser, 9, since)                   // at since: counts
		f.nps("b2", enum.PersonaPurchaser, 0, until)                   // at until: outside
		f.nps("b3", enum.PersonaPurchaser, 0, since.Add(-time.Second)) // just before: outside
		f.nps("u1", enum.PersonaEndUser, 10, day(2024, 4, 15))         // inside …
		f.nps("u1", enum.PersonaEndUser, 0, day(2024, 7, 1))           // … latest, but after until
		f.nps("u2", enum.PersonaEndUser, 0, day(2024, 2, 1))           // only before the window
		f.nps("u3", enum.PersonaEndUser, 6, until.Add(-time.Second))   // last second: counts
		p := f.perception(perception.Window{Since: since, Until: until})
		// Buyers: b1 9 → 100. End users: u1 10 (promoter), u3 6 (detractor) → 0.
		expectCounts(t, p.Purchaser, counts{1, 1, 0, 0})
		expectCounts(t, p.EndUser, counts{2, 1, 0, 1})
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, ptr(100.0))
		expectFloat(t, "end-user NPS", p.EndUser.NPS, ptr(0.0))
		expectFloat(t, "NPS gap", p.NPSGap, ptr(100.0))
		if p.Purchaser.Responses != 1 || p.EndUser.Responses != 2 {
			t.Errorf("responses in the window = %d/%d, want 1/2", p.Purchaser.Responses, p.EndUser.Responses)
		}
		// A window that holds only b2's answer and u1's later one.
		p = f.perception(perception.Window{Since: until, Until: day(2024, 8, 1)})
		expectCounts(t, p.Purchaser, counts{1, 0, 0, 1})
		expectCounts(t, p.EndUser, counts{1, 0, 0, 1})
		expectFloat(t, "NPS gap", p.NPSGap, ptr(0.0))
		// An empty window.
		p = f.perception(perception.Window{Since: day(2023, 1, 1), Until: day(2023, 12, 1)})
		expectCounts(t, p.Purchaser, counts{})
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, nil)
		expectFloat(t, "NPS gap", p.NPSGap, nil)
		if len(p.Topics) != 0 || len(p.Trend) != 0 {
			t.Errorf("an empty window has topics %+v and trend %+v", p.Topics, p.Trend)
		}
	})
}

func TestNewWindow(t *testing.T) {
	now := day(2025, 5, 10, 3*time.Hour)
	w := perception.NewWindow(nil, nil, now)
	if !w.Until.Equal(now) || !w.Since.Equal(now.Add(-perception.DefaultWindow)) {
		t.Errorf("default window = %v … %v", w.Since, w.Until)
	}
	until := day(2025, 1, 1)
	w = perception.NewWindow(nil, &until, now)
	if !w.Until.Equal(until) || !w.Since.Equal(until.Add(-365*24*time.Hour)) {
		t.Errorf("window before %v = %v … %v; want the 365 days before until", until, w.Since, w.Until)
	}
	since := day(2024, 12, 1)
	w = perception.NewWindow(&since, nil, now)
	if !w.Since.Equal(since) || !w.Until.Equal(now) {
		t.Errorf("window since %v = %v … %v", since, w.Since, w.Until)
	}
}

// A persona without an NPS response has no NPS, and the gap is null, whatever the other side
// says; other kinds of feedback do not make an NPS.
func TestGapIsNullWithoutBothVoices(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1"}, []string{"u1"})
		now := time.Now()
		f.nps("b1", enum.PersonaPurchaser, 10, now.Add(-time.Hour))
		f.give(fb{person: "u1", persona: enum.PersonaEndUser, kind: feedback.KindCSAT, score: ptr(2), at: now.Add(-time.Hour)},
			fb{person: "u1", persona: enum.PersonaEndUser, kind: feedback.KindCOMMENT, sentiment: ptr(-0.5), at: now.Add(-time.Hour)})
		p := f.perception(perception.NewWindow(nil, nil, now))
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, ptr(100.0))
		expectFloat(t, "end-user NPS", p.EndUser.NPS, nil)
		expectFloat(t, "NPS gap", p.NPSGap, nil)
		expectCounts(t, p.EndUser, counts{})
		if p.EndUser.Responses != 2 {
			t.Errorf("end-user responses = %d, want 2", p.EndUser.Responses)
		}
		// The buyers gave no CSAT: no CSAT gap either.
		expectFloat(t, "purchaser CSAT", p.Purchaser.CSAT, nil)
		expectFloat(t, "end-user CSAT", p.EndUser.CSAT, ptr(2.0))
		expectFloat(t, "CSAT gap", p.CSATGap, nil)
	})
}

func TestCSATAndSentiment(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2"}, []string{"u1", "u2", "u3"})
		at := time.Now().Add(-24 * time.Hour)
		csat := func(person string, persona enum.Persona, score int, sentiment *float64) fb {
			return fb{person: person, persona: persona, kind: feedback.KindCSAT, score: ptr(score), sentiment: sentiment, at: at}
		}
		comment := func(person string, persona enum.Persona, sentiment *float64) fb {
			return fb{person: person, persona: persona, kind: feedback.KindCOMMENT, sentiment: sentiment, at: at}
		}
		f.give(
			// Buyers: CSAT 5 and 4 (and b1 twice: every CSAT response counts) → (5+4+4)/3.
			csat("b1", enum.PersonaPurchaser, 5, ptr(1.0)),
			csat("b1", enum.PersonaPurchaser, 4, nil),
			csat("b2", enum.PersonaPurchaser, 4, ptr(0.5)),
			comment("b2", enum.PersonaPurchaser, nil),
			// End users: CSAT 2, 3, 1 → 2.
			csat("u1", enum.PersonaEndUser, 2, ptr(-0.5)),
			csat("u2", enum.PersonaEndUser, 3, nil),
			csat("u3", enum.PersonaEndUser, 1, ptr(-1.0)),
			comment("u1", enum.PersonaEndUser, ptr(0.3)),
			fb{person: "u2", persona: enum.PersonaEndUser, kind: feedback.KindNPS, score: ptr(10), sentiment: ptr(0.9), at: at},
		)
		p := f.perception(perception.NewWindow(nil, nil, time.Now()))
		expectFloat(t, "purchaser CSAT", p.Purchaser.CSAT, ptr(13.0/3))
		expectFloat(t, "end-user CSAT", p.EndUser.CSAT, ptr(2.0))
		expectFloat(t, "CSAT gap", p.CSATGap, ptr(13.0/3-2))
		if p.Purchaser.CSATResponses != 3 || p.EndUser.CSATResponses != 3 {
			t.Errorf("CSAT responses = %d/%d, want 3/3", p.Purchaser.CSATResponses, p.EndUser.CSATResponses)
		}
		if p.Purchaser.Responses != 4 || p.EndUser.Responses != 5 {
			t.Errorf("responses = %d/%d, want 4/5", p.Purchaser.Responses, p.EndUser.Responses)
		}
		// Sentiment: the mean over feedback of any kind that has one.
		expectFloat(t, "purchaser sentiment", p.Purchaser.Sentiment, ptr((1.0+0.5)/2))
		expectFloat(t, "end-user sentiment", p.EndUser.Sentiment, ptr((-0.5-1.0+0.3+0.9)/4))
		// No NPS from the buyers: no NPS gap; the end user's NPS is there.
		expectFloat(t, "end-user NPS", p.EndUser.NPS, ptr(100.0))
		expectFloat(t, "NPS gap", p.NPSGap, nil)
	})
}

func TestTopicsPerPersona(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2"}, []string{"u1", "u2"})
		at := time.Now().Add(-24 * time.Hour)
		comment := func(person string, persona enum.Persona, sentiment *float64, topics ...string) fb {
			return fb{person: person, persona: persona, kind: feedback.KindCOMMENT, sentiment: sentiment, topics: topics, at: at}
		}
		f.give(
			comment("b1", enum.PersonaPurchaser, ptr(0.8), "pricing", "onboarding"),
			comment("b2", enum.PersonaPurchaser, ptr(0.4), "  Pricing"), // the same topic once normalized
			comment("b2", enum.PersonaPurchaser, nil, "support"),
			comment("u1", enum.PersonaEndUser, ptr(-0.6), "pricing"),
			comment("u1", enum.PersonaEndUser, ptr(0.2), "onboarding", "reporting"),
			comment("u2", enum.PersonaEndUser, ptr(-0.2), "reporting"),
			comment("u2", enum.PersonaEndUser, ptr(0.5), "exports"),
		)
		p := f.perception(perception.NewWindow(nil, nil, time.Now()))
		type stat struct {
			count     int
			sentiment *float64
		}
		type want struct {
			topic              string
			purchaser, endUser *stat
			gap                *float64
		}
		// pricing: buyers 2 at 0.6, users 1 at −0.6: gap 1.2. onboarding: 0.8 vs 0.2: gap 0.6.
		// Then topics of one side, the most raised first: reporting (2), then exports and
		// support (1 each) by name.
		wants := []want{
			{"pricing", &stat{2, ptr(0.6)}, &stat{1, ptr(-0.6)}, ptr(1.2)},
			{"onboarding", &stat{1, ptr(0.8)}, &stat{1, ptr(0.2)}, ptr(0.6)},
			{"reporting", nil, &stat{2, ptr(0.0)}, nil},
			{"exports", nil, &stat{1, ptr(0.5)}, nil},
			{"support", &stat{1, nil}, nil, nil},
		}
		if len(p.Topics) != len(wants) {
			t.Fatalf("topics = %+v, want %d of them", p.Topics, len(wants))
		}
		check := func(topic, side string, got *perception.TopicStat, want *stat) {
			t.Helper()
			if (got == nil) != (want == nil) {
				t.Errorf("%s: %s stat = %+v, want %+v", topic, side, got, want)
				return
			}
			if want == nil {
				return
			}
			if got.Count != want.count {
				t.Errorf("%s: %s count = %d, want %d", topic, side, got.Count, want.count)
			}
			expectFloat(t, topic+": "+side+" sentiment", got.Sentiment, want.sentiment)
		}
		for i, w := range wants {
			got := p.Topics[i]
			if got.Topic != w.topic {
				t.Errorf("topic %d = %q, want %q (order: %+v)", i, got.Topic, w.topic, p.Topics)
				continue
			}
			check(w.topic, "purchaser", got.Purchaser, w.purchaser)
			check(w.topic, "end user", got.EndUser, w.endUser)
			expectFloat(t, w.topic+": sentiment gap", got.SentimentGap, w.gap)
		}
	})
}

// Topics on which the end users are happier than the buyers rank by the size of the gap too.
func TestTopicsOrderByAbsoluteGap(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1"}, []string{"u1"})
		at := time.Now().Add(-24 * time.Hour)
		comment := func(person string, persona enum.Persona, sentiment float64, topics ...string) fb {
			return fb{person: person, persona: persona, kind: feedback.KindCOMMENT, sentiment: ptr(sentiment), topics: topics, at: at}
		}
		f.give(
			comment("b1", enum.PersonaPurchaser, -0.9, "mobile"), // users happier by 1.8
			comment("u1", enum.PersonaEndUser, 0.9, "mobile"),
			comment("b1", enum.PersonaPurchaser, 0.5, "api"), // buyers happier by 0.5
			comment("u1", enum.PersonaEndUser, 0.0, "api"),
			comment("b1", enum.PersonaPurchaser, 0.1, "sso"), // agree
			comment("u1", enum.PersonaEndUser, 0.1, "sso"),
		)
		p := f.perception(perception.NewWindow(nil, nil, time.Now()))
		var order []string
		for _, tp := range p.Topics {
			order = append(order, tp.Topic)
		}
		if len(order) != 3 || order[0] != "mobile" || order[1] != "api" || order[2] != "sso" {
			t.Fatalf("topics in order %v, want [mobile api sso]", order)
		}
		expectFloat(t, "mobile gap", p.Topics[0].SentimentGap, ptr(-1.8))
	})
}

// The trend has one point per month and persona; a month's NPS counts each person's latest
// response within that month.
func TestMonthlyTrend(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"b1", "b2"}, []string{"u1"})
		f.nps("b1", enum.PersonaPurchaser, 3, day(2024, 1, 10))
		f.nps("b1", enum.PersonaPurchaser, 10, day(2024, 1, 20))                          // b1's January answer
		f.nps("b2", enum.PersonaPurchaser, 9, day(2024, 1, 31, 24*time.Hour-time.Second)) // still January (UTC)
		f.nps("b1", enum.PersonaPurchaser, 6, day(2024, 2, 1))                            // first second of February
		f.nps("u1", enum.PersonaEndUser, 9, day(2024, 2, 10))
		f.nps("u1", enum.PersonaEndUser, 7, day(2024, 2, 25)) // u1's February answer
		f.nps("u1", enum.PersonaEndUser, 0, day(2024, 3, 1))  // outside the window
		p := f.perception(perception.Window{Since: day(2024, 1, 1), Until: day(2024, 3, 1)})
		// The nps helper sets sentiment (score − 5) / 5.
		type point struct {
			month     string
			persona   enum.Persona
			responses int
			nps       float64
			sentiment float64
		}
		wants := []point{
			{"2024-01", enum.PersonaPurchaser, 3, 100, ((3.0 - 5) + (10 - 5) + (9 - 5)) / 5 / 3},
			{"2024-02", enum.PersonaEndUser, 2, 0, ((9.0 - 5) + (7 - 5)) / 5 / 2},
			{"2024-02", enum.PersonaPurchaser, 1, -100, (6.0 - 5) / 5},
		}
		if len(p.Trend) != len(wants) {
			t.Fatalf("trend = %+v, want %d points", p.Trend, len(wants))
		}
		for i, w := range wants {
			got := p.Trend[i]
			if got.Month != w.month || got.Persona != w.persona || got.Responses != w.responses {
				t.Errorf("point %d = %s %s %d responses, want %s %s %d", i, got.Month, got.Persona, got.Responses,
					w.month, w.persona, w.responses)
				continue
			}
			expectFloat(t, w.month+" "+string(w.persona)+" NPS", got.NPS, ptr(w.nps))
			expectFloat(t, w.month+" "+string(w.persona)+" sentiment", got.Sentiment, ptr(w.sentiment))
			expectFloat(t, w.month+" "+string(w.persona)+" CSAT", got.CSAT, nil)
		}
		// Over the whole window: b1's latest is February's 6, b2 9 → 0; u1 7 → 0.
		expectCounts(t, p.Purchaser, counts{2, 1, 0, 1})
		expectFloat(t, "purchaser NPS", p.Purchaser.NPS, ptr(0.0))
		expectFloat(t, "end-user NPS", p.EndUser.NPS, ptr(0.0))
	})
}

// A person who is both a buyer and an end user speaks in each voice separately: their latest
// response as a buyer does not supersede their answer as an end user.
func TestLatestIsPerPersona(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		f := newFixture(t, env, []string{"both"}, []string{"both"})
		now := time.Now()
		f.nps("both", enum.PersonaEndUser, 2, now.Add(-3*time.Hour))
		f.nps("both", enum.PersonaPurchaser, 10, now.Add(-time.Hour))
		p := f.perception(perception.NewWindow(nil, nil, now))
		expectCounts(t, p.Purchaser, counts{1, 1, 0, 0})
		expectCounts(t, p.EndUser, counts{1, 0, 0, 1})
		expectFloat(t, "NPS gap", p.NPSGap, ptr(200.0))
	})
}

func TestRankGaps(t *testing.T) {
	v := func(id string, pn, en int, p, e float64) perception.Voices {
		gap := p - e
		return perception.Voices{AccountID: id, PurchaserResponses: pn, EndUserResponses: en,
			PurchaserNPS: &p, EndUserNPS: &e, NPSGap: &gap}
	}
	voices := []perception.Voices{
		v("acc_a", 1, 1, 100, -100), // +200
		v("acc_b", 2, 2, 0, 100),    // −100
		v("acc_c", 3, 2, 100, 50),   // +50
		v("acc_d", 1, 3, 0, 100),    // −100, ties with b
		{AccountID: "acc_e", PurchaserResponses: 2, PurchaserNPS: ptr(50.0)}, // one voice only
	}
	ids := func(vs []perception.Voices) []string {
		out := []string{}
		for _, x := range vs {
			out = append(out, x.AccountID)
		}
		return out
	}
	cases := []struct {
		order perception.GapOrder
		min   int
		want  []string
	}{
		{perception.WidestGap, 0, []string{"acc_a", "acc_b", "acc_d", "acc_c"}},
		{perception.BuyersHappier, 1, []string{"acc_a", "acc_c", "acc_b", "acc_d"}},
		{perception.EndUsersHappier, 1, []string{"acc_b", "acc_d", "acc_c", "acc_a"}},
		{perception.WidestGap, 2, []string{"acc_b", "acc_c"}},
		{perception.WidestGap, 3, []string{}},
	}
	for _, c := range cases {
		got := ids(perception.RankGaps(voices, c.min, c.order))
		if len(got) != len(c.want) {
			t.Errorf("%s min %d: %v, want %v", c.order, c.min, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s min %d: %v, want %v", c.order, c.min, got, c.want)
				break
			}
		}
	}
}
