package health_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stakegraph/stakegraph/internal/health"
)

const eps = 1e-9

func f(v float64) *float64 { return &v }
func n(v int) *int         { return &v }

// factor returns the factor's part of the health.
func factor(t *testing.T, h health.Health, name health.Factor) health.FactorScore {
	t.Helper()
	for _, fs := range h.Factors {
		if fs.Factor == name {
			return fs
		}
	}
	t.Fatalf("no factor %s in %+v", name, h.Factors)
	return health.FactorScore{}
}

// checkSums verifies that the weights add up to 100 (or 0), each contribution is its weight
// times its subscore, subscores are in [0, 1] and the contributions add up to the score.
func checkSums(t *testing.T, h health.Health) {
	t.Helper()
	if len(h.Factors) != len(health.Factors) {
		t.Fatalf("%d factors, want %d", len(h.Factors), len(health.Factors))
	}
	weights, sum := 0.0, 0.0
	for i, fs := range h.Factors {
		if fs.Factor != health.Factors[i] {
			t.Errorf("factor %d is %s, want %s", i, fs.Factor, health.Factors[i])
		}
		if fs.Subscore < 0 || fs.Subscore > 1 || math.IsNaN(fs.Subscore) {
			t.Errorf("%s: subscore %v out of [0, 1]", fs.Factor, fs.Subscore)
		}
		if math.Abs(fs.Contribution-fs.Weight*fs.Subscore) > eps {
			t.Errorf("%s: contribution %v ≠ weight %v × subscore %v", fs.Factor, fs.Contribution, fs.Weight, fs.Subscore)
		}
		weights += fs.Weight
		sum += fs.Contribution
	}
	if math.Abs(weights-100) > eps {
		t.Errorf("weights add up to %v, want 100", weights)
	}
	if math.Abs(sum-h.Score) > eps {
		t.Errorf("contributions add up to %v, score is %v", sum, h.Score)
	}
	if h.Score < -eps || h.Score > 100+eps {
		t.Errorf("score %v out of [0, 100]", h.Score)
	}
	if h.Band != health.BandOf(h.Score) {
		t.Errorf("band %s for score %v, want %s", h.Band, h.Score, health.BandOf(h.Score))
	}
}

