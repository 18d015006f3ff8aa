package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stakegraph/stakegraph/client"
	"github.com/stakegraph/stakegraph/currency"
)

const none = "—"

func str(p *string) string {
	if p == nil || *p == "" {
		return none
	}
	return *p
}

func enumStr[T ~string](p *T) string {
	if p == nil {
		return none
	}
	return string(*p)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func date(t time.Time) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.DateOnly)
}

func datePtr(t *time.Time) string {
	if t == nil {
		return none
	}
	return date(*t)
}

// num formats a float with the digits, or a dash for null.
func num(p *float64, digits int) string {
	if p == nil {
		return none
	}
	return strconv.FormatFloat(*p, 'f', digits, 64)
}

// signed formats a float with its sign, or a dash for null.
func signed(p *float64, digits int) string {
	if p == nil {
		return none
	}
	if *p > 0 {
		return "+" + strconv.FormatFloat(*p, 'f', digits, 64)
	}
	return strconv.FormatFloat(*p, 'f', digits, 64)
}

func percent(p *float64) string {
	if p == nil {
		return none
	}
	return fmt.Sprintf("%.0f%%", *p*100)
}

func intPtr(p *int) string {
	if p == nil {
		return none
	}
	return strconv.Itoa(*p)
}

// money formats minor units in the currency's major unit: 12000000 EUR is "EUR 120,000.00".
func money(minor int, code string) string {
	digits, ok := currency.MinorUnits(code)
	if !ok {
		return fmt.Sprintf("%s %d (minor units)", code, minor)
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	scale := int(math.Pow10(digits))
	whole, frac := minor/scale, minor%scale
	s := groupThousands(strconv.Itoa(whole))
	if digits > 0 {
		s += fmt.Sprintf(".%0*d", digits, frac)
	}
	if neg {
		s = "-" + s
	}
	return code + " " + s
}

func groupThousands(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// truncate shortens s to n characters, on one line.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func joinEnums[T ~string](vs []T) string {
	if len(vs) == 0 {
		return none
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

func describeViewer(v *client.ViewerViewer) string {
	if v.Member == nil {
		return v.Subject
	}
	switch {
	case v.Member.Name != nil && *v.Member.Name != "" && v.Member.Email != nil:
		return *v.Member.Name + " <" + *v.Member.Email + ">"
	case v.Member.Email != nil:
		return *v.Member.Email
	case v.Member.Name != nil && *v.Member.Name != "":
		return *v.Member.Name
	}
	return v.Subject
}

func ownerName(o *client.AccountSummaryOwnerMember) string {
	if o == nil {
		return none
	}
	if o.Email != nil && *o.Email != "" {
		return *o.Email
	}
	if o.Name != nil && *o.Name != "" {
		return *o.Name
	}
	return o.Id
}

// plural says "1 attendee" or "2 attendees".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
