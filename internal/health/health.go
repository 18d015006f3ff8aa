// Package health scores an account's health from 0 to 100 with transparent factors: each
// factor's measured value, its weight and its contribution are reported, and the
// contributions add up to the score. Weights are configuration; DefaultWeights documents the
// defaults.
package health

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Factor is one input to the score.
type Factor string

// The factors. Each maps its measured value to a subscore between 0 (bad) and 1 (good):
//
//	END_USER_NPS          end users' NPS, −100…100 → 0…1; unknown → 0.5
//	PURCHASER_NPS         buyers' NPS, −100…100 → 0…1; unknown → 0.5
//	PERCEPTION_GAP        |purchaser NPS − end-user NPS|, 0 → 1 … 100 or more → 0; unknown → 0.5
//	LAST_INTERACTION      days since the last interaction, ≤14 → 1 … ≥90 → 0; none ever → 0
//	RENEWAL               days to the nearest end of an active contract, ≥120 → 1 … ≤0 → 0;
//	                      no active contract → 1
//	OPEN_COMPLAINTS       open complaints, 0 → 1 … 4 or more → 0
//	COUNCIL_PARTICIPATION the account's people on a user council, 0 → 0, 1 → 0.5, 2 or more → 1
//	SEAT_UTILISATION      active licensed end users over seats of active contracts,
//	                      ≤25% → 0 … ≥85% → 1; no seats → 0.5
const (
	EndUserNPS           Factor = "END_USER_NPS"
	PurchaserNPS         Factor = "PURCHASER_NPS"
	PerceptionGap        Factor = "PERCEPTION_GAP"
	LastInteraction      Factor = "LAST_INTERACTION"
	Renewal              Factor = "RENEWAL"
	OpenComplaints       Factor = "OPEN_COMPLAINTS"
	CouncilParticipation Factor = "COUNCIL_PARTICIPATION"
	SeatUtilisation      Factor = "SEAT_UTILISATION"
)

// Factors lists the factors in the order the API reports them.
var Factors = []Factor{EndUserNPS, PurchaserNPS, PerceptionGap, LastInteraction, Renewal,
	OpenComplaints, CouncilParticipation, SeatUtilisation}

// Weights gives each factor its relative weight. They need not add up to 100: the score
// scales them so that it does.
type Weights map[Factor]float64

// DefaultWeights are the weights unless configured otherwise. The end users' voice weighs
// most: it is the one a seller hears least and that decides renewals.
func DefaultWeights() Weights {
	return Weights{
		EndUserNPS:           25,
		PurchaserNPS:         15,
		PerceptionGap:        15,
		LastInteraction:      10,
		Renewal:              10,
		OpenComplaints:       10,
		CouncilParticipation: 5,
		SeatUtilisation:      10,
	}
}

// ParseWeights reads "FACTOR=weight,…" over the defaults; factors left out keep theirs.
func ParseWeights(s string) (Weights, error) {
	w := DefaultWeights()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		f := Factor(strings.ToUpper(strings.TrimSpace(name)))
		if !ok || !slices.Contains(Factors, f) {
			return nil, fmt.Errorf("health weights: %q: expected FACTOR=weight with FACTOR one of %v", part, Factors)
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, fmt.Errorf("health weights: %q: the weight must be a number ≥ 0", part)
		}
		w[f] = n
	}
	total := 0.0
	for _, f := range Factors {
		total += w[f]
	}
	if total == 0 {
		return nil, fmt.Errorf("health weights: at least one weight must be above 0")
	}
	return w, nil
}

// String writes the weights the way ParseWeights reads them.
func (w Weights) String() string {
	parts := make([]string, len(Factors))
	for i, f := range Factors {
		parts[i] = fmt.Sprintf("%s=%g", f, w[f])
	}
	return strings.Join(parts, ",")
}

// Signals are the measured values of an account's factors.
type Signals struct {
	EndUserNPS               *float64
	PurchaserNPS             *float64
	DaysSinceLastInteraction *int
	DaysToRenewal            *int
	OpenComplaints           int
	CouncilMembers           int
	SeatUtilisation          *float64
}

// Band places a score in a band.
type Band string

// The bands and their lower bounds.
const (
	Healthy Band = "HEALTHY" // 70 and above
	Watch   Band = "WATCH"   // 45 to 70
	AtRisk  Band = "AT_RISK" // below 45
)

// BandOf returns the band of a score.
func BandOf(score float64) Band {
	switch {
	case score >= 70:
		return Healthy
	case score >= 45:
		return Watch
	}
	return AtRisk
}

// FactorScore is one factor's part in a score.
type FactorScore struct {
	Factor       Factor
	Value        *float64 // the measured value; nil when unknown
	Weight       float64  // the share of the score, in points (weights scaled to add up to 100)
	Subscore     float64  // 0 (bad) … 1 (good)
	Contribution float64  // Weight × Subscore: the points the factor adds
}