func TestContributionsAddUpToTheScore(t *testing.T) {
	cases := map[string]health.Signals{
		"nothing known": {},
		"all best": {EndUserNPS: f(100), PurchaserNPS: f(100), DaysSinceLastInteraction: n(0),
			DaysToRenewal: n(365), OpenComplaints: 0, CouncilMembers: 3, SeatUtilisation: f(1)},
		"all worst": {EndUserNPS: f(-100), PurchaserNPS: f(100), DaysSinceLastInteraction: n(400),
			DaysToRenewal: n(-30), OpenComplaints: 12, CouncilMembers: 0, SeatUtilisation: f(0)},
		"beyond every range": {EndUserNPS: f(-100), PurchaserNPS: f(-100), DaysSinceLastInteraction: n(100000),
			DaysToRenewal: n(-100000), OpenComplaints: 1000, CouncilMembers: 1000, SeatUtilisation: f(25)},
		"in the middle": {EndUserNPS: f(-25), PurchaserNPS: f(100), DaysSinceLastInteraction: n(33),
			DaysToRenewal: n(77), OpenComplaints: 1, CouncilMembers: 1, SeatUtilisation: f(0.61)},
		"one voice":                {PurchaserNPS: f(40), DaysSinceLastInteraction: n(14), OpenComplaints: 2},
		"other voice, no contract": {EndUserNPS: f(-60), DaysToRenewal: nil, SeatUtilisation: nil, CouncilMembers: 2},
		"future interaction":       {DaysSinceLastInteraction: n(-3), DaysToRenewal: n(0), SeatUtilisation: f(0.25)},
	}
	weights := map[string]health.Weights{"default": health.DefaultWeights()}
	for _, spec := range []string{
		"END_USER_NPS=1,PURCHASER_NPS=1,PERCEPTION_GAP=1,LAST_INTERACTION=1,RENEWAL=1,OPEN_COMPLAINTS=1,COUNCIL_PARTICIPATION=1,SEAT_UTILISATION=1",
		"END_USER_NPS=0.3,SEAT_UTILISATION=0,OPEN_COMPLAINTS=250",
		"END_USER_NPS=0,PURCHASER_NPS=0,PERCEPTION_GAP=0,LAST_INTERACTION=0,RENEWAL=0,OPEN_COMPLAINTS=0,COUNCIL_PARTICIPATION=0,SEAT_UTILISATION=7",
	} {
		w, err := health.ParseWeights(spec)
		if err != nil {
			t.Fatal(err)
		}
		weights[spec] = w
	}
	for name, s := range cases {
		for wname, w := range weights {
			t.Run(name+"/"+wname, func(t *testing.T) { checkSums(t, health.Evaluate(s, w)) })
		}
	}
	// Hand-computed, with the default weights.
	h := health.Evaluate(cases["nothing known"], health.DefaultWeights())
	// 0.5×25 + 0.5×15 + 0.5×15 + 0×10 + 1×10 + 1×10 + 0×5 + 0.5×10 = 52.5
	if math.Abs(h.Score-52.5) > eps || h.Band != health.Watch {
		t.Errorf("nothing known: %v %s, want 52.5 WATCH", h.Score, h.Band)
	}
	h = health.Evaluate(cases["all best"], health.DefaultWeights())
	if math.Abs(h.Score-100) > eps || h.Band != health.Healthy || len(h.Reasons) != 0 {
		t.Errorf("all best: %v %s %v, want 100 HEALTHY without reasons", h.Score, h.Band, h.Reasons)
	}
	h = health.Evaluate(cases["beyond every range"], health.DefaultWeights())
	// Only the gap (0 → 1), the council (1000 → 1) and the seats (2500% → 1) score: 15 + 5 + 10.
	if math.Abs(h.Score-30) > eps || h.Band != health.AtRisk {
		t.Errorf("beyond every range: %v %s, want 30 AT_RISK", h.Score, h.Band)
	}
}

// probe evaluates the signals with one of them changed, the others at a fixed baseline.
type probe struct {
	base    health.Signals
	weights health.Weights
}

func defaults() probe {
	return probe{
		base: health.Signals{DaysSinceLastInteraction: n(30), DaysToRenewal: n(60), OpenComplaints: 1,
			CouncilMembers: 1, SeatUtilisation: f(0.5)},
		weights: health.DefaultWeights(),
	}
}

// point checks a factor's value, subscore and contribution for a signal, and returns the score.
func (p probe) point(t *testing.T, name health.Factor, change func(*health.Signals), value *float64, subscore float64) float64 {
	t.Helper()
	s := p.base
	change(&s)
	h := health.Evaluate(s, p.weights)
	checkSums(t, h)
	fs := factor(t, h, name)
	if (fs.Value == nil) != (value == nil) || (value != nil && math.Abs(*fs.Value-*value) > eps) {
		t.Errorf("%s value = %v, want %v", name, deref(fs.Value), deref(value))
	}
	if math.Abs(fs.Subscore-subscore) > eps {
		t.Errorf("%s subscore at %v = %v, want %v", name, deref(value), fs.Subscore, subscore)
	}
	if want := fs.Weight * subscore; math.Abs(fs.Contribution-want) > eps {
		t.Errorf("%s contribution = %v, want %v", name, fs.Contribution, want)
	}
	return h.Score
}

func deref(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}

// rising checks that the scores go up (strictly where the subscores do).
func rising(t *testing.T, name health.Factor, scores ...float64) {
	t.Helper()
	for i := 1; i < len(scores); i++ {
		if scores[i] <= scores[i-1] {
			t.Errorf("%s: a better value scores %v after %v; want higher (%v)", name, scores[i], scores[i-1], scores)
		}
	}
}

