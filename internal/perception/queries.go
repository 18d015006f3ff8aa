package perception

import (
	"context"
	"database/sql"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/stakegraph/stakegraph/ent"
	"github.com/stakegraph/stakegraph/ent/feedback"
	"github.com/stakegraph/stakegraph/ent/predicate"
	"github.com/stakegraph/stakegraph/internal/enum"
)

// npsRow counts the latest NPS responses of one persona in one group (and month).
type npsRow struct {
	Key        string       `json:"k"`
	Month      string       `json:"m"`
	Persona    enum.Persona `json:"persona"`
	Promoters  int          `json:"promoters"`
	Passives   int          `json:"passives"`
	Detractors int          `json:"detractors"`
}

func (r npsRow) total() int { return r.Promoters + r.Passives + r.Detractors }

// score is the row's NPS.
func (r npsRow) score() *float64 { return NPS(r.Promoters, r.Passives, r.Detractors) }

// NPS is DESIGN.md's NPS of the responses: % promoters − % detractors; nil without any.
func NPS(promoters, passives, detractors int) *float64 {
	n := promoters + passives + detractors
	if n == 0 {
		return nil
	}
	s := float64(promoters-detractors) * 100 / float64(n)
	return &s
}

// meanRow holds the counts and means of one persona in one group (and month).
type meanRow struct {
	Key           string          `json:"k"`
	Month         string          `json:"m"`
	Persona       enum.Persona    `json:"persona"`
	Responses     int             `json:"responses"`
	CSATResponses int             `json:"csat_responses"`
	CSATSum       int             `json:"csat_sum"`
	Sentiment     sql.NullFloat64 `json:"sentiment"`
}

// csat is the mean CSAT score, divided here: MySQL and MariaDB average integers as decimals
// rounded to div_precision_increment (4) places, SQLite does not.
func (r meanRow) csat() *float64 {
	if r.CSATResponses == 0 {
		return nil
	}
	m := float64(r.CSATSum) / float64(r.CSATResponses)
	return &m
}

// topicRow describes one topic of one persona in one group.
type topicRow struct {
	Key       string          `json:"k"`
	Persona   enum.Persona    `json:"persona"`
	Topic     string          `json:"topic"`
	Count     int             `json:"n"`
	Sentiment sql.NullFloat64 `json:"sentiment"`
}

func nullable(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

// keyColumn selects the grouping column as k, or a constant when there is no grouping.
func keyColumn(s *entsql.Selector, groupBy string) string {
	if groupBy == "" {
		return "'' AS k"
	}
	return entsql.As(s.C(groupBy), "k")
}

// monthOf formats a time column as YYYY-MM (UTC) in the selector's dialect.
func monthOf(s *entsql.Selector, column string) string {
	if s.Dialect() == dialect.SQLite {
		return fmt.Sprintf("strftime('%%Y-%%m', %s)", column)
	}
	return fmt.Sprintf("DATE_FORMAT(%s, '%%Y-%%m')", column)
}

// npsCounts counts promoters, passives and detractors among each person's latest NPS response
// on the account in the window, per group, persona and, with by "month", month.
func npsCounts(ctx context.Context, q *ent.FeedbackQuery, groupBy, by string, w Window) ([]npsRow, error) {
	var rows []npsRow
	err := q.Where(feedback.KindEQ(feedback.KindNPS), feedback.ScoreNotNil(), latestOfPerson(w, by == "month")).
		Modify(func(s *entsql.Selector) {
			month := "'' AS m"
			if by == "month" {
				month = monthOf(s, s.C(feedback.FieldReceivedAt)) + " AS m"
			}
			score := s.C(feedback.FieldScore)
			s.Select(
				keyColumn(s, groupBy),
				month,
				entsql.As(s.C(feedback.FieldPersona), "persona"),
				fmt.Sprintf("SUM(CASE WHEN %s >= 9 THEN 1 ELSE 0 END) AS promoters", score),
				fmt.Sprintf("SUM(CASE WHEN %s BETWEEN 7 AND 8 THEN 1 ELSE 0 END) AS passives", score),
				fmt.Sprintf("SUM(CASE WHEN %s <= 6 THEN 1 ELSE 0 END) AS detractors", score),
			).GroupBy("k", "m", s.C(feedback.FieldPersona))
		}).
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("counting NPS responses: %w", err)
	}
	return rows, nil
}

