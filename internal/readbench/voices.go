package readbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/internal/enum"
	"github.com/stakegraph/stakegraph/internal/errs"
	"github.com/stakegraph/stakegraph/internal/health"
	"github.com/stakegraph/stakegraph/internal/perception"
)

type voicesAccount struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Perception perceptionJSON `json:"perception"`
	Health     healthJSON     `json:"health"`
}

type perceptionJSON struct {
	NPSGap    *float64    `json:"npsGap"`
	CSATGap   *float64    `json:"csatGap"`
	Purchaser personaJSON `json:"purchaser"`
	EndUser   personaJSON `json:"endUser"`
	Topics    []topicJSON `json:"topics"`
	Trend     []trendJSON `json:"trend"`
}

type personaJSON struct {
	Persona       enum.Persona `json:"persona"`
	Responses     int          `json:"responses"`
	NPSResponses  int          `json:"npsResponses"`
	Promoters     int          `json:"promoters"`
	Passives      int          `json:"passives"`
	Detractors    int          `json:"detractors"`
	NPS           *float64     `json:"nps"`
	CSATResponses int          `json:"csatResponses"`
	CSAT          *float64     `json:"csat"`
	Sentiment     *float64     `json:"sentiment"`
}

type topicJSON struct {
	Topic        string         `json:"topic"`
	SentimentGap *float64       `json:"sentimentGap"`
	Purchaser    *topicStatJSON `json:"purchaser"`
	EndUser      *topicStatJSON `json:"endUser"`
}

type topicStatJSON struct {
	Count     int      `json:"count"`
	Sentiment *float64 `json:"sentiment"`
}

type trendJSON struct {
	Month     string       `json:"month"`
	Persona   enum.Persona `json:"persona"`
	Responses int          `json:"responses"`
	NPS       *float64     `json:"nps"`
	CSAT      *float64     `json:"csat"`
	Sentiment *float64     `json:"sentiment"`
}

type healthJSON struct {
	Score   float64      `json:"score"`
	Band    health.Band  `json:"band"`
	Reasons []string     `json:"reasons"`
	Factors []factorJSON `json:"factors"`
}

type factorJSON struct {
	Name         health.Factor `json:"name"`
	Value        *float64      `json:"value"`
	Weight       float64       `json:"weight"`
	Subscore     float64       `json:"subscore"`
	Contribution float64       `json:"contribution"`
}

func (b *Baseline) answerAccountVoices(ctx context.Context, r *reader, vars map[string]json.RawMessage) (any, error) {
	var id string
	if err := json.Unmarshal(vars["id"], &id); err != nil {
		return nil, errs.Invalidf("id", "must be an ID")
	}
	node := map[string]any{"node": nil}
	if !strings.HasPrefix(id, "acc_") {
		return node, nil // not an account: the fragment selects nothing
	}
	var (
		a       voicesAccount
		signals health.Signals
	)
	window := perception.NewWindow(nil, nil, r.now)
	found, err := r.accountSignals(ctx, id, &a, &signals)
	if err != nil || !found {
		return node, err
	}
	if err := r.accountVoices(ctx, id, window.Since, &signals); err != nil {
		return nil, err
	}
	rows, err := r.windowFeedback(ctx, id, window)
	if err != nil {
		return nil, err
	}
	a.Perception = perceptionToJSON(perceive(rows, window))
	a.Health = healthToJSON(health.Evaluate(signals, b.weights))
	node["node"] = a
	return node, nil
}

// accountSignals reads the account with its AccountPulse row and the number of its people on
// a user council, in one statement.
func (r *reader) accountSignals(ctx context.Context, id string, a *voicesAccount, s *health.Signals) (bool, error) {
	var (
		pulse          ent.AccountPulse
		seats          sql.NullInt64
		active, open   sql.NullInt64
		last, renewal  sql.NullTime
		councilMembers int
	)
	err := r.db.QueryRowContext(ctx, `SELECT a.id, a.name, p.last_interaction_at, p.renewal_at, p.seats, p.active_seats, p.open_complaints,
		(SELECT COUNT(DISTINCT x.person_id) FROM (
			SELECT person_id FROM buying_contacts WHERE tenant_id = ? AND account_id = ?
			UNION ALL SELECT person_id FROM end_users WHERE tenant_id = ? AND account_id = ?) AS x
		 WHERE x.person_id IN (SELECT person_id FROM council_memberships WHERE tenant_id = ? AND left_at IS NULL))
		FROM accounts AS a LEFT JOIN account_pulses AS p ON p.tenant_id = a.tenant_id AND p.account_id = a.id
		WHERE a.tenant_id = ? AND a.id = ?`, r.tenant, id, r.tenant, id, r.tenant, r.tenant, id).
		Scan(&a.ID, &a.Name, &last, &renewal, &seats, &active, &open, &councilMembers)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if last.Valid {
		pulse.LastInteractionAt = &last.Time
	}
	if renewal.Valid {
		pulse.RenewalAt = &renewal.Time
	}
	pulse.Seats, pulse.ActiveSeats, pulse.OpenComplaints = seats.Int64, int(active.Int64), int(open.Int64)
	s.AddPulse(&pulse, r.now)
	s.CouncilMembers = councilMembers
	return true, nil
}