func TestEndUserNPSFactor(t *testing.T) {
	p := defaults() // no purchaser NPS: the gap stays unknown and does not move
	set := func(v float64) func(*health.Signals) { return func(s *health.Signals) { s.EndUserNPS = f(v) } }
	rising(t, health.EndUserNPS,
		p.point(t, health.EndUserNPS, set(-100), f(-100), 0),
		p.point(t, health.EndUserNPS, set(-50), f(-50), 0.25),
		p.point(t, health.EndUserNPS, set(0), f(0), 0.5),
		p.point(t, health.EndUserNPS, set(50), f(50), 0.75),
		p.point(t, health.EndUserNPS, set(100), f(100), 1),
	)
	p.point(t, health.EndUserNPS, func(s *health.Signals) {}, nil, 0.5)
	// 25 points of 100 by default: from −100 to 100 the score moves by exactly 25.
	lo := p.point(t, health.EndUserNPS, set(-100), f(-100), 0)
	hi := p.point(t, health.EndUserNPS, set(100), f(100), 1)
	if math.Abs(hi-lo-25) > eps {
		t.Errorf("end-user NPS moves the score by %v, want 25", hi-lo)
	}
}

func TestPurchaserNPSFactor(t *testing.T) {
	p := defaults()
	set := func(v float64) func(*health.Signals) { return func(s *health.Signals) { s.PurchaserNPS = f(v) } }
	rising(t, health.PurchaserNPS,
		p.point(t, health.PurchaserNPS, set(-100), f(-100), 0),
		p.point(t, health.PurchaserNPS, set(-20), f(-20), 0.4),
		p.point(t, health.PurchaserNPS, set(60), f(60), 0.8),
		p.point(t, health.PurchaserNPS, set(100), f(100), 1),
	)
	p.point(t, health.PurchaserNPS, func(s *health.Signals) {}, nil, 0.5)
	lo := p.point(t, health.PurchaserNPS, set(-100), f(-100), 0)
	hi := p.point(t, health.PurchaserNPS, set(100), f(100), 1)
	if math.Abs(hi-lo-15) > eps {
		t.Errorf("purchaser NPS moves the score by %v, want 15", hi-lo)
	}
}

func TestPerceptionGapFactor(t *testing.T) {
	// The gap cannot move without an NPS moving; weigh the NPS factors 0 to hold them.
	p := defaults()
	w, err := health.ParseWeights("END_USER_NPS=0,PURCHASER_NPS=0")
	if err != nil {
		t.Fatal(err)
	}
	p.weights = w
	set := func(purchaser, endUser float64) func(*health.Signals) {
		return func(s *health.Signals) { s.PurchaserNPS, s.EndUserNPS = f(purchaser), f(endUser) }
	}
	// A narrower gap, either way, is better; the value keeps the sign (purchaser − end user).
	widest := p.point(t, health.PerceptionGap, set(100, -100), f(200), 0)
	rising(t, health.PerceptionGap,
		p.point(t, health.PerceptionGap, set(100, 0), f(100), 0),
		p.point(t, health.PerceptionGap, set(50, -25), f(75), 0.25),
		p.point(t, health.PerceptionGap, set(-10, 40), f(-50), 0.5),
		p.point(t, health.PerceptionGap, set(30, 10), f(20), 0.8),
		p.point(t, health.PerceptionGap, set(-60, -60), f(0), 1),
	)
	if wide := p.point(t, health.PerceptionGap, set(100, 0), f(100), 0); math.Abs(wide-widest) > eps {
		t.Errorf("a gap of 100 scores %v, 200 scores %v; want the same (100 or more → 0)", wide, widest)
	}
	if a, b := p.point(t, health.PerceptionGap, set(80, 20), f(60), 0.4),
		p.point(t, health.PerceptionGap, set(20, 80), f(-60), 0.4); math.Abs(a-b) > eps {
		t.Errorf("a gap of +60 scores %v, −60 scores %v; want the same", a, b)
	}
	// Unknown when either voice is missing.
	p.point(t, health.PerceptionGap, func(s *health.Signals) { s.PurchaserNPS = f(100) }, nil, 0.5)
	p.point(t, health.PerceptionGap, func(s *health.Signals) { s.EndUserNPS = f(-100) }, nil, 0.5)
	// With the default weights the gap still has its 15 points.
	p.weights = health.DefaultWeights()
	h := health.Evaluate(health.Signals{PurchaserNPS: f(100), EndUserNPS: f(0)}, p.weights)
	if fs := factor(t, h, health.PerceptionGap); math.Abs(fs.Weight-15) > eps || fs.Contribution != 0 {
		t.Errorf("gap of 100: %+v, want weight 15 and no contribution", fs)
	}
}

