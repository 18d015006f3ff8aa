package bulksync_test

import (
	"testing"
	"time"

	"github.com/stakegraph/stakegraph/internal/apitest"
)

// TestSyncComplaintHistory: a complaint history synced from a support desk keeps the desk's
// times, fills in now only for a move without one, refuses times in the future, before the
// complaint was received or out of order, naming the field, and never lets a complaint go
// back (a RESOLVED complaint resent as OPEN is refused on status, and nothing changes).
func TestSyncComplaintHistory(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		seedReferences(t, env, token)
		const received = "2024-06-01T12:00:00Z"
		complaint := func(externalID, status string, times ...string) object {
			c := with(feedback(externalID, "per-1", "COMPLAINT", 0), "status", status)
			for i, field := range []string{"acknowledgedAt", "resolvedAt"} {
				if i < len(times) && times[i] != "" {
					c[field] = times[i]
				}
			}
			return c
		}
		const selection = `... on Feedback { status acknowledgedAt resolvedAt }`
		read := func(id string) (status string, acknowledged, resolved time.Time) {
			t.Helper()
			f := node(t, env, token, id, selection)
			at := func(field string) time.Time {
				s, _ := f[field].(string)
				v, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					t.Fatalf("%s of %s: %q: %v", field, id, s, err)
				}
				return v
			}
			return f["status"].(string), at("acknowledgedAt"), at("resolvedAt")
		}
		ts := func(s string) time.Time {
			v, _ := time.Parse(time.RFC3339, s)
			return v
		}

		// The desk's times are kept, at the boundaries too: acknowledged the moment it was
		// received, resolved the moment it was acknowledged.
		res := doSync(t, env, token, syncFeedback, []object{
			complaint("c-desk", "RESOLVED", "2024-06-02T09:00:00Z", "2024-06-03T17:30:00Z"),
			complaint("c-edge", "RESOLVED", received, received),
			complaint("c-resolved-only", "RESOLVED", "", "2024-06-04T08:00:00Z"),
		}, false)
		expectOutcomes(t, res, "CREATED", "CREATED", "CREATED")
		for i, want := range [][2]string{
			{"2024-06-02T09:00:00Z", "2024-06-03T17:30:00Z"},
			{received, received},
			{"2024-06-04T08:00:00Z", "2024-06-04T08:00:00Z"}, // resolving acknowledges, at the same time
		} {
			status, ack, resolved := read(res.Items[i].id(t))
			if status != "RESOLVED" || !ack.Equal(ts(want[0])) || !resolved.Equal(ts(want[1])) {
				t.Errorf("item %d: %s acknowledged %v resolved %v, want RESOLVED at the source's %v", i, status, ack, resolved, want)
			}
		}
		desk := res.Items[0].id(t)

		// A move without a time happened at the sync.
		before := time.Now().Add(-time.Second)
		res = doSync(t, env, token, syncFeedback, []object{complaint("c-now", "RESOLVED")}, false)
		after := time.Now().Add(time.Second)
		expectOutcomes(t, res, "CREATED")
		if _, ack, resolved := read(res.Items[0].id(t)); ack.Before(before) || resolved.After(after) || ack.After(resolved) {
			t.Errorf("resolved without times: acknowledged %v, resolved %v, want both within the sync (%v–%v)", ack, resolved, before, after)
		}

		// Resent without times, a resolved complaint keeps its history.
		expectOutcomes(t, doSync(t, env, token, syncFeedback, []object{complaint("c-desk", "RESOLVED")}, false), "UNCHANGED")

		// Refusals name the field; the boundaries above passed.
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		res = doSync(t, env, token, syncFeedback, []object{
			complaint("c-desk", "OPEN"),
			complaint("c-future", "ACKNOWLEDGED", future),
			complaint("c-early", "ACKNOWLEDGED", "2024-06-01T11:59:59Z"),
			complaint("c-unordered", "RESOLVED", "2024-06-03T00:00:00Z", "2024-06-02T23:59:59Z"),
			complaint("c-not-resolved", "ACKNOWLEDGED", "2024-06-02T00:00:00Z", "2024-06-03T00:00:00Z"),
			complaint("c-not-acknowledged", "OPEN", "2024-06-02T00:00:00Z"),
		}, false)
		expectOutcomes(t, res, "FAILED", "FAILED", "FAILED", "FAILED", "FAILED", "FAILED")
		for i, field := range []string{"status", "acknowledgedAt", "acknowledgedAt", "resolvedAt", "resolvedAt", "acknowledgedAt"} {
			if !res.Items[i].hasError(field, invalid) {
				t.Errorf("item %d: errors %+v, want %s on %s", i, res.Items[i].Errors, invalid, field)
			}
		}
		if status, ack, resolved := read(desk); status != "RESOLVED" || !ack.Equal(ts("2024-06-02T09:00:00Z")) || !resolved.Equal(ts("2024-06-03T17:30:00Z")) {
			t.Errorf("refused resend changed the complaint: %s acknowledged %v resolved %v", status, ack, resolved)
		}
	})
}

// TestSyncScoreBoundaries: NPS takes 0 to 10 and CSAT 1 to 5, both ends included; one past
// either end is refused on score.
func TestSyncScoreBoundaries(t *testing.T) {
	apitest.Each(t, func(t *testing.T, env *apitest.Env) {
		token := env.Token("acme", "INTEGRATION", "erp")
		warm(t, env, token)
		seedReferences(t, env, token)
		res := doSync(t, env, token, syncFeedback, []object{
			feedback("nps-0", "per-1", "NPS", 0), feedback("nps-10", "per-1", "NPS", 10),
			feedback("nps-neg", "per-1", "NPS", -1), feedback("nps-11", "per-1", "NPS", 11),
			feedback("csat-1", "per-1", "CSAT", 1), feedback("csat-5", "per-1", "CSAT", 5),
			feedback("csat-0", "per-1", "CSAT", 0), feedback("csat-6", "per-1", "CSAT", 6),
		}, false)
		expectOutcomes(t, res, "CREATED", "CREATED", "FAILED", "FAILED", "CREATED", "CREATED", "FAILED", "FAILED")
		for _, i := range []int{2, 3, 6, 7} {
			if !res.Items[i].hasError("score", invalid) {
				t.Errorf("item %d: errors %+v, want %s on score", i, res.Items[i].Errors, invalid)
			}
		}
	})
}