// accountVoices sets the NPS of both voices from each person's latest response since the
// window's start (LatestNPS), as health measures them.
func (r *reader) accountVoices(ctx context.Context, id string, since time.Time, s *health.Signals) error {
	return r.each(ctx, `SELECT persona, COUNT(*), SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
		FROM latest_nps WHERE tenant_id = ? AND account_id = ? AND received_at >= ? GROUP BY persona`,
		[]any{r.tenant, id, since}, func(rows *sql.Rows) error {
			var (
				persona             enum.Persona
				n, promoters, detrs int
			)
			if err := rows.Scan(&persona, &n, &promoters, &detrs); err != nil {
				return err
			}
			nps := perception.NPS(promoters, n-promoters-detrs, detrs)
			if persona == enum.PersonaPurchaser {
				s.PurchaserNPS = nps
			} else {
				s.EndUserNPS = nps
			}
			return nil
		})
}

// windowRow is one feedback row of the window, with what the perception's figures need.
type windowRow struct {
	id, authorID, kind string
	persona            enum.Persona
	score              sql.NullInt64
	sentiment          sql.NullFloat64
	topics             []byte
	receivedAt         time.Time
}

// windowFeedback reads the account's feedback in the window: a few dozen rows, read once
// through the (tenant_id, account_id, received_at) index, from which every figure of the
// perception follows, where stakegraph asks the database for five aggregates.
func (r *reader) windowFeedback(ctx context.Context, id string, w perception.Window) ([]windowRow, error) {
	var out []windowRow
	err := r.each(ctx, `SELECT id, author_id, persona, kind, score, sentiment, topics, received_at FROM feedback
		WHERE tenant_id = ? AND account_id = ? AND received_at >= ? AND received_at < ?`,
		[]any{r.tenant, id, w.Since, w.Until}, func(rows *sql.Rows) error {
			var f windowRow
			err := rows.Scan(&f.id, &f.authorID, &f.persona, &f.kind, &f.score, &f.sentiment, &f.topics, &f.receivedAt)
			out = append(out, f)
			return err
		})
	return out, err
}

// tally adds up responses, CSAT scores and sentiment.
type tally struct {
	responses, csatResponses, csatSum, sentiments int
	sentimentSum                                  float64
}

func (t *tally) add(f windowRow) {
	t.responses++
	if f.kind == "CSAT" {
		t.csatResponses++
		t.csatSum += int(f.score.Int64)
	}
	if f.sentiment.Valid {
		t.sentiments++
		t.sentimentSum += f.sentiment.Float64
	}
}

func (t tally) csat() *float64 {
	if t.csatResponses == 0 {
		return nil
	}
	m := float64(t.csatSum) / float64(t.csatResponses)
	return &m
}

func (t tally) sentiment() *float64 {
	if t.sentiments == 0 {
		return nil
	}
	m := t.sentimentSum / float64(t.sentiments)
	return &m
}

// npsCount counts promoters, passives and detractors.
type npsCount struct{ promoters, passives, detractors int }

func (c *npsCount) add(score int64) {
	switch {
	case score >= 9:
		c.promoters++
	case score >= 7:
		c.passives++
	default:
		c.detractors++
	}
}

func (c npsCount) nps() *float64 { return perception.NPS(c.promoters, c.passives, c.detractors) }