// Health is an account's score with its factors and the reasons it is not higher.
type Health struct {
	Score   float64
	Band    Band
	Factors []FactorScore
	Reasons []string
}

// Evaluate scores the signals with the weights and explains the score.
func Evaluate(s Signals, w Weights) Health {
	var h Health
	type lost struct {
		points float64
		reason string
	}
	var losses []lost
	for i, weight := range w.points() {
		f := Factors[i]
		value, known, sub := measure(f, s)
		fs := FactorScore{Factor: f, Weight: weight, Subscore: sub, Contribution: weight * sub}
		if known {
			fs.Value = &value
		}
		h.Factors = append(h.Factors, fs)
		h.Score += fs.Contribution
		if sub < 0.5 && weight > 0 {
			if why := reason(f, s, value, known); why != "" {
				losses = append(losses, lost{weight - fs.Contribution, why})
			}
		}
	}
	slices.SortStableFunc(losses, func(a, b lost) int { return cmp.Compare(b.points, a.points) })
	for _, l := range losses {
		h.Reasons = append(h.Reasons, l.reason)
	}
	h.Band = BandOf(h.Score)
	return h
}

// shares are the weights scaled to add up to 100 points, in the order of Factors.
type shares []float64

// points scales the weights to add up to 100 points.
func (w Weights) points() shares {
	p := make(shares, len(Factors))
	total := 0.0
	for _, f := range Factors {
		total += w[f]
	}
	if total == 0 {
		return p
	}
	for i, f := range Factors {
		p[i] = 100 * w[f] / total
	}
	return p
}

// score is Evaluate's score without the explanation, for ranking a whole tenant: the same
// sum in the same order, so that it equals Evaluate(s, w).Score to the last bit.
func (p shares) score(s Signals) float64 {
	score := 0.0
	for i, weight := range p {
		_, _, sub := measure(Factors[i], s)
		score += weight * sub
	}
	return score
}

// measure returns a factor's value (unless unknown) and its subscore.
func measure(f Factor, s Signals) (value float64, known bool, sub float64) {
	switch f {
	case EndUserNPS:
		return npsFactor(s.EndUserNPS)
	case PurchaserNPS:
		return npsFactor(s.PurchaserNPS)
	case PerceptionGap:
		if s.EndUserNPS == nil || s.PurchaserNPS == nil {
			return 0, false, 0.5
		}
		gap := *s.PurchaserNPS - *s.EndUserNPS
		return gap, true, 1 - clamp(math.Abs(gap)/100)
	case LastInteraction:
		if s.DaysSinceLastInteraction == nil {
			return 0, false, 0
		}
		d := float64(*s.DaysSinceLastInteraction)
		return d, true, 1 - clamp((d-14)/(90-14))
	case Renewal:
		if s.DaysToRenewal == nil {
			return 0, false, 1
		}
		d := float64(*s.DaysToRenewal)
		return d, true, clamp(d / 120)
	case OpenComplaints:
		n := float64(s.OpenComplaints)
		return n, true, 1 - clamp(n/4)
	case CouncilParticipation:
		n := float64(s.CouncilMembers)
		return n, true, clamp(n / 2)
	case SeatUtilisation:
		if s.SeatUtilisation == nil {
			return 0, false, 0.5
		}
		u := *s.SeatUtilisation
		return u, true, clamp((u - 0.25) / (0.85 - 0.25))
	}
	return 0, false, 0.5
}

// reason says in words why a factor drags the score down.
func reason(f Factor, s Signals, value float64, known bool) string {
	switch f {
	case EndUserNPS, PurchaserNPS:
		whose := "end users'"
		if f == PurchaserNPS {
			whose = "buyers'"
		}
		if known {
			return fmt.Sprintf("%s NPS is %.0f", whose, value)
		}
	case PerceptionGap:
		if value < 0 {
			return fmt.Sprintf("buyers are %.0f NPS points less happy than end users", -value)
		}
		if known {
			return fmt.Sprintf("end users are %.0f NPS points less happy than buyers", value)
		}
	case LastInteraction:
		if !known {
			return "no interaction on record"
		}
		return fmt.Sprintf("no interaction for %.0f days", value)
	case Renewal:
		if value < 0 {
			return fmt.Sprintf("the renewal date passed %.0f days ago", -value)
		}
		if known {
			return fmt.Sprintf("renewal in %.0f days", value)
		}
	case OpenComplaints:
		if s.OpenComplaints == 1 {
			return "1 open complaint"
		}
		return fmt.Sprintf("%d open complaints", s.OpenComplaints)
	case CouncilParticipation:
		return "no one from the account sits on a user council"
	case SeatUtilisation:
		if known {
			return fmt.Sprintf("seat utilisation at %.0f%%", 100*value)
		}
	}
	return ""
}

func npsFactor(nps *float64) (float64, bool, float64) {
	if nps == nil {
		return 0, false, 0.5
	}
	return *nps, true, (*nps + 100) / 200
}

func clamp(x float64) float64 { return math.Max(0, math.Min(1, x)) }
