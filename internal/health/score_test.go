package health

import "testing"

// TestRankingScoreIsEvaluatesScore checks that the score Rank orders by is the one the API
// shows, to the last bit, for every factor's extremes and unknowns and for custom weights.
func TestRankingScoreIsEvaluatesScore(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	d := func(n int) *int { return &n }
	signals := []Signals{
		{},
		{EndUserNPS: f(-100), PurchaserNPS: f(100), DaysSinceLastInteraction: d(200), DaysToRenewal: d(-3),
			OpenComplaints: 9, SeatUtilisation: f(0.1)},
		{EndUserNPS: f(37.5), PurchaserNPS: f(-12.5), DaysSinceLastInteraction: d(30), DaysToRenewal: d(45),
			OpenComplaints: 1, CouncilMembers: 1, SeatUtilisation: f(0.6)},
		{EndUserNPS: f(100), PurchaserNPS: f(100), DaysSinceLastInteraction: d(0), DaysToRenewal: d(400),
			CouncilMembers: 5, SeatUtilisation: f(1.4)},
	}
	custom, err := ParseWeights("END_USER_NPS=3,RENEWAL=7.5,SEAT_UTILISATION=0")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []Weights{DefaultWeights(), custom} {
		for i, s := range signals {
			if got, want := w.points().score(s), Evaluate(s, w).Score; got != want {
				t.Errorf("signals %d, weights %s: ranking score %v, shown score %v", i, w, got, want)
			}
		}
	}
}