// perceive computes the perception's figures from the window's rows: per persona the
// responses, CSAT and sentiment, the NPS of each person's latest NPS response; the same per
// topic and per month (each person's latest of the month).
func perceive(rows []windowRow, w perception.Window) *perception.Perception {
	p := &perception.Perception{Window: w,
		Purchaser: perception.PersonaPerception{Persona: enum.PersonaPurchaser},
		EndUser:   perception.PersonaPerception{Persona: enum.PersonaEndUser}}
	type monthKey struct {
		month   string
		persona enum.Persona
	}
	type personKey struct {
		month, author string
		persona       enum.Persona
	}
	voices := map[enum.Persona]*tally{}
	months := map[monthKey]*tally{}
	latest := map[personKey]windowRow{} // each person's latest NPS response, overall (month "") and per month
	topics := map[string]*perception.TopicPerception{}
	topicTallies := map[string]*tally{}
	for _, f := range rows {
		month := f.receivedAt.UTC().Format("2006-01")
		tallyOf(voices, f.persona).add(f)
		tallyOf(months, monthKey{month, f.persona}).add(f)
		if f.kind == "NPS" && f.score.Valid {
			for _, k := range []personKey{{"", f.authorID, f.persona}, {month, f.authorID, f.persona}} {
				if l, ok := latest[k]; !ok || f.receivedAt.After(l.receivedAt) || (f.receivedAt.Equal(l.receivedAt) && f.id > l.id) {
					latest[k] = f
				}
			}
		}
		var names []string
		_ = json.Unmarshal(f.topics, &names)
		for _, name := range names {
			if topics[name] == nil {
				topics[name] = &perception.TopicPerception{Topic: name}
			}
			tallyOf(topicTallies, name+"\x00"+string(f.persona)).add(f)
		}
	}
	counts := map[monthKey]*npsCount{}
	for k, f := range latest {
		c := counts[monthKey{k.month, k.persona}]
		if c == nil {
			c = &npsCount{}
			counts[monthKey{k.month, k.persona}] = c
		}
		c.add(f.score.Int64)
	}
	for persona, t := range voices {
		v := &p.EndUser
		if persona == enum.PersonaPurchaser {
			v = &p.Purchaser
		}
		v.Responses, v.CSATResponses, v.CSAT, v.Sentiment = t.responses, t.csatResponses, t.csat(), t.sentiment()
		if c := counts[monthKey{"", persona}]; c != nil {
			v.Promoters, v.Passives, v.Detractors = c.promoters, c.passives, c.detractors
			v.NPSResponses, v.NPS = c.promoters+c.passives+c.detractors, c.nps()
		}
	}
	for key, t := range topicTallies {
		name, persona, _ := strings.Cut(key, "\x00")
		stat := &perception.TopicStat{Count: t.responses, Sentiment: t.sentiment()}
		if enum.Persona(persona) == enum.PersonaPurchaser {
			topics[name].Purchaser = stat
		} else {
			topics[name].EndUser = stat
		}
	}
	trend := map[string]*perception.TrendPoint{}
	for k, t := range months {
		point := &perception.TrendPoint{Month: k.month, Persona: k.persona, Responses: t.responses, CSAT: t.csat(), Sentiment: t.sentiment()}
		if c := counts[k]; c != nil {
			point.NPS = c.nps()
		}
		trend[k.month+string(k.persona)] = point
	}
	p.Finish(topics, trend)
	return p
}

func tallyOf[K comparable](m map[K]*tally, k K) *tally {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	return t
}

func perceptionToJSON(p *perception.Perception) perceptionJSON {
	out := perceptionJSON{NPSGap: p.NPSGap, CSATGap: p.CSATGap, Purchaser: personaToJSON(p.Purchaser), EndUser: personaToJSON(p.EndUser),
		Topics: make([]topicJSON, len(p.Topics)), Trend: make([]trendJSON, len(p.Trend))}
	stat := func(s *perception.TopicStat) *topicStatJSON {
		if s == nil {
			return nil
		}
		return &topicStatJSON{s.Count, s.Sentiment}
	}
	for i, t := range p.Topics {
		out.Topics[i] = topicJSON{t.Topic, t.SentimentGap, stat(t.Purchaser), stat(t.EndUser)}
	}
	for i, t := range p.Trend {
		out.Trend[i] = trendJSON{t.Month, t.Persona, t.Responses, t.NPS, t.CSAT, t.Sentiment}
	}
	return out
}

func personaToJSON(v perception.PersonaPerception) personaJSON {
	return personaJSON{v.Persona, v.Responses, v.NPSResponses, v.Promoters, v.Passives, v.Detractors, v.NPS, v.CSATResponses, v.CSAT, v.Sentiment}
}

func healthToJSON(h health.Health) healthJSON {
	out := healthJSON{Score: h.Score, Band: h.Band, Reasons: append([]string{}, h.Reasons...), Factors: make([]factorJSON, len(h.Factors))}
	for i, f := range h.Factors {
		out.Factors[i] = factorJSON{f.Factor, f.Value, f.Weight, f.Subscore, f.Contribution}
	}
	return out
}

// rankCursor is a cursor of a ranking, in entgql's encoding: a position, as stakegraph's.
type rankCursor int

func (c rankCursor) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	entgql.Cursor[string]{ID: strconv.Itoa(int(c))}.MarshalGQL(&b)
	return []byte(b.String()), nil
}