func TestLastInteractionFactor(t *testing.T) {
	p := defaults()
	set := func(d int) func(*health.Signals) {
		return func(s *health.Signals) { s.DaysSinceLastInteraction = n(d) }
	}
	// Fewer days since the last interaction is better: ≤14 → 1 … ≥90 → 0.
	rising(t, health.LastInteraction,
		p.point(t, health.LastInteraction, set(90), f(90), 0),
		p.point(t, health.LastInteraction, set(71), f(71), 0.25),
		p.point(t, health.LastInteraction, set(52), f(52), 0.5),
		p.point(t, health.LastInteraction, set(33), f(33), 0.75),
		p.point(t, health.LastInteraction, set(14), f(14), 1),
	)
	p.point(t, health.LastInteraction, set(0), f(0), 1)
	p.point(t, health.LastInteraction, set(365), f(365), 0)
	// Never an interaction is as bad as it gets.
	never := p.point(t, health.LastInteraction, func(s *health.Signals) { s.DaysSinceLastInteraction = nil }, nil, 0)
	if old := p.point(t, health.LastInteraction, set(90), f(90), 0); math.Abs(old-never) > eps {
		t.Errorf("no interaction scores %v, 90 days %v; want the same", never, old)
	}
}

func TestRenewalFactor(t *testing.T) {
	p := defaults()
	set := func(d int) func(*health.Signals) { return func(s *health.Signals) { s.DaysToRenewal = n(d) } }
	// More days to the renewal is better: ≤0 → 0 … ≥120 → 1.
	rising(t, health.Renewal,
		p.point(t, health.Renewal, set(0), f(0), 0),
		p.point(t, health.Renewal, set(30), f(30), 0.25),
		p.point(t, health.Renewal, set(60), f(60), 0.5),
		p.point(t, health.Renewal, set(90), f(90), 0.75),
		p.point(t, health.Renewal, set(120), f(120), 1),
	)
	p.point(t, health.Renewal, set(-45), f(-45), 0)
	p.point(t, health.Renewal, set(1000), f(1000), 1)
	// No active contract: nothing to renew, nothing lost.
	p.point(t, health.Renewal, func(s *health.Signals) { s.DaysToRenewal = nil }, nil, 1)
}

func TestOpenComplaintsFactor(t *testing.T) {
	p := defaults()
	set := func(c int) func(*health.Signals) { return func(s *health.Signals) { s.OpenComplaints = c } }
	// Fewer open complaints is better: 0 → 1 … 4 or more → 0.
	rising(t, health.OpenComplaints,
		p.point(t, health.OpenComplaints, set(4), f(4), 0),
		p.point(t, health.OpenComplaints, set(3), f(3), 0.25),
		p.point(t, health.OpenComplaints, set(2), f(2), 0.5),
		p.point(t, health.OpenComplaints, set(1), f(1), 0.75),
		p.point(t, health.OpenComplaints, set(0), f(0), 1),
	)
	p.point(t, health.OpenComplaints, set(40), f(40), 0)
}

