package schema

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/stakegraph/stakegraph/internal/currency"
)

// validEmail accepts a bare address (no display name) with a domain that has a dot.
func validEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return errors.New("is not a valid email address")
	}
	_, domain, _ := strings.Cut(s, "@")
	if !domainPattern.MatchString(domain) {
		return errors.New("is not a valid email address: the domain is malformed")
	}
	return nil
}

var domainPattern = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// validDomain accepts a host name such as example.com, without scheme or path.
func validDomain(s string) error {
	if !domainPattern.MatchString(s) {
		return errors.New("is not a valid domain name (expected e.g. example.com)")
	}
	return nil
}

// validCurrency accepts an active ISO 4217 currency code in upper case.
func validCurrency(s string) error {
	if !currency.Known(s) {
		return errors.New("is not an ISO 4217 currency code (expected e.g. EUR)")
	}
	return nil
}

// notBlank refuses a name made of white space only: it would show as nothing. An empty value
// is NotEmpty's to refuse, on the fields that require one.
func notBlank(s string) error {
	if s != "" && strings.TrimSpace(s) == "" {
		return errors.New("must not be blank")
	}
	return nil
}

// maxLength bounds a long text without making MySQL store it in a VARCHAR, whose row size
// limit long texts would exceed.
func maxLength(n int) func(string) error {
	return func(s string) error {
		if len(s) > n {
			return fmt.Errorf("is longer than %d bytes", n)
		}
		return nil
	}
}