type gapsJSON struct {
	TotalCount int       `json:"totalCount"`
	Edges      []gapEdge `json:"edges"`
	PageInfo   struct {
		HasNextPage bool        `json:"hasNextPage"`
		EndCursor   *rankCursor `json:"endCursor"`
	} `json:"pageInfo"`
}

type gapEdge struct {
	Cursor rankCursor `json:"cursor"`
	Node   gapJSON    `json:"node"`
}

type gapJSON struct {
	NPSGap             float64    `json:"npsGap"`
	PurchaserNPS       float64    `json:"purchaserNps"`
	EndUserNPS         float64    `json:"endUserNps"`
	PurchaserResponses int        `json:"purchaserResponses"`
	EndUserResponses   int        `json:"endUserResponses"`
	Account            gapAccount `json:"account"`
}

type gapAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Tier string `json:"tier"`
}

// perceptionGapsPage is the number of accounts in the PerceptionGaps page.
const perceptionGapsPage = 20

func answerPerceptionGaps(ctx context.Context, r *reader, _ map[string]json.RawMessage) (any, error) {
	voices, err := r.tenantVoices(ctx, r.now.Add(-perception.DefaultWindow))
	if err != nil {
		return nil, err
	}
	churned, err := r.churned(ctx)
	if err != nil {
		return nil, err
	}
	voices = slices.DeleteFunc(voices, func(v perception.Voices) bool { return churned[v.AccountID] })
	ranked := perception.RankGaps(voices, 1, perception.WidestGap)
	page := ranked[:min(perceptionGapsPage, len(ranked))]
	ids := make([]string, len(page))
	for i, v := range page {
		ids[i] = v.AccountID
	}
	accounts, err := r.accountsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := gapsJSON{TotalCount: len(ranked), Edges: make([]gapEdge, len(page))}
	for i, v := range page {
		out.Edges[i] = gapEdge{Cursor: rankCursor(i), Node: gapJSON{*v.NPSGap, *v.PurchaserNPS, *v.EndUserNPS,
			v.PurchaserResponses, v.EndUserResponses, accounts[v.AccountID]}}
	}
	out.PageInfo.HasNextPage = len(page) < len(ranked)
	if len(page) > 0 {
		end := rankCursor(len(page) - 1)
		out.PageInfo.EndCursor = &end
	}
	return map[string]any{"perceptionGaps": out}, nil
}

// tenantVoices reads the NPS of both voices on every account of the tenant from LatestNPS,
// grouped in the order of its covering index (tenant, account, persona, received_at, score).
func (r *reader) tenantVoices(ctx context.Context, since time.Time) ([]perception.Voices, error) {
	var out []perception.Voices
	at := map[string]int{}
	err := r.each(ctx, `SELECT account_id, persona, COUNT(*), SUM(CASE WHEN score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN score <= 6 THEN 1 ELSE 0 END)
		FROM latest_nps WHERE tenant_id = ? AND received_at >= ? GROUP BY account_id, persona`,
		[]any{r.tenant, since}, func(rows *sql.Rows) error {
			var (
				account             string
				persona             enum.Persona
				n, promoters, detrs int
			)
			if err := rows.Scan(&account, &persona, &n, &promoters, &detrs); err != nil {
				return err
			}
			i, ok := at[account]
			if !ok {
				i = len(out)
				at[account] = i
				out = append(out, perception.Voices{AccountID: account})
			}
			v := &out[i]
			nps := perception.NPS(promoters, n-promoters-detrs, detrs)
			if persona == enum.PersonaPurchaser {
				v.PurchaserResponses, v.PurchaserNPS = n, nps
			} else {
				v.EndUserResponses, v.EndUserNPS = n, nps
			}
			return nil
		})
	for i := range out {
		out[i].NPSGap = perception.Gap(out[i].PurchaserNPS, out[i].EndUserNPS)
	}
	return out, err
}

// churned returns the tenant's churned accounts, which the rankings leave out unless asked
// for by stage.
func (r *reader) churned(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := r.each(ctx, `SELECT id FROM accounts WHERE tenant_id = ? AND stage = 'CHURNED'`, []any{r.tenant},
		func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
			return nil
		})
	return out, err
}

func (r *reader) accountsByID(ctx context.Context, ids []string) (map[string]gapAccount, error) {
	out := make(map[string]gapAccount, len(ids))
	err := r.byID(ctx, "accounts", "id, name, tier", ids, func(rows *sql.Rows) error {
		var a gapAccount
		err := rows.Scan(&a.ID, &a.Name, &a.Tier)
		out[a.ID] = a
		return err
	})
	return out, err
}