func TestCouncilParticipationFactor(t *testing.T) {
	p := defaults()
	set := func(c int) func(*health.Signals) { return func(s *health.Signals) { s.CouncilMembers = c } }
	// More of the account's people on a council is better: 0 → 0, 1 → 0.5, 2 or more → 1.
	rising(t, health.CouncilParticipation,
		p.point(t, health.CouncilParticipation, set(0), f(0), 0),
		p.point(t, health.CouncilParticipation, set(1), f(1), 0.5),
		p.point(t, health.CouncilParticipation, set(2), f(2), 1),
	)
	p.point(t, health.CouncilParticipation, set(9), f(9), 1)
	lo := p.point(t, health.CouncilParticipation, set(0), f(0), 0)
	hi := p.point(t, health.CouncilParticipation, set(2), f(2), 1)
	if math.Abs(hi-lo-5) > eps {
		t.Errorf("council participation moves the score by %v, want 5", hi-lo)
	}
}

func TestSeatUtilisationFactor(t *testing.T) {
	p := defaults()
	set := func(u float64) func(*health.Signals) { return func(s *health.Signals) { s.SeatUtilisation = f(u) } }
	// A higher utilisation is better: ≤25% → 0 … ≥85% → 1.
	rising(t, health.SeatUtilisation,
		p.point(t, health.SeatUtilisation, set(0.25), f(0.25), 0),
		p.point(t, health.SeatUtilisation, set(0.40), f(0.40), 0.25),
		p.point(t, health.SeatUtilisation, set(0.55), f(0.55), 0.5),
		p.point(t, health.SeatUtilisation, set(0.70), f(0.70), 0.75),
		p.point(t, health.SeatUtilisation, set(0.85), f(0.85), 1),
	)
	p.point(t, health.SeatUtilisation, set(0), f(0), 0)
	p.point(t, health.SeatUtilisation, set(1.3), f(1.3), 1)
	p.point(t, health.SeatUtilisation, func(s *health.Signals) { s.SeatUtilisation = nil }, nil, 0.5)
}

func TestParseWeights(t *testing.T) {
	w, err := health.ParseWeights("")
	if err != nil || w.String() != health.DefaultWeights().String() {
		t.Fatalf("empty: %v %v, want the defaults", w, err)
	}
	w, err = health.ParseWeights(" end_user_nps = 50 , SEAT_UTILISATION=0,,council_participation=2.5 ")
	if err != nil {
		t.Fatal(err)
	}
	want := health.DefaultWeights()
	want[health.EndUserNPS], want[health.SeatUtilisation], want[health.CouncilParticipation] = 50, 0, 2.5
	for _, fct := range health.Factors {
		if w[fct] != want[fct] {
			t.Errorf("%s = %v, want %v", fct, w[fct], want[fct])
		}
	}
	// String writes what ParseWeights reads.
	again, err := health.ParseWeights(w.String())
	if err != nil || again.String() != w.String() {
		t.Errorf("round trip of %s: %v %v", w, again, err)
	}
	for _, bad := range []string{
		"HAPPINESS=10",      // unknown factor
		"END_USER_NPS",      // no weight
		"END_USER_NPS=-1",   // negative
		"END_USER_NPS=lots", // not a number
		"END_USER_NPS=NaN",  // not a number either
		"END_USER_NPS=+Inf", // infinite
		"RENEWAL=5,FOO=1",   // one bad part spoils it
		"END_USER_NPS=0,PURCHASER_NPS=0,PERCEPTION_GAP=0,LAST_INTERACTION=0,RENEWAL=0,OPEN_COMPLAINTS=0,COUNCIL_PARTICIPATION=0,SEAT_UTILISATION=0", // all zero
	} {
		if w, err := health.ParseWeights(bad); err == nil {
			t.Errorf("ParseWeights(%q) = %v, want an error", bad, w)
		}
	}
}

