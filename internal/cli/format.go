package cli

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stakegraph/stakegraph/client"
	"github.com/stakegraph/stakegraph/internal/currency"
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
	if v.Member == nil || str(v.Member.Name) == none && str(v.Member.Email) == none {
		return v.Subject
	}
	return memberContact(v.Member.Id, v.Member.Name, v.Member.Email)
}

// memberName names a member for a table: their name, else their email, else their id.
func memberName(id string, name, email *string) string {
	switch {
	case str(name) != none:
		return *name
	case str(email) != none:
		return *email
	}
	return id
}

// memberContact names a member with their email when both are known: "Kim Keller
// <kim@seller.example>".
func memberContact(id string, name, email *string) string {
	if str(name) != none && str(email) != none {
		return *name + " <" + *email + ">"
	}
	return memberName(id, name, email)
}

func ownerName(o *client.AccountSummaryOwnerMember) string {
	if o == nil {
		return none
	}
	return memberName(o.Id, o.Name, o.Email)
}

// Plural counts a noun the way the commands print counts: Plural(1, "row", "rows") is "1 row",
// Plural(2, "person", "people") is "2 people".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
