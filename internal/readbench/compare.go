package readbench

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// Difference returns where two JSON answers differ, or "" when they are the same answer:
// objects compare by key whatever their order, numbers within a relative 1e-9 (a mean of
// floating-point values depends on the order the database adds them in), everything else
// exactly.
func Difference(a, b []byte) (string, error) {
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		return "", fmt.Errorf("the first answer is not JSON: %w", err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return "", fmt.Errorf("the second answer is not JSON: %w", err)
	}
	return difference("$", x, y), nil
}

func difference(path string, x, y any) string {
	switch x := x.(type) {
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: an object against %s", path, describe(y))
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			xv, inX := x[k]
			yv, inY := y[k]
			if inX != inY {
				return fmt.Sprintf("%s.%s: present in one answer only", path, k)
			}
			if d := difference(path+"."+k, xv, yv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := y.([]any)
		if !ok {
			return fmt.Sprintf("%s: a list against %s", path, describe(y))
		}
		if len(x) != len(y) {
			return fmt.Sprintf("%s: %d items against %d", path, len(x), len(y))
		}
		for i := range x {
			if d := difference(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	case float64:
		y, ok := y.(float64)
		if !ok || math.Abs(x-y) > 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			return fmt.Sprintf("%s: %v against %v", path, x, describe(y))
		}
		return ""
	}
	if x != y {
		return fmt.Sprintf("%s: %s against %s", path, describe(x), describe(y))
	}
	return ""
}

func describe(v any) string {
	raw, _ := json.Marshal(v)
	return fmt.Sprintf("%.80s", raw)
}
