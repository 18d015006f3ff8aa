package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// parseEnum reads an enum value the way people type it: any case, with - or space for _.
func parseEnum[T ~string](what, s string, all []T) (T, error) {
	norm := strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(strings.TrimSpace(s)))
	for _, v := range all {
		if string(v) == norm {
			return v, nil
		}
	}
	names := make([]string, len(all))
	for i, v := range all {
		names[i] = string(v)
	}
	return "", fmt.Errorf("%s: %q is not one of %s", what, s, strings.Join(names, ", "))
}

func parseEnums[T ~string](what string, ss []string, all []T) ([]T, error) {
	var out []T
	for _, s := range ss {
		for _, part := range strings.Split(s, ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			v, err := parseEnum(what, part, all)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// parseTime reads a time: 2025-01-31 (midnight UTC), RFC 3339, "now", or Nd for N days ago.
func parseTime(what, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "now" {
		return now, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is not a date (2025-01-31), a time (2025-01-31T09:30:00Z), now, or a number of days ago (90d)", what, s)
}

func parseBool(what, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t":
		return true, nil
	case "false", "no", "n", "0", "f":
		return false, nil
	}
	return false, fmt.Errorf("%s: %q is not true or false", what, s)
}

func parseInt(what, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a whole number", what, s)
	}
	return n, nil
}

func parseFloat(what, s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", what, s)
	}
	return f, nil
}

func ptr[T any](v T) *T { return &v }

// optional returns nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