// Custom weights are scaled to add up to 100, and the contributions still add up.
func TestCustomWeights(t *testing.T) {
	w, err := health.ParseWeights("END_USER_NPS=3,PURCHASER_NPS=1,PERCEPTION_GAP=0,LAST_INTERACTION=0,RENEWAL=0,OPEN_COMPLAINTS=0,COUNCIL_PARTICIPATION=0,SEAT_UTILISATION=0")
	if err != nil {
		t.Fatal(err)
	}
	h := health.Evaluate(health.Signals{EndUserNPS: f(0), PurchaserNPS: f(100), OpenComplaints: 10}, w)
	checkSums(t, h)
	// 75 points for the end users at 0.5, 25 for the buyers at 1: 62.5; the complaints weigh 0.
	if math.Abs(h.Score-62.5) > eps {
		t.Errorf("score %v, want 62.5", h.Score)
	}
	if fs := factor(t, h, health.EndUserNPS); math.Abs(fs.Weight-75) > eps {
		t.Errorf("end-user NPS weight %v, want 75", fs.Weight)
	}
	for _, r := range h.Reasons {
		if strings.Contains(r, "complaint") {
			t.Errorf("a factor of weight 0 gives a reason: %v", h.Reasons)
		}
	}
}

func TestBands(t *testing.T) {
	for _, c := range []struct {
		score float64
		band  health.Band
	}{
		{100, health.Healthy}, {70, health.Healthy}, {math.Nextafter(70, 0), health.Watch},
		{69.99, health.Watch}, {45, health.Watch}, {math.Nextafter(45, 0), health.AtRisk},
		{44.99, health.AtRisk}, {0, health.AtRisk},
	} {
		if got := health.BandOf(c.score); got != c.band {
			t.Errorf("BandOf(%v) = %s, want %s", c.score, got, c.band)
		}
	}
}

func TestReasons(t *testing.T) {
	h := health.Evaluate(health.Signals{
		EndUserNPS:               f(-100), // loses 25
		PurchaserNPS:             f(100),  // gap 200: loses 15
		DaysSinceLastInteraction: nil,     // loses 10
		DaysToRenewal:            n(200),  // fine
		OpenComplaints:           3,       // 0.25: loses 7.5
		CouncilMembers:           0,       // loses 5
		SeatUtilisation:          f(0.3),  // 0.0833…: loses 9.17
	}, health.DefaultWeights())
	checkSums(t, h)
	want := []string{
		"end users' NPS is -100",
		"end users are 200 NPS points less happy than buyers",
		"no interaction on record",
		"seat utilisation at 30%",
		"3 open complaints",
		"no one from the account sits on a user council",
	}
	if fmt.Sprint(h.Reasons) != fmt.Sprint(want) {
		t.Errorf("reasons:\n got %q\nwant %q", h.Reasons, want)
	}

	// Factors at half or better give no reason; the reasons of the other direction read right.
	h = health.Evaluate(health.Signals{
		EndUserNPS: f(100), PurchaserNPS: f(-40), DaysSinceLastInteraction: n(52), DaysToRenewal: n(-12),
		OpenComplaints: 2, CouncilMembers: 1, SeatUtilisation: f(0.55),
	}, health.DefaultWeights())
	checkSums(t, h)
	// Lost: renewal 10, gap 140 → 15, buyers' NPS 0.3 → 10.5.
	want = []string{
		"buyers are 140 NPS points less happy than end users",
		"buyers' NPS is -40",
		"the renewal date passed 12 days ago",
	}
	if fmt.Sprint(h.Reasons) != fmt.Sprint(want) {
		t.Errorf("reasons:\n got %q\nwant %q", h.Reasons, want)
	}
	h = health.Evaluate(health.Signals{DaysSinceLastInteraction: n(80), DaysToRenewal: n(20), CouncilMembers: 2}, health.DefaultWeights())
	want = []string{"no interaction for 80 days", "renewal in 20 days"}
	if fmt.Sprint(h.Reasons) != fmt.Sprint(want) {
		t.Errorf("reasons:\n got %q\nwant %q", h.Reasons, want)
	}
}
