package feedbackrule

import (
	"strings"
	"unicode"

	"github.com/stakegraph/stakegraph/internal/errs"
)

// MaxTopics bounds the topics of one piece of feedback; MaxTopicLength bounds each.
const (
	MaxTopics      = 20
	MaxTopicLength = 60
)

// NormalizeTopics returns topics trimmed, in lower case, with inner white space folded, without
// empty or repeated ones, and refuses more than MaxTopics or one longer than MaxTopicLength.
func NormalizeTopics(topics []string) ([]string, error) {
	out := make([]string, 0, len(topics))
	seen := make(map[string]bool, len(topics))
	for _, t := range topics {
		t = strings.ToLower(strings.Join(strings.FieldsFunc(t, unicode.IsSpace), " "))
		if t == "" || seen[t] {
			continue
		}
		if len([]rune(t)) > MaxTopicLength {
			return nil, errs.Invalidf("topics", "%q is longer than %d characters", t, MaxTopicLength)
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTopics {
		return nil, errs.Invalidf("topics", "at most %d topics, got %d", MaxTopics, len(out))
	}
	return out, nil
}