// latestOfPerson keeps an NPS response only when the same person gave no later one, in the same
// voice on the same account, in the window (and, by month, in the same month).
func latestOfPerson(w Window, byMonth bool) predicate.Feedback {
	return func(s *entsql.Selector) {
		newer := entsql.Table(feedback.Table).As("newer")
		same := func(column string) *entsql.Predicate { return entsql.ColumnsEQ(newer.C(column), s.C(column)) }
		conditions := []*entsql.Predicate{
			same(feedback.FieldTenantID),
			same(feedback.FieldAccountID),
			same(feedback.FieldPersona),
			same(feedback.FieldAuthorID),
			entsql.EQ(newer.C(feedback.FieldKind), feedback.KindNPS),
			entsql.NotNull(newer.C(feedback.FieldScore)),
			entsql.GTE(newer.C(feedback.FieldReceivedAt), w.Since),
			entsql.LT(newer.C(feedback.FieldReceivedAt), w.Until),
			entsql.Or(
				entsql.ColumnsGT(newer.C(feedback.FieldReceivedAt), s.C(feedback.FieldReceivedAt)),
				entsql.And(
					same(feedback.FieldReceivedAt),
					entsql.ColumnsGT(newer.C(feedback.FieldID), s.C(feedback.FieldID)),
				),
			),
		}
		if byMonth {
			conditions = append(conditions, entsql.ExprP(
				monthOf(s, newer.C(feedback.FieldReceivedAt))+" = "+monthOf(s, s.C(feedback.FieldReceivedAt))))
		}
		s.Where(entsql.NotExists(entsql.Dialect(s.Dialect()).SelectExpr(entsql.Raw("1")).From(newer).Where(entsql.And(conditions...))))
	}
}

// personaMeans counts responses and averages CSAT and sentiment per group, persona and, with
// by "month", month.
func personaMeans(ctx context.Context, q *ent.FeedbackQuery, groupBy, by string) ([]meanRow, error) {
	var rows []meanRow
	err := q.Modify(func(s *entsql.Selector) {
		month := "'' AS m"
		group := []string{"k", "m", s.C(feedback.FieldPersona)}
		if by == "month" {
			month = monthOf(s, s.C(feedback.FieldReceivedAt)) + " AS m"
		}
		isCSAT := fmt.Sprintf("%s = '%s'", s.C(feedback.FieldKind), feedback.KindCSAT)
		s.Select(
			keyColumn(s, groupBy),
			month,
			entsql.As(s.C(feedback.FieldPersona), "persona"),
			"COUNT(*) AS responses",
			fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS csat_responses", isCSAT),
			fmt.Sprintf("SUM(CASE WHEN %s THEN %s ELSE 0 END) AS csat_sum", isCSAT, s.C(feedback.FieldScore)),
			entsql.As(entsql.Avg(s.C(feedback.FieldSentiment)), "sentiment"),
		).GroupBy(group...)
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("averaging feedback: %w", err)
	}
	return rows, nil
}

// topicStats counts the topics of each persona per group, with their mean sentiment. Topics
// are a JSON list: json_each expands it on SQLite, JSON_TABLE on MySQL and MariaDB.
func topicStats(ctx context.Context, q *ent.FeedbackQuery, groupBy string) ([]topicRow, error) {
	var rows []topicRow
	err := q.Modify(func(s *entsql.Selector) {
		topics := entsql.Dialect(s.Dialect()).Table("topics")
		topic := topics.C("value")
		expand := fmt.Sprintf("json_each(%s) AS topics", s.C(feedback.FieldTopics))
		if s.Dialect() != dialect.SQLite {
			topic = topics.C("topic")
			expand = fmt.Sprintf("JSON_TABLE(%s, '$[*]' COLUMNS (topic VARCHAR(100) PATH '$')) AS topics",
				s.C(feedback.FieldTopics))
		}
		s.AppendFromExpr(entsql.Raw(expand)).
			Select(
				keyColumn(s, groupBy),
				entsql.As(s.C(feedback.FieldPersona), "persona"),
				topic+" AS topic",
				"COUNT(*) AS n",
				entsql.As(entsql.Avg(s.C(feedback.FieldSentiment)), "sentiment"),
			).
			GroupBy("k", s.C(feedback.FieldPersona), topic)
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("counting topics: %w", err)
	}
	return rows, nil
}
